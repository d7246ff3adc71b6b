"""The SMS gateways' callbacks, mounted below gateway/sms/: Kannel's MO and delivery
reports, and the signed JSON webhook of a commercial gateway."""

from django.urls import path

from salter.channels.sms import views

app_name = "sms"
urlpatterns = [
    path("kannel/<slug:municipality>/mo/", views.mo, name="kannel_mo"),
    path("kannel/<slug:municipality>/dlr/", views.dlr, name="kannel_dlr"),
    path("webhook/<slug:municipality>/", views.gateway_webhook, name="webhook"),
]
