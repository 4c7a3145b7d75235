from django.urls import path

from deployment.compute import views

urlpatterns = [
    path("compute/artifacts/<str:sha256>", views.artifact, name="compute_artifact"),
    path("compute/replicas", views.replicas, name="compute_replicas"),
]
