"""The catalog and compute pools in the desk's admin. Officers add models (the file goes
through the same sandboxed validation as a vendor's upload) and correct pools; consultants
read. Private models of a company are shown only to the desk members who may see it."""

from django import forms
from django.contrib import admin
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from deployment.models import (
    AllocationEvent,
    ComputePool,
    Endpoint,
    EndpointEvent,
    EndpointReplica,
    Exemption,
    Grant,
    ModelFamily,
    ModelVersion,
    ScoringJob,
    TrainingJob,
    UsageReview,
    Workload,
)
from deployment.services import catalog
from onestop.admin import CompanyScopedAdmin, DeskAdmin
from onestop.roles import companies_seen_by, is_officer


def visible_families(request, queryset, path=""):
    """Public models, and private ones of companies the desk member may see."""
    if is_officer(request.user):
        return queryset
    companies = companies_seen_by(request.user).values("pk")
    return queryset.filter(
        Q(**{f"{path}company__isnull": True}) | Q(**{f"{path}company__in": companies})
    )


class VersionInline(admin.TabularInline):
    model = ModelVersion
    fields = ["version", "state", "reason", "flavors", "latency_ms", "created_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = True

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(ModelFamily)
class ModelFamilyAdmin(DeskAdmin):
    list_display = ["name", "vendor", "company", "task", "visibility", "domestic"]
    list_filter = ["task", "visibility", "domestic"]
    search_fields = ["name", "vendor__name", "company__name"]
    list_select_related = ["vendor", "company"]
    inlines = [VersionInline]

    def get_queryset(self, request):
        return visible_families(request, super().get_queryset(request))

    def partner_of(self, obj):
        return obj.vendor


class VersionUploadForm(forms.ModelForm):
    artifact = forms.FileField(label=_("ONNX file"), help_text=_("A self-contained .onnx file."))

    class Meta:
        model = ModelVersion
        fields = ["family", "version", "claimed_metrics", "input_columns"]

    def clean(self):
        cleaned = super().clean()
        family = cleaned.get("family")
        if family is not None:
            # The partner's validation queue, as for its own uploads through the API.
            catalog.validations_queued_check(family.vendor)
        return cleaned


@admin.register(ModelVersion)
class ModelVersionAdmin(DeskAdmin):
    list_display = ["__str__", "state", "size", "validated_at"]
    list_filter = ["state"]
    search_fields = ["family__name", "version", "sha256"]
    list_select_related = ["family"]
    readonly_fields = [
        "state",
        "reason",
        "sha256",
        "size",
        "ir_version",
        "opsets",
        "signature",
        "flavors",
        "flavor_notes",
        "latency_ms",
        "origin",
        "validated_at",
    ]

    def get_queryset(self, request):
        return visible_families(request, super().get_queryset(request), path="family__")

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = VersionUploadForm
        return super().get_form(request, obj, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly_fields if obj is not None else []

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["family", "version", "artifact", "claimed_metrics", "input_columns"]
        return ["family", "version", "claimed_metrics", "input_columns", *self.readonly_fields]

    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        created = catalog.version_create(
            family=form.cleaned_data["family"],
            version=form.cleaned_data["version"],
            chunks=form.cleaned_data["artifact"].chunks(),
            claimed_metrics=form.cleaned_data.get("claimed_metrics"),
            input_columns=form.cleaned_data.get("input_columns"),
            origin="admin",
            user=request.user,
        )
        obj.pk = created.pk
        return None

    def company_of(self, obj):
        return obj.family.company

    def partner_of(self, obj):
        return obj.family.vendor


@admin.register(ComputePool)
class ComputePoolAdmin(DeskAdmin):
    list_display = [
        "name",
        "provider",
        "flavor",
        "purpose",
        "capacity_units",
        "price_per_unit_hour",
        "region",
        "available",
        "unavailable_reason",
    ]
    list_filter = ["flavor", "purpose", "region"]
    search_fields = ["name", "provider__name"]
    list_select_related = ["provider"]
    # The provider sets its cluster's addresses and token through the API, where they are
    # checked (and a token never follows the pool to a new host); the desk sees the addresses.
    readonly_fields = [
        "last_heartbeat",
        "heartbeat",
        "unavailable_reason",
        "cluster_dashboard_url",
        "cluster_serve_url",
    ]
    exclude = ["cluster_token"]

    @admin.display(boolean=True, description=_("available"))
    def available(self, obj):
        return obj.is_available

    def partner_of(self, obj):
        return obj.provider


class ReadOnly:
    """Grants change through the service (capacity checked under a lock), workloads and events
    through the engine: the admin shows them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Grant)
class GrantAdmin(ReadOnly, CompanyScopedAdmin):
    list_display = [
        "company",
        "pool",
        "guarantee_units",
        "lend_limit",
        "borrow_limit",
        "starts_at",
        "ends_at",
    ]
    list_select_related = ["company", "pool"]
    list_filter = ["pool__flavor"]


@admin.register(Workload)
class WorkloadAdmin(ReadOnly, CompanyScopedAdmin):
    list_display = [
        "name",
        "company",
        "pool",
        "kind",
        "units",
        "priority",
        "state",
        "preemptions",
        "submitted_at",
    ]
    list_select_related = ["company", "pool"]
    list_filter = ["state", "kind", "pool__flavor"]


@admin.register(TrainingJob)
class TrainingJobAdmin(ReadOnly, CompanyScopedAdmin):
    list_display = [
        "target",
        "company",
        "family",
        "pool",
        "units",
        "state",
        "step",
        "used_unit_seconds",
        "budget_unit_hours",
        "created_at",
    ]
    list_select_related = ["company", "pool"]
    list_filter = ["state", "family", "pool__flavor"]
    exclude = ["result"]  # a study's whole result; the portal's page shows it in words


@admin.register(ScoringJob)
class ScoringJobAdmin(ReadOnly, CompanyScopedAdmin):
    list_display = ["original_name", "company", "endpoint", "pool", "state", "step", "rows"]
    list_select_related = ["company", "pool", "endpoint"]
    list_filter = ["state", "pool__flavor"]


@admin.register(AllocationEvent)
class AllocationEventAdmin(ReadOnly, CompanyScopedAdmin):
    list_display = ["at", "company", "pool", "workload", "action", "reason"]
    list_select_related = ["company", "pool", "workload"]
    list_filter = ["action", "reason"]


@admin.register(UsageReview)
class UsageReviewAdmin(ReadOnly, CompanyScopedAdmin):
    company_path = "grant__company"
    list_display = [
        "grant",
        "quarter",
        "used_share",
        "cut_share",
        "guarantee_before",
        "guarantee_after",
        "exempted",
    ]
    list_select_related = ["grant__company", "grant__pool"]


@admin.register(Exemption)
class ExemptionAdmin(CompanyScopedAdmin):
    """Officers accept or refuse; the next usage review honours an accepted one."""

    company_path = "grant__company"
    list_display = ["grant", "quarter", "state", "requested_at"]
    list_filter = ["state"]
    list_select_related = ["grant__company", "grant__pool"]
    fields = ["grant", "quarter", "reason", "state", "decided_at"]
    readonly_fields = ["grant", "quarter", "reason", "decided_at"]

    def has_add_permission(self, request):
        return False

    def save_model(self, request, obj, form, change):
        from django.utils import timezone

        obj.decided_at = timezone.now()
        super().save_model(request, obj, form, change)

    def company_of(self, obj):
        return obj.grant.company


class EndpointEventInline(admin.TabularInline):
    model = EndpointEvent
    fields = ["at", "state", "message"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0


class EndpointReplicaInline(admin.TabularInline):
    """Where each replica on the pool's Ray cluster answers and what it runs on."""

    model = EndpointReplica
    fields = ["ray_replica", "address", "provider", "emulated", "started_at", "lost_at"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    max_num = 0


@admin.register(Endpoint)
class EndpointAdmin(ReadOnly, CompanyScopedAdmin):
    """Endpoints are changed by their owners in the portal (audited there); the desk reads
    their state, history and replicas here."""

    list_display = [
        "name",
        "company",
        "version",
        "pool",
        "emulated",
        "state",
        "min_replicas",
        "max_replicas",
    ]
    list_select_related = ["company", "version__family", "pool"]
    list_filter = ["state", "pool__flavor"]
    search_fields = ["name", "company__name"]
    inlines = [EndpointReplicaInline, EndpointEventInline]

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("cluster_replicas")

    @admin.display(boolean=True, description=_("emulated on CPU"))
    def emulated(self, obj):
        return obj.emulated


# The vouchers' models, registered on the same site (after ReadOnly, which they use).
import deployment.programmes.admin  # noqa: E402, F401
