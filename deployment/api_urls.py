from django.urls import path

import deployment.programmes.converters  # noqa: F401 - registers <month:…>
import onestop.api.converters  # noqa: F401 - registers <id:…>
from deployment import api
from deployment.health.api import EndpointFeedbackApi
from deployment.programmes import api as programmes_api
from deployment.programmes import voucher_api

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
    path("models/<id:pk>/price", voucher_api.ModelPriceApi.as_view(), name="model_price"),
    path("pools", api.PoolListApi.as_view(), name="pools"),
    path("pools/<id:pk>", api.PoolDetailApi.as_view(), name="pool"),
    path("pools/<id:pk>/heartbeat", api.PoolHeartbeatApi.as_view(), name="pool_heartbeat"),
    path("endpoints/<slug:name>/feedback", EndpointFeedbackApi.as_view(), name="endpoint_feedback"),
    path("programmes", programmes_api.ProgrammeListApi.as_view(), name="programmes"),
    path("grants", programmes_api.GrantListApi.as_view(), name="grants"),
    path("quotes", voucher_api.QuoteListApi.as_view(), name="quotes"),
    path("quotes/<id:pk>", voucher_api.QuoteDetailApi.as_view(), name="quote"),
    path("statements/<month:month>", voucher_api.StatementApi.as_view(), name="statement"),
]
