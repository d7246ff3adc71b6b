"""Staff sign-in, throttled per account and per address (`salter.accounts.throttle`),
with a second step for a second factor (`salter.accounts.twofactor`).

A refused attempt is answered 429 with what happened and when to try again, without
the password (or the code) even being checked, so a locked account cannot be probed.
A wrong code counts as a failed sign-in of the account, like a wrong password, and the
account's failures are forgotten only once the whole sign-in succeeded: knowing the
password does not buy more guesses at the code.
"""

from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import time_format
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.timesince import timeuntil
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST
from django_otp import login as otp_login

from salter.accounts import actions, gate, throttle, twofactor
from salter.accounts.models import RecoveryCodes


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


def _refused(response, refusal):
    response["Retry-After"] = str(max(1, int((refusal.until - timezone.now())
                                             .total_seconds())))
    return response


def _next_url(request, default="workspace:home") -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()},
                                                  require_https=request.is_secure()):
        return wanted
    return reverse(default)


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
        return _refused(self.render_to_response(self.get_context_data(form=form), status=429),
                        refusal)

    def form_valid(self, form):
        response = super().form_valid(form)
        user = form.get_user()
        if actions.must_change_password(user):
            self.request.session[gate.MUST_CHANGE_PASSWORD] = True
        has_factor, _required = twofactor.state(user)
        if has_factor:
            # The account's failures are forgotten only after the second step.
            step = reverse("accounts:two_factor")
            return HttpResponseRedirect(f"{step}?{urlencode({'next': response.url})}")
        throttle.record_success(self.request, response, user.get_username())
        return response

    def form_invalid(self, form):
        if self._username() and self.request.POST.get("password"):
            refusal = throttle.record_failure(self.request, self._username())
            if refusal is not None:
                return self._refuse(refusal)
        return super().form_invalid(form)


class CodeForm(forms.Form):
    code = forms.CharField(label=gettext_lazy("Code"), max_length=40,
                           widget=forms.TextInput(attrs={
                               "autocomplete": "one-time-code", "inputmode": "text",
                               "autocapitalize": "none", "class": "form-control"}))


def _code_refused(request, refusal):
    return _refused(render(request, "accounts/two_factor.html", {
        "form": CodeForm(), "refusal": refusal_message(refusal), "next": _next_url(request)},
        status=429), refusal)


@login_required
def two_factor(request):
    """The second step of signing in: a code from the authenticator app, or a recovery
    code."""
    user = request.user
    if user.is_verified():
        return redirect(_next_url(request))
    username = user.get_username()
    form = CodeForm(request.POST or None)
    status = 200
    if request.method == "POST":
        refusal = throttle.refusal(request, username)
        if refusal is not None:
            return _code_refused(request, refusal)
        device = twofactor.verify(user, form.data.get("code", "")) if form.is_valid() else None
        if device is not None:
            otp_login(request, device)
            response = redirect(_next_url(request))
            throttle.record_success(request, response, username)
            if isinstance(device, RecoveryCodes):
                messages.warning(request, _(
                    "You signed in with a recovery code; %(left)d are left. Make new ones "
                    "under \"Sign-in security\".") % {"left": device.remaining()})
            return response
        refusal = throttle.record_failure(request, username)
        if refusal is not None:
            return _code_refused(request, refusal)
        form.add_error("code", _("This code is not right, or it has expired. Enter the code "
                                 "the app shows now, or a recovery code."))
        status = 400
    return render(request, "accounts/two_factor.html",
                  {"form": form, "next": _next_url(request)}, status=status)


@login_required
def two_factor_setup(request):
    """Set up (or replace) the authenticator: scan the key, confirm with a code; the
    recovery codes are shown once, right after."""
    user = request.user
    has_factor, required = twofactor.state(user)
    if has_factor and not user.is_verified():
        return redirect("accounts:two_factor")  # replacing one needs the one in hand
    device = twofactor.pending_authenticator(user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.confirm_authenticator(device, form.cleaned_data["code"]):
            otp_login(request, device)
            throttle.record_success(request, redirect("workspace:home"), user.get_username())
            codes = twofactor.issue_recovery_codes(user)
            return render(request, "accounts/recovery_codes.html",
                          {"codes": codes, "next": _next_url(request)})
        form.add_error("code", _("This code is not right. Check that the phone's clock is "
                                 "correct and enter the code the app shows now."))
    return render(request, "accounts/two_factor_setup.html", {
        "form": form, "qr": twofactor.qr_svg(device), "key": twofactor.readable_key(device),
        "required": required, "next": _next_url(request)},
        status=400 if form.errors else 200)


@require_POST
@login_required
def new_recovery_codes(request):
    if not request.user.is_verified():
        return redirect("accounts:two_factor")
    codes = twofactor.issue_recovery_codes(request.user)
    return render(request, "accounts/recovery_codes.html",
                  {"codes": codes, "next": reverse("accounts:security")})


@login_required
def security(request):
    """The user's own sign-in security: second factor, recovery codes, password."""
    user = request.user
    has_factor, required = twofactor.state(user)
    return render(request, "accounts/security.html", {
        "has_factor": has_factor, "required": required,
        "codes_left": twofactor.recovery_codes_left(user) if has_factor else 0,
    })


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "accounts/password_change.html"

    def get_success_url(self):
        return _next_url(self.request)

    def form_valid(self, form):
        response = super().form_valid(form)
        actions.password_changed(user=form.user)
        self.request.session.pop(gate.MUST_CHANGE_PASSWORD, None)
        update_session_auth_hash(self.request, form.user)
        messages.success(self.request, _("Your password was changed."))
        return response

    def get_context_data(self, **kwargs):
        return {**super().get_context_data(**kwargs),
                "must_change": self.request.session.get(gate.MUST_CHANGE_PASSWORD, False),
                "min_length": settings.AUTH_PASSWORD_VALIDATORS[1]["OPTIONS"]["min_length"],
                "next": _next_url(self.request)}
