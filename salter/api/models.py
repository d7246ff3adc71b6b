"""API tokens: an integration acts as one staff membership of one municipality."""

import hashlib
import secrets

from django.db import models
from django.utils.translation import gettext_lazy as _

from salter.tenancy.models import Membership

TOKEN_PREFIX = "slt_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    membership = models.ForeignKey(Membership, on_delete=models.CASCADE, related_name="tokens")
    name = models.CharField(_("name"), max_length=100)
    key_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(cls, membership: Membership, name: str) -> tuple["ApiToken", str]:
        """Create a token; the raw key is returned once and only its hash is kept."""
        raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
        return cls.objects.create(membership=membership, name=name, key_hash=hash_token(raw)), raw
