"""The project's URLs plus one route the authorisation matrix does not know."""

from django.http import HttpResponse
from django.urls import path

from onestop.urls import handler404, handler500, urlpatterns as project_urlpatterns  # noqa: F401

urlpatterns = [
    *project_urlpatterns,
    path("forgotten/", lambda request: HttpResponse("ok"), name="forgotten_route"),
]
