"""Who is calling the API: a logged-in staff user (session, CSRF-checked) or a bearer
token. Either way the caller becomes one Membership of the municipality in the URL.

The municipality is resolved during authentication, before the request body is even
validated, so a caller outside the municipality gets 404 for every route and method —
the same answer as for a municipality that does not exist.
"""

from django.http import Http404
from django.utils import timezone
from ninja.security import HttpBearer, SessionAuth

from salter.api.models import ApiToken, hash_token
from salter.tenancy.access import access_membership


def _slug(request) -> str:
    return request.resolver_match.kwargs.get("municipality", "")


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
        membership = found.membership
        if membership.municipality.slug != _slug(request) or not membership.municipality.is_active:
            raise Http404
        ApiToken.objects.filter(pk=found.pk).update(last_used_at=timezone.now())
        request.api_membership = membership
        return membership.user


class MembershipSessionAuth(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        if user is not None:
            request.api_membership = access_membership(user, _slug(request))
        return user


def actor_for(request, municipality: str):
    """The caller's membership, already checked against `municipality` by the auth."""
    membership = request.api_membership
    if membership.municipality.slug != municipality:
        raise Http404
    return membership


AUTH = [TokenAuth(), MembershipSessionAuth()]
