from django.urls import path

from salter.api.views import api

urlpatterns = [
    path("v1/", api.urls),
]
