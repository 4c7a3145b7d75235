from django.urls import include, path

from diagnosis.views import (
    answering,
    assessment,
    datachecks,
    home,
    matching,
    officer,
    report,
    screening,
    sharing,
    skills,
)

app_name = "diagnosis"

urlpatterns = [
    # The consultant's workspace and the company's action plan (docs/consultant-workspace.md).
    path("", include("diagnosis.urls_workspace")),
    path("diagnosis/", home.diagnosis_home, name="home"),
    path("diagnosis/start/", home.assessment_start_view, name="start"),
    path("diagnosis/quick/", screening.screening_page, name="screening"),
    path("diagnosis/shares/", sharing.share_grant_view, name="share_grant"),
    path("diagnosis/shares/<int:pk>/revoke/", sharing.share_revoke_view, name="share_revoke"),
    path("diagnosis/<int:pk>/", assessment.assessment_detail, name="assessment"),
    path("diagnosis/<int:pk>/respondents/", assessment.respondent_add_view, name="respondent_add"),
    path("diagnosis/<int:pk>/submit/", assessment.assessment_submit_view, name="submit"),
    path("diagnosis/<int:pk>/answer/", answering.answer_start, name="answer"),
    path("diagnosis/<int:pk>/answer/<slug:dimension>/", answering.answer_page, name="answer_page"),
    path("diagnosis/<int:pk>/report/", report.report_page, name="report"),
    path("diagnosis/<int:pk>/report.pdf", report.report_pdf_view, name="report_pdf"),
    path("diagnosis/<int:pk>/answers.csv", report.answers_csv_view, name="answers_csv"),
    path("data/", datachecks.data_home, name="data_home"),
    path("data/upload/", datachecks.data_upload, name="data_upload"),
    path("data/<int:pk>/", datachecks.data_check_page, name="data_check"),
    path("data/<int:pk>/status/", datachecks.data_check_status, name="data_check_status"),
    path("data/<int:pk>/delete/", datachecks.data_check_delete, name="data_check_delete"),
    path("data/<int:pk>/retry/", datachecks.data_check_retry, name="data_check_retry"),
    path("data/<int:pk>/share/", datachecks.data_check_share, name="data_check_share"),
    path("data/<int:pk>/profile.csv", datachecks.data_check_csv, name="data_check_csv"),
    path("data/<int:pk>/studies/", datachecks.study_start, name="study_start"),
    path(
        "data/<int:pk>/studies/<int:study_pk>/model.onnx",
        datachecks.study_model,
        name="study_model",
    ),
    path(
        "consultant/data/<int:pk>/",
        datachecks.consultant_data_check,
        name="consultant_data_check",
    ),
    path(
        "consultant/data/<int:pk>/profile.csv",
        datachecks.consultant_data_check_csv,
        name="consultant_data_check_csv",
    ),
    path("matching/", matching.matching_home, name="matching"),
    path("matching/needs/", matching.needs_update, name="matching_needs"),
    path("matching/choose/", matching.match_choose, name="match_choose"),
    path("matching/models/<int:pk>/evaluate/", matching.evaluation_start, name="match_evaluate"),
    path("matching/models/<int:pk>/columns/", matching.column_mapping, name="match_columns"),
    path(
        "consultant/companies/<int:pk>/matching/",
        matching.consultant_matching,
        name="consultant_matching",
    ),
    path("consultant/utilisation/", officer.overview, name="officer_overview"),
    path("consultant/utilisation.csv", officer.overview_csv, name="officer_overview_csv"),
    path("consultant/assessments/<int:pk>/", report.consultant_report, name="consultant_report"),
    path(
        "consultant/assessments/<int:pk>/comments/",
        report.consultant_comment,
        name="consultant_comment",
    ),
    path(
        "consultant/assessments/<int:pk>/report.pdf",
        report.consultant_report_pdf,
        name="consultant_report_pdf",
    ),
    # --- people and skills (docs/skills.md) ---
    path("skills/people/", skills.people, name="people"),
    path("skills/people/<int:pk>/self-check/", skills.self_check, name="self_check"),
    path("skills/people/<int:pk>/remove/", skills.staff_remove, name="staff_remove"),
    path("skills/path/", skills.path_page, name="path"),
    path("skills/courses/", skills.courses, name="courses"),
    path("skills/enrol/", skills.enrol, name="enrol"),
    path("skills/enrolments/", skills.enrolments, name="enrolments"),
    path(
        "skills/enrolments/<int:pk>/complete/",
        skills.enrolment_complete_view,
        name="enrolment_complete",
    ),
    path(
        "skills/enrolments/<int:pk>/cancel/", skills.enrolment_cancel_view, name="enrolment_cancel"
    ),
    path(
        "skills/enrolments/<int:pk>/certificate/upload/",
        skills.certificate_upload,
        name="certificate_upload",
    ),
    path("skills/enrolments/<int:pk>/certificate/", skills.certificate, name="certificate"),
    path(
        "consultant/companies/<int:pk>/people/",
        skills.consultant_people,
        name="consultant_people",
    ),
    path(
        "consultant/skills/enrolments/<int:pk>/certificate/",
        skills.consultant_certificate,
        name="consultant_certificate",
    ),
]
