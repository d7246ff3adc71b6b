"""The user's own sign-in pages (`accounts:`), and the administrator's staff security
pages under the staff workspace (`security:`, in `staff_urlpatterns`)."""

from django.urls import path

from salter.accounts import staff_views, views
from salter.web.boundary import max_body

app_name = "accounts"

_small = max_body(8 * 1024)

urlpatterns = [
    path("two-factor/", _small(views.two_factor), name="two_factor"),
    path("two-factor/setup/", _small(views.two_factor_setup), name="two_factor_setup"),
    path("two-factor/recovery-codes/", _small(views.new_recovery_codes),
         name="recovery_codes"),
    path("security/", views.security, name="security"),
    path("password/", _small(views.PasswordChangeView.as_view()), name="password_change"),
]

staff_urlpatterns = ([
    path("", staff_views.staff, name="staff"),
    path("two-factor/", staff_views.requirements, name="requirements"),
    path("<int:member_id>/reset-password/", staff_views.reset_password,
         name="reset_password"),
    path("<int:member_id>/reset-two-factor/", staff_views.reset_two_factor,
         name="reset_two_factor"),
    path("<int:member_id>/unlock/", staff_views.unlock, name="unlock"),
], "security")

