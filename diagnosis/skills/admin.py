"""People and skills in the desk's admin: programme officers keep the course catalog (every
change audited, as everywhere in the admin); companies' staff and enrolments are read-only
records here (the companies keep them in the portal), scoped like the companies they belong to.
Registered by ``diagnosis.admin``."""

from django import forms
from django.contrib import admin
from django.db.models import Count, Q
from django.utils.translation import gettext_lazy as _

from diagnosis.models import Course, Enrolment, SkillRole, StaffMember
from onestop.admin import CompanyScopedAdmin, DeskAdmin


class CourseForm(forms.ModelForm):
    roles = forms.MultipleChoiceField(
        label=_("roles it builds"),
        choices=SkillRole.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Completing the course raises a person's level in these roles."),
    )

    class Meta:
        model = Course
        fields = [
            "title",
            "provider",
            "description",
            "level",
            "format",
            "hours",
            "cost_won",
            "subsidy_won",
            "language",
            "roles",
            "url",
            "is_demo",
            "active",
        ]


@admin.register(Course)
class CourseAdmin(DeskAdmin):
    form = CourseForm
    list_display = [
        "title",
        "provider",
        "level",
        "format",
        "hours",
        "cost_won",
        "subsidy_won",
        "language",
        "roles_built",
        "completed",
        "is_demo",
        "active",
    ]
    list_filter = ["active", "is_demo", "level", "format", "language"]
    search_fields = ["title", "provider"]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(completions=Count("enrolments", filter=Q(enrolments__status="completed")))
        )

    @admin.display(description=_("roles it builds"))
    def roles_built(self, course):
        return ", ".join(str(label) for label in course.role_labels())

    @admin.display(description=_("completed by"), ordering="completions")
    def completed(self, course):
        return course.completions

    def has_delete_permission(self, request, obj=None):
        # People's records point at their courses: retire a course (untick "offered") instead.
        if obj is not None and obj.enrolments.exists():
            return False
        return super().has_delete_permission(request, obj)


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    fields = ["course", "role", "status", "enrolled_at", "completed_on", "certificate_type"]
    readonly_fields = fields
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StaffMember)
class StaffMemberAdmin(CompanyScopedAdmin):
    read_only = True
    list_display = ["name", "job_title", "company", "user", "created_at"]
    list_select_related = ["company", "user"]
    list_filter = ["company__region"]
    search_fields = ["name", "company__name"]
    fields = ["company", "name", "job_title", "user", "created_by", "created_at"]
    readonly_fields = fields
    inlines = [EnrolmentInline]


@admin.register(Enrolment)
class EnrolmentAdmin(CompanyScopedAdmin):
    read_only = True
    company_path = "staff_member__company"
    list_display = ["staff_member", "company", "course", "status", "enrolled_at", "completed_on"]
    list_select_related = ["staff_member__company", "course"]
    list_filter = ["status", "course"]
    search_fields = ["staff_member__name", "staff_member__company__name", "course__title"]
    fields = [
        "staff_member",
        "course",
        "role",
        "status",
        "enrolled_by",
        "enrolled_at",
        "completed_on",
        "certificate_type",
        "certificate_size",
        "certificate_uploaded_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("company"), ordering="staff_member__company__name")
    def company(self, enrolment):
        return enrolment.staff_member.company

    def company_of(self, obj):
        return obj.staff_member.company if isinstance(obj, Enrolment) else super().company_of(obj)
