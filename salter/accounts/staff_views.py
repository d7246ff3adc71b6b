"""The municipal administrator's pages for staff sign-in security (MANAGE_MUNICIPALITY):
which roles must use a second factor; for each member, the state of their sign-in and a
password reset, a second factor removed, a lock lifted. A fuller staff administration
will build on these."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from salter.accounts import actions, throttle, twofactor
from salter.accounts.models import PasswordState, TwoFactorRequirement
from salter.tenancy.access import municipality_view
from salter.tenancy.models import Membership
from salter.tenancy.roles import Perm, Role


def _rows(municipality):
    members = list(actions.staff_of(municipality))
    users = [m.user for m in members]
    with_factor = set(twofactor.TOTPDevice.objects.filter(user__in=users, confirmed=True)
                      .values_list("user_id", flat=True))
    must_change = set(PasswordState.objects.filter(user__in=users, must_change=True)
                      .values_list("user_id", flat=True))
    locked = {lock.key.split("|")[0] for lock in throttle.current_locks()}
    return [{"membership": m, "has_factor": m.user_id in with_factor,
             "must_change": m.user_id in must_change,
             "locked": throttle.account_key(m.user.get_username()) in locked}
            for m in members]


@municipality_view(perm=Perm.MANAGE_MUNICIPALITY)
def staff(request, membership):
    return _staff_page(request, membership)


def _staff_page(request, membership, temporary=None):
    required = set(TwoFactorRequirement.objects.filter(municipality=membership.municipality)
                   .values_list("role", flat=True))
    return render(request, "accounts/staff.html", {
        "rows": _rows(membership.municipality),
        "roles": [(value, label, value in required) for value, label in Role.choices],
        "temporary": temporary,
    })


@require_POST
@municipality_view(perm=Perm.MANAGE_MUNICIPALITY)
def requirements(request, membership):
    try:
        actions.require_two_factor(actor=membership, roles=request.POST.getlist("role"))
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, _("Saved: the roles marked sign in with a second factor."))
    return redirect("security:staff", municipality=membership.municipality.slug)


def _member(membership, member_id) -> Membership:
    found = (Membership.objects.filter(municipality=membership.municipality, pk=member_id)
             .select_related("user").first())
    if found is None:
        raise Http404
    return found


def _staff_action(act, done):
    @require_POST
    @municipality_view(perm=Perm.MANAGE_MUNICIPALITY)
    def view(request, membership, member_id):
        member = _member(membership, member_id)
        try:
            result = act(actor=membership, user=member.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("security:staff", municipality=membership.municipality.slug)
        if act is actions.reset_password:
            # Shown once, on this page only; never stored readable.
            return _staff_page(request, membership,
                               temporary={"user": member.user, "password": result})
        messages.success(request, str(done) % {"user": member.user.get_username()})
        return redirect("security:staff", municipality=membership.municipality.slug)

    return view


reset_password = _staff_action(actions.reset_password, "")
reset_two_factor = _staff_action(
    actions.reset_two_factor, gettext_lazy("The second factor of %(user)s was removed."))
unlock = _staff_action(actions.unlock_sign_in, gettext_lazy("Sign-in of %(user)s is unlocked."))
