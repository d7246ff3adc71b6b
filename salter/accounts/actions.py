"""Changes to staff accounts that a municipal administrator (MANAGE_MUNICIPALITY) or an
operator's command makes: which roles must use a second factor, a password reset, a
second factor removed (a lost phone), a sign-in lock lifted.

An administrator acts on the staff of their own municipality only. A person who also
works for another municipality is not theirs to reset: that would let one
municipality's administrator take over an account another municipality relies on; the
operator does it with `salter staff`.
"""

import logging
import secrets

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from salter.accounts import throttle, twofactor
from salter.accounts.models import PasswordState, TwoFactorRequirement
from salter.administration import timeline
from salter.administration.models import Target, Verb
from salter.tenancy.access import require
from salter.tenancy.actors import SystemActor
from salter.tenancy.models import Membership
from salter.tenancy.roles import Perm, Role

logger = logging.getLogger(__name__)
# No 0/O, 1/l/I: read aloud over the phone or copied from paper.
_TEMPORARY_ALPHABET = "abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _check_reach(actor, user) -> None:
    """The user is the actor's to manage: every active membership of theirs is in the
    actor's municipality (an operator's command reaches everyone)."""
    require(actor, Perm.MANAGE_MUNICIPALITY)
    if isinstance(actor, SystemActor) and actor.municipality is None:
        return
    memberships = Membership.objects.filter(user=user, is_active=True)
    if not memberships.filter(municipality=actor.municipality).exists():
        raise PermissionDenied("not a member of this municipality")
    if user.is_superuser or memberships.exclude(municipality=actor.municipality).exists():
        raise ValidationError(_("This person also works for another municipality; Šalter's "
                                "operator resets their account (salter staff)."))


@transaction.atomic
def require_two_factor(*, actor, roles) -> set[str]:
    """Make exactly `roles` of the actor's municipality sign in with a second factor."""
    require(actor, Perm.MANAGE_MUNICIPALITY)
    wanted = {r for r in roles if r in Role.values}
    unknown = set(roles) - wanted
    if unknown:
        raise ValidationError(_("Unknown role: %(roles)s") % {"roles": ", ".join(sorted(unknown))})
    current = TwoFactorRequirement.objects.filter(municipality=actor.municipality)
    current.exclude(role__in=wanted).delete()
    have = set(current.values_list("role", flat=True))
    TwoFactorRequirement.objects.bulk_create(
        TwoFactorRequirement(municipality=actor.municipality, role=role, set_by=actor.user)
        for role in sorted(wanted - have))
    logger.info("two-factor sign-in required in %s for: %s (by %s)", actor.municipality.slug,
                ", ".join(sorted(wanted)) or "nobody", actor)
    return wanted


def temporary_password() -> str:
    return "-".join("".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(4))
                    for _ in range(4))


@transaction.atomic
def reset_password(*, actor, user) -> str:
    """Give the user a temporary password, returned to be handed over once; they must
    choose their own at the next sign-in. Their open sessions end (Django ties a session
    to the password)."""
    _check_reach(actor, user)
    password = temporary_password()
    user.set_password(password)
    user.save(update_fields=["password"])
    PasswordState.objects.update_or_create(user=user, defaults={"must_change": True})
    throttle.unlock(username=user.get_username())
    logger.warning("password of %s reset by %s", user.get_username(), actor)
    return password


@transaction.atomic
def reset_two_factor(*, actor, user) -> int:
    """Remove the user's authenticator and recovery codes (a lost or replaced phone);
    where their role requires a second factor they set up a new one at the next
    sign-in."""
    _check_reach(actor, user)
    removed = twofactor.remove(user)
    logger.warning("second factor of %s removed by %s", user.get_username(), actor)
    return removed


def unlock_sign_in(*, actor, user) -> int:
    _check_reach(actor, user)
    return throttle.unlock(username=user.get_username())


@transaction.atomic
def password_changed(*, user) -> None:
    """The user chose a new password themselves."""
    PasswordState.objects.update_or_create(
        user=user, defaults={"must_change": False, "changed_at": timezone.now()})


def must_change_password(user) -> bool:
    return PasswordState.objects.filter(user=user, must_change=True).exists()


def staff_of(municipality):
    return (Membership.objects.filter(municipality=municipality)
            .select_related("user", "department").order_by("user__username"))


def user_by_name(username: str):
    return get_user_model().objects.filter(username=username).first()


# -- staff accounts: invite, roles and departments, deactivate -------------------------------

# An auditor inspects the administrators too, so an administrator does not appoint one:
# Šalter's operator does (`salter staff`).
GRANTABLE_ROLES = tuple(role for role in Role.values if role != Role.AUDITOR)
MEMBER_FIELDS = ("role", "department", "is_active")


