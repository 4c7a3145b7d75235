"""The consultants' admin. Consultants see and edit only their assigned companies; programme
officers see everything. Every change made here lands in the audit log."""

from django.apps import apps
from django.contrib import admin, messages
from django.contrib.auth.models import Group
from django.db.models import Count, Q
from django.http import Http404
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from onestop.admin_staff import StaffProfileForm
from onestop.audit_words import ACTIONS
from onestop.korea import ksic_division_label
from onestop.models import (
    ApiKey,
    Application,
    AuditEntry,
    Company,
    ConsultantAssignment,
    Invitation,
    Membership,
    Partner,
    PartnerMembership,
    Programme,
    ProgrammeFlavor,
    StaffProfile,
    User,
)
from onestop.roles import (
    CONSULTANT,
    OFFICER,
    companies_seen_by,
    desk_role,
    is_desk_member,
    is_officer,
)
from onestop.services.api_keys import api_key_create, api_key_revoke
from onestop.services.audit import audit_record, audit_snapshot


class DeskAdmin(admin.ModelAdmin):
    """Permissions follow the desk role instead of per-model Django permissions.

    ``consultant_can`` lists what a consultant may do on this model ("view", "change", ...);
    officers may do everything except what ``read_only`` forbids.
    """

    consultant_can = ("view",)
    read_only = False

    def _allowed(self, request, action):
        role = desk_role(request.user)
        if role == OFFICER:
            return not (self.read_only and action != "view")
        return role == CONSULTANT and action in self.consultant_can

    def has_module_permission(self, request):
        return is_desk_member(request.user)

    def has_view_permission(self, request, obj=None):
        return self._allowed(request, "view")

    def has_change_permission(self, request, obj=None):
        return self._allowed(request, "change")

    def has_add_permission(self, request):
        return self._allowed(request, "add")

    def has_delete_permission(self, request, obj=None):
        return self._allowed(request, "delete")

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Another tenant's object, or none at all: the same 404 either way, as in the portal.
        raise Http404

    def _saved(self, request, obj, save):
        """Save through ``save()`` and audit the change with the row as it was before."""
        before = audit_snapshot(type(obj).objects.get(pk=obj.pk)) if obj.pk else None
        save()
        self._audit(request, "change" if before else "add", obj, before, audit_snapshot(obj))

    def _deleted(self, request, obj, delete):
        before, company, partner = audit_snapshot(obj), self.company_of(obj), self.partner_of(obj)
        delete()
        self._audit(request, "delete", obj, before, None, company=company, partner=partner)

    def _audit(self, request, verb, obj, before, after, **owners):
        owners.setdefault("company", self.company_of(obj))
        owners.setdefault("partner", self.partner_of(obj))
        audit_record(
            action=f"admin.{verb}",
            target=obj,
            actor=request.user,
            before=before,
            after=after,
            **owners,
        )

    def save_model(self, request, obj, form, change):
        self._saved(
            request, obj, lambda: super(DeskAdmin, self).save_model(request, obj, form, change)
        )

    def delete_model(self, request, obj):
        self._deleted(request, obj, lambda: super(DeskAdmin, self).delete_model(request, obj))

    def delete_queryset(self, request, queryset):
        for obj in queryset:
            self.delete_model(request, obj)

    def save_formset(self, request, form, formset, change):
        """Inline rows (memberships of a company, say) are audited one by one too."""
        instances = formset.save(commit=False)
        for obj in formset.deleted_objects:
            self._deleted(request, obj, obj.delete)
        for obj in instances:
            self._saved(request, obj, obj.save)
        formset.save_m2m()

    def company_of(self, obj):
        return getattr(obj, "company", None) if not isinstance(obj, Company) else obj

    def partner_of(self, obj):
        return getattr(obj, "partner", None) if not isinstance(obj, Partner) else obj


class CompanyScopedAdmin(DeskAdmin):
    """Rows that belong to a company: consultants see those of their assigned companies."""

    company_path = "company"

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_officer(request.user):
            return qs
        visible = companies_seen_by(request.user).values("pk")
        return qs.filter(**{f"{self.company_path}__in": visible})


class OfficerEditsInline:
    """Inline rows every desk member can see and only programme officers can change."""

    def has_add_permission(self, request, obj=None):
        return is_officer(request.user)

    def has_change_permission(self, request, obj=None):
        return is_officer(request.user)

    def has_delete_permission(self, request, obj=None):
        return is_officer(request.user)

    def has_view_permission(self, request, obj=None):
        return is_desk_member(request.user)


