from django.urls import path

import onestop.api.converters  # noqa: F401 - registers <id:…>
from diagnosis import api

app_name = "diagnosis_api"

urlpatterns = [
    path("assessments", api.AssessmentListApi.as_view(), name="assessments"),
    path("assessments/<id:pk>", api.AssessmentDetailApi.as_view(), name="assessment"),
    path("companies/<id:pk>/matches", api.CompanyMatchesApi.as_view(), name="company_matches"),
]
