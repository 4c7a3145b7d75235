from django.urls import path

from deployment.serving import views

app_name = "v2"

urlpatterns = [
    path("v2", views.server_metadata, name="server"),
    path("v2/health/live", views.server_live, name="live"),
    path("v2/health/ready", views.server_ready, name="ready"),
    path("v2/models/<str:name>", views.model_metadata, name="model"),
    path("v2/models/<str:name>/ready", views.model_ready, name="model_ready"),
    path("v2/models/<str:name>/infer", views.infer, name="infer"),
    path("v2/models/<str:name>/versions/<str:version>", views.model_metadata, name="model_version"),
    path(
        "v2/models/<str:name>/versions/<str:version>/ready",
        views.model_ready,
        name="model_version_ready",
    ),
    path("v2/models/<str:name>/versions/<str:version>/infer", views.infer, name="version_infer"),
]
