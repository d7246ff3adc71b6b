"""Staff pages of the SMS channel, mounted below staff/<municipality>/sms/."""

from django.urls import path

from salter.channels.sms import staff

app_name = "sms_staff"
urlpatterns = [
    path("cases/<int:case_id>/reply/", staff.case_reply, name="case_reply"),
]
