"""Staff views of the channels, mounted below staff/<municipality>/mail/."""

from django.urls import path

from salter.channels import views

app_name = "channels"
urlpatterns = [
    path("cases/<int:case_id>/reply/", views.case_reply, name="case_reply"),
    path("sent/", views.sent_mail, name="sent_mail"),
]
