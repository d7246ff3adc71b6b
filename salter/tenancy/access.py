"""The municipality is resolved once, at the URL boundary, from the slug and the user's
membership. A municipality the user does not serve looks exactly like one that does not
exist: 404.
"""

from functools import wraps

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404

from salter.tenancy.models import Membership


def active_memberships(user) -> list[Membership]:
    """The user's memberships that work now (active, in an active municipality), each
    with its municipality, department and user. A staff page reads them once: the one
    its URL names is the request's, the others are the navigation's other
    municipalities."""
    return list(Membership.objects.select_related("municipality", "department", "user")
                .filter(user=user, is_active=True, municipality__is_active=True)
                .order_by("pk"))


def access_membership(user, municipality_slug: str, *, among=None) -> Membership:
    """The user's membership in the municipality of `municipality_slug`; `among`: the
    user's `active_memberships`, when read already."""
    if not user.is_authenticated:
        raise Http404
    memberships = active_memberships(user) if among is None else among
    membership = next((m for m in memberships if m.municipality.slug == municipality_slug),
                      None)
    if membership is None:
        raise Http404
    return membership


def municipality_view(view=None, *, perm: str | None = None):
    """Decorate a staff view taking `municipality` (a slug) as its first URL argument.

    The view is called as `view(request, membership, **kwargs)`; `request.municipality`
    and `request.membership` are set for templates. With `perm`, a membership lacking
    that permission gets 403 (the municipality itself is theirs, nothing leaks).
    """

    def decorate(func):
        @wraps(func)
        def wrapper(request, municipality: str, *args, **kwargs):
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            memberships = active_memberships(request.user)
            membership = access_membership(request.user, municipality, among=memberships)
            if perm and not membership.can(perm):
                raise PermissionDenied
            request.membership = membership
            request.municipality = membership.municipality
            request.user_memberships = memberships
            return func(request, membership, *args, **kwargs)

        return wrapper

    return decorate(view) if view is not None else decorate


def require(actor, perm: str) -> None:
    """Raise PermissionDenied unless `actor` may `perm`; used by actions."""
    if not actor.can(perm):
        raise PermissionDenied(perm)
