"""Support programmes in the portal: apply for accelerator time; consultants and officers
review."""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from onestop.models import Application, Company, Programme, ProgressReport
from onestop.services.programmes import (
    application_decide,
    application_submit,
    extension_candidates,
    extension_grant,
    report_evaluate,
    report_months,
    report_submit,
)
from onestop.views.access import (
    company_member_required,
    company_owner_required,
    staff_desk_required,
)

PAGE_SIZE = 25


class ApplicationForm(forms.Form):
    flavor = forms.ChoiceField(label=gettext_lazy("Accelerator"))
    units = forms.IntegerField(label=gettext_lazy("Units"), min_value=1, max_value=512)
    quarterly_plan = forms.CharField(
        label=gettext_lazy("Planned unit-hours per quarter"),
        help_text=gettext_lazy("One number per quarter, separated by commas: 400, 800, 800, …"),
    )
    purpose = forms.CharField(
        label=gettext_lazy("What the units are for"), widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args, programme, **kwargs):
        super().__init__(*args, **kwargs)
        self.programme = programme
        self.fields["flavor"].choices = [(f.flavor, f.flavor) for f in programme.flavors.all()]

    def clean_quarterly_plan(self):
        try:
            plan = [
                int(part)
                for part in self.cleaned_data["quarterly_plan"].replace(" ", "").split(",")
                if part
            ]
        except ValueError:
            raise forms.ValidationError(_("Write whole numbers separated by commas.")) from None
        if len(plan) != self.programme.term_years * 4:
            raise forms.ValidationError(
                _("Give one number for each of the %(n)s quarters.")
                % {"n": self.programme.term_years * 4}
            )
        return plan


class DecisionForm(forms.Form):
    score = forms.IntegerField(label=gettext_lazy("Score (0–100)"), min_value=0, max_value=100)
    comment = forms.CharField(
        label=gettext_lazy("Comment"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    decision = forms.ChoiceField(
        choices=[("approve", gettext_lazy("Approve")), ("reject", gettext_lazy("Reject"))]
    )


@company_member_required
def programmes(request):
    company = request.current.company
    return render(
        request,
        "programmes/index.html",
        {
            "programmes": Programme.objects.filter(open_for_applications=True).prefetch_related(
                "flavors"
            ),
            "applications": Application.objects.filter(company=company).select_related("programme"),
            "reports_due": reports_due(company),
            "grants": import_string(settings.ONESTOP_GRANTS_OF)(company),
            "events": import_string(settings.ONESTOP_ALLOCATION_EVENTS_OF)(company),
        },
    )


def reports_due(company):
    """Per approved application: each report month and the report sent for it, if any."""
    rows = []
    for application in Application.objects.filter(
        company=company, state=Application.State.APPROVED
    ).prefetch_related("reports", "programme"):
        sent = {r.month: r for r in application.reports.all()}
        rows.append((application, [(m, sent.get(m)) for m in report_months(application)]))
    return rows


@company_owner_required
def application_new(request, pk):
    programme = get_object_or_404(Programme.objects.filter(open_for_applications=True), pk=pk)
    company = request.current.company
    evidence = import_string(settings.ONESTOP_APPLICATION_EVIDENCE)(company)
    initial = {}
    if "match" in evidence:
        initial["flavor"] = evidence["match"]["flavor"]
    form = ApplicationForm(request.POST or None, programme=programme, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            application_submit(
                company=company,
                programme=programme,
                user=request.user,
                evidence=evidence,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(
                request,
                _(
                    "Application submitted. Your consultant and the programme officers will "
                    "review it."
                ),
            )
            return redirect("programmes")
    return render(
        request,
        "programmes/apply.html",
        {"programme": programme, "form": form, "evidence": evidence},
    )


def reviewable(user):
    return Application.objects.filter(
        company__in=Company.objects.visible_to_staff(user)
    ).select_related("company", "programme")


@staff_desk_required
def consultant_applications(request):
    page = Paginator(reviewable(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "consultant/applications.html", {"page": page})


@staff_desk_required
def consultant_application(request, pk):
    application = get_object_or_404(reviewable(request.user), pk=pk)
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            application = application_decide(
                application=application,
                reviewer=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                score=form.cleaned_data["score"],
                comment=form.cleaned_data["comment"],
            )
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            messages.success(
                request,
                _("Decision recorded: %(state)s.") % {"state": application.get_state_display()},
            )
        return redirect("consultant_application", pk=pk)
    return render(
        request, "consultant/application.html", {"application": application, "form": form}
    )


class ReportForm(forms.Form):
    kpis = forms.CharField(
        label=gettext_lazy("KPIs achieved"), widget=forms.Textarea(attrs={"rows": 3})
    )
    products = forms.CharField(
        label=gettext_lazy("Products (models, endpoints, datasets)"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    deviations = forms.CharField(
        label=gettext_lazy("Deviations from the plan"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )


class EvaluationForm(forms.Form):
    score = forms.IntegerField(label=gettext_lazy("Score (0–100)"), min_value=0, max_value=100)
    evaluation = forms.CharField(
        label=gettext_lazy("Evaluation"), widget=forms.Textarea(attrs={"rows": 2})
    )
    decision = forms.ChoiceField(
        choices=[("accept", gettext_lazy("Accept")), ("return", gettext_lazy("Return for changes"))]
    )


@company_owner_required
def report_edit(request, pk, month):
    application = get_object_or_404(
        Application.objects.filter(
            company=request.current.company, state=Application.State.APPROVED
        ),
        pk=pk,
    )
    existing = application.reports.filter(month=month).first()
    initial = (
        {"kpis": existing.kpis, "products": existing.products, "deviations": existing.deviations}
        if existing
        else {}
    )
    form = ReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            report_submit(
                application=application, user=request.user, month=month, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("Report submitted."))
            return redirect("programmes")
    return render(
        request,
        "programmes/report.html",
        {"application": application, "month": month, "form": form, "report": existing},
    )


@staff_desk_required
@require_POST
def report_evaluation(request, pk):
    report = get_object_or_404(
        ProgressReport.objects.filter(application__in=reviewable(request.user)), pk=pk
    )
    form = EvaluationForm(request.POST)
    if form.is_valid():
        _report, released = report_evaluate(
            report=report,
            reviewer=request.user,
            score=form.cleaned_data["score"],
            evaluation=form.cleaned_data["evaluation"],
            accept=form.cleaned_data["decision"] == "accept",
        )
        messages.success(
            request,
            _("Evaluation recorded; the rest of the guarantee was released.")
            if released
            else _("Evaluation recorded."),
        )
    else:
        messages.error(request, _("Give a score from 0 to 100 and a short evaluation."))
    return redirect("consultant_application", pk=report.application_id)


@staff_desk_required
def extensions(request):
    ranked = extension_candidates(reviewable(request.user).prefetch_related("reports"))
    return render(
        request,
        "consultant/extensions.html",
        {"ranked": ranked, "is_officer": is_officer(request.user)},
    )


@staff_desk_required
@require_POST
def extension_decide(request, pk):
    if not is_officer(request.user):
        raise PermissionDenied("Only programme officers extend grants.")
    application = get_object_or_404(reviewable(request.user), pk=pk)
    try:
        extension_grant(application=application, officer=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(
            request, _("Extended by %(n)s year(s).") % {"n": application.programme.extension_years}
        )
    return redirect("consultant_extensions")


def is_officer(user):
    from onestop.admin import desk_role

    return desk_role(user) == "officer"
