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
