"""What a signed-in user must do before any other page: give the second factor of an
account that has one, set one up where their role requires it, choose a new password
after an administrator's reset. Until then every other page redirects there (the API
answers 403), so no view can be reached around the step."""

from urllib.parse import urlencode

from django.http import JsonResponse
from django.shortcuts import redirect
from django.urls import Resolver404, resolve, reverse
from django.utils.translation import gettext as _

from salter.accounts import twofactor

MUST_CHANGE_PASSWORD = "salter_must_change_password"
# Pages a user with a step ahead may still open.
_OPEN = {"login", "logout", "set_language", "accounts:two_factor", "accounts:two_factor_setup",
         "accounts:password_change"}


def step_ahead(request) -> str | None:
    """The URL name of the step the signed-in user must take now, or None."""
    user = request.user
    if not user.is_verified():
        has_factor, required = twofactor.state(user)
        if has_factor:
            return "accounts:two_factor"
        if required:
            return "accounts:two_factor_setup"
    if request.session.get(MUST_CHANGE_PASSWORD):
        return "accounts:password_change"
    return None


def _is_open(request) -> bool:
    try:
        return resolve(request.path_info).view_name in _OPEN
    except Resolver404:
        return False


class SignInGateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        if request.user.is_authenticated:
            step = step_ahead(request)
            if step and not _is_open(request):
                return self._refuse(request, step)
        return self.get_response(request)

    def _refuse(self, request, step: str):
        if request.path_info.startswith("/api/"):
            return JsonResponse({"detail": _("Finish signing in first.")}, status=403)
        return redirect(f"{reverse(step)}?{urlencode({'next': request.get_full_path()})}")
