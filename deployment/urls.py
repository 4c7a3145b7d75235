from django.urls import include, path

from deployment.views import endpoints, health, manage, scoring, training, tryit

urlpatterns = [
    path("", include("deployment.programmes.urls")),
    path("endpoints/", endpoints.endpoint_list, name="endpoint_list"),
    path("endpoints/new/", endpoints.endpoint_new, name="endpoint_new"),
    path("endpoints/<int:pk>/", endpoints.endpoint_detail, name="endpoint_detail"),
    path("endpoints/<int:pk>/status/", endpoints.endpoint_status, name="endpoint_status"),
    path("endpoints/<int:pk>/try/", tryit.endpoint_try, name="endpoint_try"),
    path("endpoints/<int:pk>/health/", health.endpoint_health_view, name="endpoint_health"),
    path(
        "endpoints/<int:pk>/health/settings/",
        health.endpoint_health_settings,
        name="endpoint_health_settings",
    ),
    path(
        "endpoints/<int:pk>/health/labels/",
        health.endpoint_feedback_upload,
        name="endpoint_feedback_upload",
    ),
    path("endpoints/<int:pk>/health/retrain/", health.endpoint_retrain, name="endpoint_retrain"),
    path("endpoints/<int:pk>/stop/", manage.endpoint_stop, name="endpoint_stop"),
    path("endpoints/<int:pk>/resume/", manage.endpoint_resume, name="endpoint_resume"),
    path("endpoints/<int:pk>/delete/", manage.endpoint_delete, name="endpoint_delete"),
    path("endpoints/<int:pk>/roll/", manage.endpoint_roll, name="endpoint_roll"),
    path("endpoints/<int:pk>/rollback/", manage.endpoint_rollback, name="endpoint_rollback"),
    path("endpoints/<int:pk>/scale/", manage.endpoint_scale, name="endpoint_scale"),
    path("endpoints/<int:pk>/configure/", manage.endpoint_configure, name="endpoint_configure"),
    path("endpoints/<int:pk>/keys/", manage.endpoint_key_issue, name="endpoint_key_issue"),
    path(
        "endpoints/<int:pk>/keys/<int:key_pk>/",
        manage.endpoint_key_created,
        name="endpoint_key_created",
    ),
    path("endpoint-keys/<int:pk>/revoke/", manage.endpoint_key_revoke, name="endpoint_key_revoke"),
    path("endpoints/<int:pk>/scoring/", scoring.scoring_new, name="scoring_new"),
    path("endpoints/<int:pk>/drop/", scoring.scoring_drop_view, name="scoring_drop"),
    path("scoring/<int:pk>/", scoring.scoring_detail, name="scoring_detail"),
    path("scoring/<int:pk>/status/", scoring.scoring_status, name="scoring_status"),
    path("scoring/<int:pk>/scored.csv", scoring.scoring_result, name="scoring_result"),
    path("scoring/<int:pk>/stop/", scoring.scoring_stop_view, name="scoring_stop"),
    path("training/", training.training_list, name="training_list"),
    path("training/start/<int:check_pk>/", training.training_new, name="training_new"),
    path("training/<int:pk>/", training.training_detail, name="training_detail"),
    path("training/<int:pk>/status/", training.training_status, name="training_status"),
    path("training/<int:pk>/stop/", training.training_stop_view, name="training_stop"),
    path(
        "consultant/training/start/<int:check_pk>/",
        training.consultant_training_new,
        name="consultant_training_new",
    ),
    path(
        "consultant/training/<int:pk>/",
        training.consultant_training_detail,
        name="consultant_training_detail",
    ),
]
