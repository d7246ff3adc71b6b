"""Kannel's callbacks, mounted below gateway/sms/kannel/."""

from django.urls import path

from salter.channels.sms import views

app_name = "sms"
urlpatterns = [
    path("<slug:municipality>/mo/", views.mo, name="kannel_mo"),
    path("<slug:municipality>/dlr/", views.dlr, name="kannel_dlr"),
]
