"""The consultant workspace's records in the desk's admin, read-only (they change only through
the workspace's pages, which audit every change) and scoped like the companies they belong to:
a consultant sees the consents, plan steps, drafts and visit notes of the companies they work
on, an officer every company's. Registered by ``diagnosis.admin``."""

from django.contrib import admin

from diagnosis.models import ActionItem, ApplicationDraft, UploadConsent, VisitNote
from onestop.admin import CompanyScopedAdmin


class WorkspaceRecordAdmin(CompanyScopedAdmin):
    read_only = True
    list_select_related = ["company"]
    list_filter = ["company__region"]
    search_fields = ["company__name"]

    def get_readonly_fields(self, request, obj=None):
        return self.fields


@admin.register(UploadConsent)
class UploadConsentAdmin(WorkspaceRecordAdmin):
    list_display = ["company", "consultant", "method", "given_by_name", "given_on", "withdrawn_at"]
    list_select_related = ["company", "consultant"]
    list_filter = ["method", "company__region"]
    fields = [
        "company",
        "consultant",
        "method",
        "given_by_name",
        "granted_by",
        "given_on",
        "how",
        "recorded_by",
        "created_at",
        "withdrawn_at",
        "withdrawn_by",
    ]


@admin.register(ActionItem)
class ActionItemAdmin(WorkspaceRecordAdmin):
    list_display = ["title", "company", "owner", "due_on", "status", "done_at"]
    list_select_related = ["company", "owner"]
    list_filter = ["status", "company__region"]
    search_fields = ["title", "company__name"]
    fields = [
        "company",
        "title",
        "detail",
        "assessment",
        "dimension",
        "owner",
        "due_on",
        "status",
        "created_by",
        "created_at",
        "updated_at",
        "done_at",
    ]


@admin.register(ApplicationDraft)
class ApplicationDraftAdmin(WorkspaceRecordAdmin):
    list_display = ["company", "programme", "flavor", "units", "drafted_by", "state", "created_at"]
    list_select_related = ["company", "programme", "drafted_by"]
    list_filter = ["state", "programme"]
    fields = [
        "company",
        "programme",
        "flavor",
        "units",
        "quarterly_plan",
        "purpose",
        "note",
        "drafted_by",
        "created_at",
        "state",
        "application",
        "submitted_at",
    ]


@admin.register(VisitNote)
class VisitNoteAdmin(WorkspaceRecordAdmin):
    """Private to the desk, which is who the admin is for: the company never sees them."""

    list_display = ["company", "visited_on", "author", "created_at"]
    list_select_related = ["company", "author"]
    fields = ["company", "author", "visited_on", "text", "created_at"]
