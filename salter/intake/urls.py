from django.urls import path

from salter.intake import views

app_name = "intake"

urlpatterns = [
    path("", views.message_list, name="messages"),
    path("<int:inbound_id>/", views.message_detail, name="message"),
    path("<int:inbound_id>/replay/", views.replay_message, name="replay"),
    path("<int:inbound_id>/attach/", views.attach_message, name="attach"),
    path("<int:inbound_id>/open-case/", views.open_case_for_message, name="open_case"),
]
