from django.contrib.auth import views as auth_views
from django.urls import include, path
from django.views.generic import RedirectView

from salter.accounts.urls import staff_urlpatterns
from salter.accounts.views import LoginView
from salter.portal import views as portal_views
from salter.web.boundary import max_body

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="workspace:home", permanent=False)),
    path("accounts/login/", max_body(8 * 1024)(LoginView.as_view()), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/", include("salter.accounts.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("staff/<slug:municipality>/mail/", include("salter.channels.urls")),
    path("staff/<slug:municipality>/intake/", include("salter.intake.urls")),
    path("staff/<slug:municipality>/sms/", include("salter.channels.sms.staff_urls")),
    path("staff/<slug:municipality>/access-log/", include("salter.audit.urls")),
    path("staff/<slug:municipality>/staff-security/", include(staff_urlpatterns)),
    path("staff/<slug:municipality>/administration/", include("salter.administration.urls")),
    path("staff/<slug:municipality>/dashboards/", include("salter.dashboards.staff_urls")),
    path("staff/", include("salter.workspace.urls")),
    path("portal/", include("salter.portal.urls")),
    # The short tracking link of a text message (salter.intake.acknowledgements).
    path("t/<str:code>", portal_views.short_link, name="short_tracking_link"),
    path("gateway/sms/", include("salter.channels.sms.urls")),
    path("province/", include("salter.dashboards.urls")),
    path("api/", include("salter.api.urls")),
]

handler400 = "salter.web.errors.bad_request"
handler403 = "salter.web.errors.permission_denied"
handler404 = "salter.web.errors.page_not_found"
handler500 = "salter.web.errors.server_error"
