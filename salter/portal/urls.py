from django.urls import path

from salter.portal import views
from salter.requests import views as requests

app_name = "portal"
urlpatterns = [
    path("<slug:municipality>/", views.home, name="home"),
    path("<slug:municipality>/track/", views.track, name="track"),
    path("<slug:municipality>/requests/<str:token>/", requests.answer_by_link,
         name="request_answer"),
]
