from django.conf import settings

from salter.tenancy.access import active_memberships


def tenancy(request):
    """Expose the current membership and the user's other municipalities to templates."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    # A municipality's pages have read them with the request's membership.
    memberships = getattr(request, "user_memberships", None)
    if memberships is None:
        memberships = active_memberships(user)
    return {
        "current_membership": getattr(request, "membership", None),
        "current_municipality": getattr(request, "municipality", None),
        "user_memberships": memberships,
        # The demo's mail sink page exists only with DEBUG on (channels.views.sent_mail).
        "debug_mail_sink": settings.DEBUG,
    }
