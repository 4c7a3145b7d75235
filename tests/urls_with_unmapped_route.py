"""The project's URLs plus one route the authorisation matrix does not know."""

from django.http import HttpResponse
from django.urls import path

from onestop.urls import handler404, handler500  # noqa: F401
from onestop.urls import urlpatterns as project_urlpatterns

urlpatterns = [
    *project_urlpatterns,
    path("forgotten/", lambda request: HttpResponse("ok"), name="forgotten_route"),
]
