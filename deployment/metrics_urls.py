from django.urls import path

from deployment.views.metrics import metrics

urlpatterns = [path("metrics", metrics, name="metrics")]
