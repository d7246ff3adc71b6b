"""Two-factor sign-in for staff: an authenticator app (TOTP, django-otp) and one-time
recovery codes for when the phone is lost.

A user who has set up an authenticator is asked for a code at every sign-in. A user
whose role requires it in one of their municipalities (the administrator decides, per
role: `TwoFactorRequirement`) and has none yet is sent to set one up before any other
page (`salter.accounts.gate`).
"""

import secrets
from base64 import b32encode

import segno
from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import transaction
from django.db.models import Exists, OuterRef
from django_otp.plugins.otp_totp.models import TOTPDevice

from salter.accounts.models import RecoveryCode, RecoveryCodes, TwoFactorRequirement, hash_code
from salter.accounts.models import normalize_code as _normalize
from salter.tenancy.models import Membership

RECOVERY_CODES = 10
# 16 characters of a 32-letter alphabet: 80 bits, beyond guessing even from the hashes.
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 16


def state(user) -> tuple[bool, bool]:
    """(has a second factor, a role of theirs requires one), in one query."""
    required = Membership.objects.filter(
        user=OuterRef("pk"), is_active=True, municipality__is_active=True,
    ).filter(Exists(TwoFactorRequirement.objects.filter(
        municipality=OuterRef("municipality"), role=OuterRef("role"))))
    row = (get_user_model().objects.filter(pk=user.pk).annotate(
        has_totp=Exists(TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)),
        required=Exists(required)).values("has_totp", "required").first())
    return (bool(row and row["has_totp"]), bool(row and row["required"]))


def authenticator(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def pending_authenticator(user) -> TOTPDevice:
    """The authenticator being set up: the same key until it is confirmed, so that
    reloading the page does not invalidate what the phone has scanned."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("pk").first()
    return device or TOTPDevice.objects.create(user=user, name="authenticator",
                                               confirmed=False)


@transaction.atomic
def confirm_authenticator(device: TOTPDevice, token: str) -> bool:
    """Confirm the device being set up with a code it shows; it replaces any former one."""
    if not device.verify_token(_digits(token)):
        return False
    TOTPDevice.objects.filter(user=device.user, confirmed=True).delete()
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    return True


@transaction.atomic
def issue_recovery_codes(user) -> list[str]:
    """New recovery codes, replacing the old ones; the only time they are readable."""
    RecoveryCodes.objects.filter(user=user).delete()
    device = RecoveryCodes.objects.create(user=user, name="recovery", confirmed=True)
    codes = ["".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))
             for _ in range(RECOVERY_CODES)]
    salts = [secrets.token_hex(8) for _ in codes]
    RecoveryCode.objects.bulk_create(
        RecoveryCode(device=device, salt=salt, digest=hash_code(salt, code))
        for salt, code in zip(salts, codes, strict=True))
    return [format_code(code) for code in codes]


def format_code(code: str) -> str:
    return "-".join(code[i:i + 4] for i in range(0, len(code), 4))


def recovery_codes_left(user) -> int:
    return RecoveryCode.objects.filter(device__user=user, used_at__isnull=True).count()


def _digits(token) -> str:
    return "".join(ch for ch in str(token or "") if ch.isdigit())[:10]


def verify(user, token: str):
    """The device that accepts `token` (a code from the authenticator, or an unused
    recovery code, which is then used up), or None."""
    totp = authenticator(user)
    if totp is not None and _digits(token) and len(_normalize(token)) <= 8:
        allowed, _why = totp.verify_is_allowed()
        if allowed and totp.verify_token(_digits(token)):
            return totp
        return None
    for device in RecoveryCodes.objects.filter(user=user, confirmed=True):
        if device.verify_token(token):
            return device
    return None


def remove(user) -> int:
    """Forget every second factor of the user (a lost phone); returns how many."""
    removed, _ = TOTPDevice.objects.filter(user=user).delete()
    codes, _ = RecoveryCodes.objects.filter(user=user).delete()
    return removed + codes


def qr_svg(device: TOTPDevice) -> str:
    """The key as a QR code the authenticator app scans, as inline SVG (no script, no
    request elsewhere)."""
    return segno.make(device.config_url, error="m").svg_inline(scale=4, border=2)


def readable_key(device: TOTPDevice) -> str:
    """The key in base32 groups of four, for typing it into the app by hand."""
    key = b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(key[i:i + 4] for i in range(0, len(key), 4))


def issuer() -> str:
    return getattr(settings, "OTP_TOTP_ISSUER", "Šalter")
