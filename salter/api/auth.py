"""Who is calling the API: a logged-in staff user (session, CSRF-checked) or a bearer
token. Either way the caller becomes one Membership of the municipality in the URL; a
token of another municipality is treated like no token at all (404 below)."""

from django.http import Http404
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from salter.api.models import ApiToken, hash_token
from salter.tenancy.access import access_membership


class TokenAuth(HttpBearer):
    def authenticate(self, request, token):
        found = (
            ApiToken.objects.select_related("membership__municipality", "membership__user",
                                            "membership__department")
            .filter(key_hash=hash_token(token), revoked_at__isnull=True,
                    membership__is_active=True)
            .first()
        )
        if found is None:
            return None
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.api_membership = found.membership
        return found.membership.user


def actor_for(request, municipality: str):
    """The caller's membership in `municipality`, or 404."""
    membership = getattr(request, "api_membership", None)
    if membership is not None:
        if membership.municipality.slug != municipality or not membership.municipality.is_active:
            raise Http404
        return membership
    return access_membership(request.auth, municipality)


AUTH = [TokenAuth(), SessionAuth()]
