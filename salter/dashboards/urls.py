from django.urls import path

from salter.dashboards import views

app_name = "dashboards"
urlpatterns = [
    path("", views.province, name="province"),
]
