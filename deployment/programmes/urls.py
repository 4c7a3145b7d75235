from django.urls import path

from deployment.programmes import review, views

urlpatterns = [
    path("programmes/", views.programmes, name="programmes"),
    path("grants/<int:pk>/exemption/", views.grant_exemption, name="grant_exemption"),
    path(
        "consultant/applications/", review.consultant_applications, name="consultant_applications"
    ),
    path(
        "consultant/applications/<int:pk>/",
        review.consultant_application,
        name="consultant_application",
    ),
    path("consultant/reports/<int:pk>/evaluate/", review.report_evaluation, name="report_evaluate"),
    path("consultant/extensions/", review.extensions, name="consultant_extensions"),
    path(
        "consultant/applications/<int:pk>/extend/",
        review.extension_decide,
        name="extension_decide",
    ),
]
