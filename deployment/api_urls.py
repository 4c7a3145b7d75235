from django.urls import path

import onestop.api.converters  # noqa: F401 - registers <id:…>
from deployment import api
from deployment.programmes import api as programmes_api

app_name = "deployment_api"

urlpatterns = [
    path("models", api.ModelListApi.as_view(), name="models"),
    path("models/<id:pk>", api.ModelDetailApi.as_view(), name="model"),
    path("models/<id:pk>/versions", api.ModelVersionUploadApi.as_view(), name="model_versions"),
    path(
        "models/<id:pk>/versions/<id:version_pk>",
        api.ModelVersionDetailApi.as_view(),
        name="model_version",
    ),
    path("pools", api.PoolListApi.as_view(), name="pools"),
    path("pools/<id:pk>", api.PoolDetailApi.as_view(), name="pool"),
    path("pools/<id:pk>/heartbeat", api.PoolHeartbeatApi.as_view(), name="pool_heartbeat"),
    path("programmes", programmes_api.ProgrammeListApi.as_view(), name="programmes"),
    path("grants", programmes_api.GrantListApi.as_view(), name="grants"),
]
