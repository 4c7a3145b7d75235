"""Diagnoses in the consultants' admin: read-only records (answers change only through the
portal, scores only by submission), scoped like the companies they belong to."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from diagnosis.models import (
    Assessment,
    AssessmentResult,
    DataCheck,
    FeasibilityStudy,
    MatchChoice,
    MatchingPolicy,
    Questionnaire,
    ReviewComment,
)

# People and skills, and the consultant workspace, keep their admin pages in their own
# packages; importing registers them.
from diagnosis.skills import admin as skills_admin  # noqa: F401
from diagnosis.workspace import admin as workspace_admin  # noqa: F401
from onestop.admin import CompanyScopedAdmin, DeskAdmin


class ReadOnlyAdmin:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Questionnaire)
class QuestionnaireAdmin(ReadOnlyAdmin, DeskAdmin):
    list_display = ["code", "version", "title", "published_at"]
    exclude = ["content"]
    readonly_fields = ["code", "version", "title", "sha256", "published_at"]


class ResultInline(ReadOnlyAdmin, admin.StackedInline):
    model = AssessmentResult
    fields = ["overall", "level", "respondent_count", "dimensions", "computed_at"]
    readonly_fields = fields


class CommentInline(ReadOnlyAdmin, admin.TabularInline):
    model = ReviewComment
    fields = ["author", "dimension", "text", "created_at"]
    readonly_fields = fields


@admin.register(Assessment)
class AssessmentAdmin(ReadOnlyAdmin, CompanyScopedAdmin):
    list_display = ["company", "stage", "status", "overall", "created_at", "submitted_at"]
    list_filter = ["stage", "status", "company__region", "company__employee_band"]
    list_select_related = ["company", "result"]
    search_fields = ["company__name", "company__registration_number"]
    readonly_fields = [
        "company",
        "questionnaire",
        "stage",
        "status",
        "created_by",
        "created_at",
        "submitted_by",
        "submitted_at",
    ]
    inlines = [ResultInline, CommentInline]

    @admin.display(description=_("overall score"), ordering="result__overall")
    def overall(self, obj):
        result = getattr(obj, "result", None)
        return f"{result.overall:.0f}" if result and result.overall is not None else "—"


class StudyInline(ReadOnlyAdmin, admin.TabularInline):
    model = FeasibilityStudy
    fields = ["target", "status", "verdict", "created_at", "finished_at"]
    readonly_fields = fields

    @admin.display(description=_("verdict"))
    def verdict(self, obj):
        return (obj.result or {}).get("verdict", "—")


@admin.register(DataCheck)
class DataCheckAdmin(ReadOnlyAdmin, CompanyScopedAdmin):
    """Profiles only: the raw rows stay in the company's portal unless it shares them."""

    list_display = [
        "original_name",
        "company",
        "status",
        "readiness_score",
        "created_at",
        "expires_at",
    ]
    list_filter = ["status", "company__region"]
    list_select_related = ["company"]
    search_fields = ["company__name", "original_name"]
    fields = [
        "company",
        "original_name",
        "size",
        "sha256",
        "status",
        "error",
        "readiness_score",
        "share_rows",
        "uploaded_by",
        "created_at",
        "expires_at",
    ]
    readonly_fields = fields
    inlines = [StudyInline]


@admin.register(MatchingPolicy)
class MatchingPolicyAdmin(DeskAdmin):
    """The ranking's weights: programme policy, changed by officers only (audited)."""

    list_display = ["__str__", *MatchingPolicy.PARTS, "updated_at"]

    def has_add_permission(self, request):
        return super().has_add_permission(request) and not MatchingPolicy.objects.exists()

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(MatchChoice)
class MatchChoiceAdmin(ReadOnlyAdmin, CompanyScopedAdmin):
    list_display = ["company", "version", "pool", "score", "monthly_cost_krw", "created_at"]
    list_select_related = ["company", "version__family", "pool"]
    readonly_fields = [
        "company",
        "version",
        "pool",
        "score",
        "parts",
        "monthly_cost_krw",
        "chosen_by",
        "created_at",
    ]
