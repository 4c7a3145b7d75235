from django.urls import path

from deployment import api

app_name = "deployment_api"

urlpatterns = [
    path("models", api.ModelListApi.as_view(), name="models"),
    path("models/<int:pk>", api.ModelDetailApi.as_view(), name="model"),
    path("models/<int:pk>/versions", api.ModelVersionUploadApi.as_view(), name="model_versions"),
    path(
        "models/<int:pk>/versions/<int:version_pk>",
        api.ModelVersionDetailApi.as_view(),
        name="model_version",
    ),
    path("pools", api.PoolListApi.as_view(), name="pools"),
    path("pools/<int:pk>", api.PoolDetailApi.as_view(), name="pool"),
    path("pools/<int:pk>/heartbeat", api.PoolHeartbeatApi.as_view(), name="pool_heartbeat"),
    path("programmes", api.ProgrammeListApi.as_view(), name="programmes"),
    path("grants", api.GrantListApi.as_view(), name="grants"),
]