def _grantable(role: str) -> str:
    if role not in GRANTABLE_ROLES:
        raise ValidationError({"role": [_("An administrator may not grant this role.")]})
    return role


def _own_department(actor, department):
    if department is not None and (department.municipality_id != actor.municipality.pk
                                   or not department.is_active):
        raise ValidationError({"department": [_("Not a department of this municipality.")]})
    return department


def _keep_an_administrator(member: Membership) -> None:
    """Refuse a change that would leave the municipality without an active
    administrator: nobody could manage it any more."""
    others = (Membership.objects.select_for_update()
              .filter(municipality=member.municipality, role=Role.ADMIN, is_active=True)
              .exclude(pk=member.pk))
    if not others.exists():
        raise ValidationError({"role": [_(
            "This is the last administrator of the municipality; make someone else an "
            "administrator first.")]})


def _label(member: Membership) -> str:
    name = member.user.get_full_name()
    return f"{member.user.get_username()} ({name})" if name else member.user.get_username()


@transaction.atomic
def invite_staff(*, actor, username: str, email: str, first_name: str, last_name: str,
                 role: str, department=None) -> tuple[Membership, str]:
    """A new staff account in the actor's municipality with a temporary password, returned
    to be handed over once (the person chooses their own at the first sign-in, and sets
    up a second factor where their role requires one)."""
    require(actor, Perm.MANAGE_MUNICIPALITY)
    User = get_user_model()
    username, email = (username or "").strip(), (email or "").strip().lower()
    errors = {}
    if not username:
        errors["username"] = [_("A staff account needs a username.")]
    elif User.objects.filter(username__iexact=username).exists():
        errors["username"] = [_("This username is taken.")]
    if not email:
        errors["email"] = [_("A staff account needs an e-mail address.")]
    elif User.objects.filter(email__iexact=email).exists():
        errors["email"] = [_("Another account already has this e-mail address.")]
    if errors:
        raise ValidationError(errors)
    _grantable(role)
    _own_department(actor, department)
    user = User(username=username, email=email, first_name=(first_name or "").strip(),
                last_name=(last_name or "").strip())
    try:
        user.full_clean(exclude=["password"])
    except ValidationError as error:
        raise ValidationError(error.message_dict) from None
    password = temporary_password()
    user.set_password(password)
    user.save()
    PasswordState.objects.create(user=user, must_change=True)
    member = Membership.objects.create(user=user, municipality=actor.municipality, role=role,
                                       department=department)
    timeline.record(actor, target=Target.MEMBER, target_id=member.pk, label=_label(member),
                    verb=Verb.INVITED, after={"email": email, "role": role,
                                              "department": timeline.plain(department)})
    logger.info("staff account %s invited to %s by %s", username, actor.municipality.slug,
                actor)
    return member, password


def _locked_member(actor, member: Membership) -> Membership:
    require(actor, Perm.MANAGE_MUNICIPALITY)
    # Only the membership row is locked: its department may be empty, and PostgreSQL
    # refuses FOR UPDATE on the nullable side of an outer join.
    locked = (Membership.objects.select_for_update(of=("self",))
              .select_related("user", "department")
              .filter(municipality=actor.municipality, pk=member.pk).first())
    if locked is None:
        raise ValidationError(_("Not found."))
    return locked


@transaction.atomic
def change_member(*, actor, member: Membership, role: str, department=None) -> Membership:
    """A member's role and department."""
    locked = _locked_member(actor, member)
    before = timeline.snapshot(locked, MEMBER_FIELDS)
    if role != locked.role:
        _grantable(role)
        if locked.role == Role.AUDITOR:
            raise ValidationError({"role": [_("An auditor's role is changed by Šalter's "
                                              "operator.")]})
    if locked.role == Role.ADMIN and role != Role.ADMIN and locked.is_active:
        _keep_an_administrator(locked)
    locked.role, locked.department = role, _own_department(actor, department)
    locked.save(update_fields=["role", "department"])
    timeline.record(actor, target=Target.MEMBER, target_id=locked.pk, label=_label(locked),
                    before=before, after=timeline.snapshot(locked, MEMBER_FIELDS))
    return locked


@transaction.atomic
def set_member_active(*, actor, member: Membership, active: bool) -> Membership:
    """Deactivate a member (they can no longer open the municipality; their cases and
    timeline entries stay theirs) or take them back."""
    locked = _locked_member(actor, member)
    if locked.is_active == active:
        return locked
    if not active and locked.role == Role.ADMIN:
        _keep_an_administrator(locked)
    locked.is_active = active
    locked.save(update_fields=["is_active"])
    timeline.record(actor, target=Target.MEMBER, target_id=locked.pk, label=_label(locked),
                    verb=Verb.REACTIVATED if active else Verb.DEACTIVATED,
                    before={"is_active": not active}, after={"is_active": active})
    return locked
