from django.urls import path

from diagnosis import api

app_name = "diagnosis_api"

urlpatterns = [
    path("assessments", api.AssessmentListApi.as_view(), name="assessments"),
    path("assessments/<int:pk>", api.AssessmentDetailApi.as_view(), name="assessment"),
    path("companies/<int:pk>/matches", api.CompanyMatchesApi.as_view(), name="company_matches"),
]
