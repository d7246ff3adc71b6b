import hashlib
import hmac

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django_otp.models import Device

from salter.tenancy.roles import Role


class LoginThrottle(models.Model):
    """Failed sign-ins counted for one account (or one account in one trusted browser),
    or for one network address; see `salter.accounts.throttle`."""

    class Kind(models.TextChoices):
        ACCOUNT = "account"
        BROWSER = "browser"  # the account, in a browser it signed in from before
        ADDRESS = "address"

    kind = models.CharField(max_length=10, choices=Kind.choices)
    key = models.CharField(max_length=200)
    failures = models.PositiveIntegerField(default=0)
    first_failure_at = models.DateTimeField()
    last_failure_at = models.DateTimeField()
    locked_until = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "key"], name="login_throttle_unique"),
        ]
        indexes = [models.Index(fields=["last_failure_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.key}: {self.failures}"


class TwoFactorRequirement(models.Model):
    """A role of a municipality whose members must sign in with a second factor; the
    municipal administrator sets it (`salter.accounts.actions.require_two_factor`)."""

    municipality = models.ForeignKey("tenancy.Municipality", on_delete=models.CASCADE,
                                     related_name="+")
    role = models.CharField(max_length=20, choices=Role.choices)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL,
                               null=True, related_name="+")
    set_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["municipality", "role"],
                                    name="two_factor_requirement_unique"),
        ]


class RecoveryCodes(Device):
    """A user's set of one-time recovery codes, as a django-otp device: signing in with
    one of them counts as the second factor, once. Only their salted SHA-256 is kept; the
    codes themselves are shown once, when made."""

    class Meta:
        verbose_name = _("recovery codes")

    def verify_token(self, token) -> bool:
        wanted = normalize_code(token)
        if not wanted:
            return False
        for code in self.codes.filter(used_at__isnull=True):
            if hmac.compare_digest(code.digest, hash_code(code.salt, wanted)):
                # Consumed only if nobody else consumed it in the meantime.
                return bool(RecoveryCode.objects.filter(pk=code.pk, used_at__isnull=True)
                            .update(used_at=timezone.now()))
        return False

    def remaining(self) -> int:
        return self.codes.filter(used_at__isnull=True).count()


class RecoveryCode(models.Model):
    device = models.ForeignKey(RecoveryCodes, on_delete=models.CASCADE, related_name="codes")
    salt = models.CharField(max_length=32)
    digest = models.CharField(max_length=64)
    used_at = models.DateTimeField(null=True, blank=True)


def normalize_code(token) -> str:
    return "".join(ch for ch in str(token or "").upper() if ch.isalnum())[:32]


def hash_code(salt: str, normalized: str) -> str:
    return hashlib.sha256(f"{salt}:{normalized}".encode()).hexdigest()


class PasswordState(models.Model):
    """Whether a user must choose a new password before working (after an
    administrator's reset), and when they last chose one."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                                related_name="password_state")
    must_change = models.BooleanField(default=False)
    changed_at = models.DateTimeField(null=True, blank=True)
