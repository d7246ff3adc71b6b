from django.urls import path

from salter.administration import views

app_name = "administration"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("staff/", views.staff, name="staff"),
    path("staff/<int:member_id>/", views.member, name="member"),
    path("staff/<int:member_id>/active/", views.member_active, name="member_active"),
    path("departments/", views.departments, name="departments"),
    path("departments/<int:department_id>/", views.department, name="department"),
    path("procedures/", views.procedures, name="procedures"),
    path("procedures/<int:procedure_id>/", views.procedure, name="procedure"),
    path("rules/", views.rules, name="rules"),
    path("rules/<int:rule_id>/", views.rule, name="rule"),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/<int:day_id>/remove/", views.calendar_day_remove, name="calendar_day_remove"),
    path("endpoints/", views.endpoints, name="endpoints"),
    path("endpoints/<int:endpoint_id>/", views.endpoint, name="endpoint"),
    path("timeline/", views.timeline, name="timeline"),
]
