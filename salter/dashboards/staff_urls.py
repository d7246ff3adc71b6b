from django.urls import path

from salter.dashboards import staff_views

app_name = "figures"
urlpatterns = [
    path("", staff_views.dashboard, name="dashboard"),
    path("export/", staff_views.export, name="export"),
]
