"""Staff sign-in, throttled per account and per address (`salter.accounts.throttle`).

A refused attempt is answered 429 with what happened and when to try again, without
the password even being checked, so a locked account cannot be probed.
"""

from django.contrib.auth import views as auth_views
from django.utils import timezone
from django.utils.dateformat import time_format
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _

from salter.accounts import throttle


def refusal_message(refusal: throttle.Refusal) -> str:
    now = timezone.now()
    values = {"time": time_format(timezone.localtime(refusal.until), "H:i"),
              "wait": timeuntil(refusal.until, now)}
    if refusal.kind == throttle.Kind.ADDRESS:
        return _("Too many failed sign-ins came from your network. You can sign in again "
                 "at %(time)s (in %(wait)s). If this keeps happening, tell your "
                 "administrator.") % values
    return _("Too many failed sign-ins for this account. You can try again at %(time)s "
             "(in %(wait)s). Your administrator can unlock the account now.") % values


class LoginView(auth_views.LoginView):
    template_name = "workspace/login.html"
    redirect_authenticated_user = True

    def _username(self) -> str:
        return self.request.POST.get("username", "")

    def post(self, request, *args, **kwargs):
        refusal = throttle.refusal(request, self._username())
        if refusal is not None:
            return self._refuse(refusal)
        return super().post(request, *args, **kwargs)

    def _refuse(self, refusal):
        form = self.get_form()
        form.errors.clear()
        form.add_error(None, refusal_message(refusal))
        response = self.render_to_response(self.get_context_data(form=form), status=429)
        response["Retry-After"] = str(max(1, int((refusal.until - timezone.now())
                                                 .total_seconds())))
        return response

    def form_valid(self, form):
        response = super().form_valid(form)
        throttle.record_success(self.request, response, self._username())
        return response

    def form_invalid(self, form):
        if self._username() and self.request.POST.get("password"):
            refusal = throttle.record_failure(self.request, self._username())
            if refusal is not None:
                return self._refuse(refusal)
        return super().form_invalid(form)
