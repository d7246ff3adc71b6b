from django.db import models


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
