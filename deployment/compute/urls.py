from django.urls import path

from deployment.compute import scoring_views, training_views, views

urlpatterns = [
    path("compute/artifacts/<str:sha256>", views.artifact, name="compute_artifact"),
    path("compute/replicas", views.replicas, name="compute_replicas"),
]

TRAINING = "compute/training/<int:pk>/"
urlpatterns += [
    path(TRAINING + "spec", training_views.spec, name="compute_training_spec"),
    path(TRAINING + "data", training_views.data, name="compute_training_data"),
    path(TRAINING + "checkpoint", training_views.checkpoint, name="compute_training_checkpoint"),
    path(TRAINING + "progress", training_views.progress, name="compute_training_progress"),
    path(TRAINING + "models/<str:form>", training_views.model, name="compute_training_model"),
    path(TRAINING + "result", training_views.result, name="compute_training_result"),
]

SCORING = "compute/scoring/<int:pk>/"
urlpatterns += [
    path(SCORING + "spec", scoring_views.spec, name="compute_scoring_spec"),
    path(SCORING + "data", scoring_views.data, name="compute_scoring_data"),
    path(SCORING + "model", scoring_views.model, name="compute_scoring_model"),
    path(SCORING + "chunks/<str:index>", scoring_views.chunk, name="compute_scoring_chunk"),
    path(SCORING + "progress", scoring_views.progress, name="compute_scoring_progress"),
    path(SCORING + "result", scoring_views.result, name="compute_scoring_result"),
]