class MembershipInline(OfficerEditsInline, admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


class IndustryFilter(admin.SimpleListFilter):
    """Companies by KSIC division, named ("29 · 기타 기계 및 장비 제조업"), not by bare code."""

    title = _("industry")
    parameter_name = "ksic_division"

    def lookups(self, request, model_admin):
        divisions = model_admin.get_queryset(request).values_list("ksic_division", flat=True)
        return [(d, ksic_division_label(d)) for d in sorted(set(divisions))]

    def queryset(self, request, queryset):
        return queryset.filter(ksic_division=self.value()) if self.value() else queryset


@admin.register(Company)
class CompanyAdmin(CompanyScopedAdmin):
    company_path = "pk"
    consultant_can = ("view", "change")
    list_display = [
        "name",
        "registration",
        "industry",
        "region",
        "employee_band",
        "member_count",
        "created_at",
    ]
    list_filter = ["region", "employee_band", IndustryFilter]
    search_fields = ["name", "registration_number", "contact_email"]
    date_hierarchy = "created_at"
    inlines = [MembershipInline]

    @admin.display(description=_("business registration number"), ordering="registration_number")
    def registration(self, company):
        return company.registration_number_display

    @admin.display(description=_("industry"), ordering="ksic_division")
    def industry(self, company):
        return company.industry_label

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(_member_count=Count("memberships"))

    @admin.display(description=_("team"), ordering="_member_count")
    def member_count(self, obj):
        return obj._member_count


@admin.register(Membership)
class MembershipAdmin(CompanyScopedAdmin):
    list_display = ["user", "company", "role", "created_at"]
    list_filter = ["role"]
    list_select_related = ["user", "company"]
    search_fields = ["user__email", "user__full_name", "company__name"]
    raw_id_fields = ["user", "company"]


@admin.register(Invitation)
class InvitationAdmin(CompanyScopedAdmin):
    list_display = [
        "email",
        "company",
        "role",
        "created_at",
        "expires_at",
        "accepted_at",
        "revoked_at",
    ]
    list_select_related = ["company"]
    search_fields = ["email", "company__name"]
    readonly_fields = [
        "company",
        "email",
        "role",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
    ]

    def has_add_permission(self, request):
        return False  # invitations are sent by owners from the portal


@admin.register(ConsultantAssignment)
class ConsultantAssignmentAdmin(CompanyScopedAdmin):
    list_display = ["consultant", "company", "assigned_by", "created_at"]
    list_select_related = ["consultant", "company", "assigned_by"]
    search_fields = ["consultant__email", "company__name"]
    raw_id_fields = ["consultant", "company"]
    readonly_fields = ["assigned_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.assigned_by = request.user
        super().save_model(request, obj, form, change)


@admin.register(StaffProfile)
class StaffProfileAdmin(DeskAdmin):
    form = StaffProfileForm
    list_display = ["user", "role", "organisation", "capacity"]
    list_filter = ["role"]
    list_select_related = ["user"]
    search_fields = ["user__email", "user__full_name", "organisation"]
    raw_id_fields = ["user"]


class PartnerMembershipInline(OfficerEditsInline, admin.TabularInline):
    model = PartnerMembership
    extra = 0
    raw_id_fields = ["user"]


@admin.register(Partner)
class PartnerAdmin(DeskAdmin):
    list_display = ["name", "kind", "contact_email", "active_keys", "created_at"]
    list_filter = ["kind"]
    search_fields = ["name", "contact_email"]
    inlines = [PartnerMembershipInline]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(_active_keys=Count("api_keys", filter=Q(api_keys__revoked_at__isnull=True)))
        )

    @admin.display(description=_("active keys"), ordering="_active_keys")
    def active_keys(self, obj):
        return obj._active_keys


@admin.register(ApiKey)
class ApiKeyAdmin(DeskAdmin):
    list_display = ["name", "partner", "display_prefix", "created_at", "last_used_at", "revoked_at"]
    list_filter = ["partner__kind", ("revoked_at", admin.EmptyFieldListFilter)]
    list_select_related = ["partner"]
    search_fields = ["name", "partner__name", "public_id"]
    fields = [
        "partner",
        "name",
        "display_prefix",
        "created_by",
        "created_at",
        "last_used_at",
        "revoked_at",
    ]
    readonly_fields = ["display_prefix", "created_by", "created_at", "last_used_at", "revoked_at"]
    raw_id_fields = ["partner"]
    actions = ["revoke_keys"]

    def get_readonly_fields(self, request, obj=None):
        if obj is not None:
            return [*self.readonly_fields, "partner", "name"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if change:
            return  # keys are immutable; revoke and create a new one instead
        key, raw = api_key_create(partner=obj.partner, name=obj.name, actor=request.user)
        obj.pk = key.pk
        request._onestop_new_key = raw  # shown by response_add, on a page, once

    def response_add(self, request, obj, post_url_continue=None):
        raw = getattr(request, "_onestop_new_key", None)
        if raw is None:
            return super().response_add(request, obj, post_url_continue)
        # Rendered, never put in a message: messages may travel in a cookie.
        return TemplateResponse(
            request,
            "admin/onestop/apikey/created.html",
            {
                **self.admin_site.each_context(request),
                "key": obj,
                "raw_key": raw,
                "opts": self.opts,
                "title": _("API key created"),
            },
        )

    def delete_model(self, request, obj):
        api_key_revoke(key=obj, actor=request.user)

    def delete_queryset(self, request, queryset):
        self.revoke_keys(request, queryset)

    @admin.action(description=_("Revoke selected keys"))
    def revoke_keys(self, request, queryset):
        for key in queryset.filter(revoked_at__isnull=True):
            api_key_revoke(key=key, actor=request.user)
        messages.success(request, _("Selected keys revoked."))


class AuditActionFilter(admin.SimpleListFilter):
    """The audit log's actions by their words, not their codes."""

    title = _("action")
    parameter_name = "action"

    def lookups(self, request, model_admin):
        return sorted(((code, label) for code, label in ACTIONS.items()), key=lambda c: str(c[1]))

    def queryset(self, request, queryset):
        return queryset.filter(action=self.value()) if self.value() else queryset


@admin.register(AuditEntry)
class AuditEntryAdmin(CompanyScopedAdmin):
    read_only = True
    list_display = [
        "created_at",
        "who",
        "what",
        "kind_of_target",
        "target_label",
        "company",
        "partner",
    ]
    list_filter = [AuditActionFilter]
    list_select_related = ["company", "partner"]
    search_fields = ["actor_label", "target_label", "target_id", "action"]
    date_hierarchy = "created_at"
    fields = readonly_fields = [
        "created_at",
        "who",
        "what",
        "kind_of_target",
        "target_label",
        "target_id",
        "company",
        "partner",
        "before",
        "after",
    ]

    @admin.display(description=_("who"), ordering="actor_label")
    def who(self, entry):
        return entry.actor_shown

    @admin.display(description=_("action"), ordering="action")
    def what(self, entry):
        return entry.action_label

    @admin.display(description=_("kind"), ordering="target_type")
    def kind_of_target(self, entry):
        app_label, _dot, model_name = entry.target_type.partition(".")
        try:
            return apps.get_model(app_label, model_name)._meta.verbose_name
        except LookupError:
            return entry.target_type

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(User)
class UserAdmin(DeskAdmin):
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    list_filter = ["is_staff", "is_active"]
    search_fields = ["email", "full_name"]
    fields = ["email", "full_name", "is_active", "is_staff", "date_joined", "last_login"]
    readonly_fields = ["date_joined", "last_login"]

    def get_queryset(self, request):
        qs = super().get_queryset(request)
        if is_officer(request.user):
            return qs
        visible = companies_seen_by(request.user).values("pk")
        return qs.filter(memberships__company__in=visible).distinct()


# Desk roles, not Django groups, decide what staff may do here.
class ProgrammeFlavorInline(OfficerEditsInline, admin.TabularInline):
    model = ProgrammeFlavor
    extra = 1


@admin.register(Programme)
class ProgrammeAdmin(DeskAdmin):
    """Officers set up programmes; consultants read them."""

    list_display = ["name", "year", "term_years", "cap_units_per_company", "open_for_applications"]
    list_filter = ["year", "open_for_applications"]
    inlines = [ProgrammeFlavorInline]


@admin.register(Application)
class ApplicationAdmin(CompanyScopedAdmin):
    """Decisions are taken on the review page (grants need the allocation's checks); the admin
    lists applications for the desk."""

    list_display = [
        "company",
        "programme",
        "flavor",
        "units",
        "state",
        "review_score",
        "submitted_at",
    ]
    list_filter = ["state", "programme", "flavor"]
    list_select_related = ["company", "programme"]
    readonly_fields = [f.name for f in Application._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


admin.site.unregister(Group)

admin.site.site_header = _("OneStop consultants' desk")
admin.site.site_title = _("OneStop desk")
admin.site.index_title = _("Companies, partners and the audit log")
