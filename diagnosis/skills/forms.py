from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from diagnosis.models import Course, SkillRole, StaffMember
from diagnosis.skills.roles import ROLES


class StaffMemberForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=100)
    job_title = forms.CharField(
        label=_("Job"),
        max_length=100,
        required=False,
        help_text=_("Plant manager, line 3 operator, quality engineer, …"),
    )
    login = forms.ModelChoiceField(
        label=_("Portal login (optional)"),
        queryset=get_user_model().objects.none(),
        required=False,
        empty_label=_("No login: someone we enrol ourselves"),
        help_text=_("Link a teammate who signs in to OneStop, so they appear once."),
    )

    def __init__(self, *args, company, **kwargs):
        super().__init__(*args, **kwargs)
        linked = StaffMember.objects.for_company(company).exclude(user=None).values("user")
        self.fields["login"].queryset = (
            get_user_model()
            .objects.filter(memberships__company=company)
            .exclude(pk__in=linked)
            .order_by("full_name", "email")
        )
        self.fields["login"].label_from_instance = lambda u: (
            f"{u.full_name} ({u.email})" if u.full_name else u.email
        )


class SelfCheckForm(forms.Form):
    """One tick box per statement, grouped by role for the page (``groups``)."""

    def __init__(self, *args, initial_answers=None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_answers = initial_answers or {}
        for role in ROLES.values():
            for code, text in role.statements:
                self.fields[code] = forms.BooleanField(
                    label=text, required=False, initial=bool(initial_answers.get(code))
                )

    def groups(self):
        return [(role, [self[code] for code, _text in role.statements]) for role in ROLES.values()]


class EnrolForm(forms.Form):
    course = forms.ModelChoiceField(
        label=_("Course"),
        queryset=Course.objects.active(),
        error_messages={"invalid_choice": _("Choose one of the courses offered.")},
    )
    role = forms.ChoiceField(choices=[("", ""), *SkillRole.choices], required=False)


class CompleteForm(forms.Form):
    completed_on = forms.DateField(
        label=_("Completed on"),
        widget=forms.DateInput(attrs={"type": "date"}),
        error_messages={
            "required": _("Give the date the course was completed."),
            "invalid": _("Give the date as year-month-day, for example 2026-03-31."),
        },
    )


class CertificateForm(forms.Form):
    file = forms.FileField(
        label=_("Certificate"),
        help_text=_("A PDF, PNG or JPEG file."),
        error_messages={"required": _("Choose the certificate file to upload.")},
    )
