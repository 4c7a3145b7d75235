"""The consultant's workspace (docs/consultant-workspace.md): the desk's pages under
/consultant/, and the company's action plan page under /plan/. Included by diagnosis.urls, so
the names are in the ``diagnosis`` namespace."""

from django.urls import path

from diagnosis.views import workspace, workspace_acts, workspace_plan

urlpatterns = [
    # The desk.
    path("consultant/clients/", workspace.clients, name="clients"),
    path("consultant/companies/<int:pk>/workspace/", workspace.workspace, name="workspace"),
    path("consultant/companies/<int:pk>/handover/", workspace.handover_page, name="handover"),
    path("consultant/companies/<int:pk>/notes/", workspace.visit_notes, name="visit_notes"),
    path(
        "consultant/companies/<int:pk>/consent/",
        workspace.consent_record_view,
        name="consent_record",
    ),
    path(
        "consultant/companies/<int:pk>/plan/",
        workspace_plan.consultant_plan,
        name="consultant_plan",
    ),
    path(
        "consultant/companies/<int:pk>/plan/from-roadmap/",
        workspace_plan.plan_from_roadmap_view,
        name="plan_from_roadmap",
    ),
    path(
        "consultant/plan-steps/<int:pk>/",
        workspace_plan.consultant_plan_item,
        name="consultant_plan_item",
    ),
    # Acting in the company's place.
    path(
        "consultant/companies/<int:pk>/visit-answers/",
        workspace_acts.visit_answers,
        name="visit_answers",
    ),
    path(
        "consultant/respondents/<int:pk>/<slug:dimension>/",
        workspace_acts.visit_answer_page,
        name="visit_answer_page",
    ),
    path(
        "consultant/companies/<int:pk>/data/upload/",
        workspace_acts.consultant_data_upload,
        name="consultant_data_upload",
    ),
    path(
        "consultant/data/<int:pk>/studies/",
        workspace_acts.consultant_study_start,
        name="consultant_study_start",
    ),
    path(
        "consultant/companies/<int:pk>/programmes/<int:programme_pk>/draft/",
        workspace_acts.application_draft,
        name="application_draft",
    ),
    # The company.
    path("plan/", workspace_plan.plan, name="plan"),
    path("plan/steps/<int:pk>/", workspace_plan.plan_item_status, name="plan_item_status"),
    path("plan/consents/", workspace_plan.consent_grant_view, name="consent_grant"),
    path(
        "plan/consents/<int:pk>/withdraw/",
        workspace_plan.consent_withdraw_view,
        name="consent_withdraw",
    ),
    path("plan/drafts/<int:pk>/", workspace_acts.draft_submit, name="draft_submit"),
]
