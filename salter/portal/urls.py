from django.urls import path

from salter.portal import views

app_name = "portal"
urlpatterns = [
    path("<slug:municipality>/", views.home, name="home"),
    path("<slug:municipality>/track/", views.track, name="track"),
]
