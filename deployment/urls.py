from django.urls import path

from deployment.views import grants

urlpatterns = [
    path("grants/<int:pk>/exemption/", grants.exemption_request, name="grant_exemption"),
]
