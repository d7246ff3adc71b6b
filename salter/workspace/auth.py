"""Staff login with throttling: after SALTER_LOGIN_MAX_ATTEMPTS failures for one
username or one address within the window, further attempts are refused for the rest of
the window, whether the password is right or not."""

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.core.cache import cache
from django.utils.translation import gettext as _


def _keys(request) -> list[str]:
    username = (request.POST.get("username") or "").strip().lower()
    address = request.META.get("REMOTE_ADDR", "")
    return [f"login-fail:user:{username}", f"login-fail:addr:{address}"]


def is_throttled(request) -> bool:
    limit = settings.SALTER_LOGIN_MAX_ATTEMPTS
    return any((cache.get(key) or 0) >= limit for key in _keys(request))


def record_failure(request) -> None:
    window = settings.SALTER_LOGIN_WINDOW_SECONDS
    for key in _keys(request):
        cache.add(key, 0, window)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, window)


class ThrottledLoginView(auth_views.LoginView):
    template_name = "workspace/login.html"
    redirect_authenticated_user = True

    def post(self, request, *args, **kwargs):
        if is_throttled(request):
            form = self.get_form()
            form.errors.clear()
            form.add_error(None, _("Too many failed attempts. Try again in a few minutes."))
            return self.render_to_response(self.get_context_data(form=form), status=429)
        return super().post(request, *args, **kwargs)

    def form_invalid(self, form):
        record_failure(self.request)
        return super().form_invalid(form)
