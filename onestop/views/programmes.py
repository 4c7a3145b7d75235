"""A company's side of a support programme in the portal: applying for accelerator time and
writing progress reports. The programmes page, with the grants, and the desk's review pages
are Deployment's (``deployment.programmes``)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from onestop.forms import ApplicationForm
from onestop.models import Application, Programme
from onestop.models.programme import HOURS_PER_QUARTER
from onestop.registry import application_evidence, plan_suggestion, report_facts
from onestop.services.programmes import application_submit, report_submit
from onestop.views.access import company_owner_required


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
    kpi_before = forms.FloatField(label=gettext_lazy("Your KPI before the project"), required=False)
    kpi_after = forms.FloatField(label=gettext_lazy("Your KPI now"), required=False)
    kpi_evidence = forms.CharField(
        label=gettext_lazy("How you measured it"),
        help_text=gettext_lazy(
            "The records behind the figures: which line, which weeks, which log."
        ),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
    )

    def clean(self):
        cleaned = super().clean()
        given = [cleaned.get("kpi_before") is not None, cleaned.get("kpi_after") is not None]
        if any(given) and not (all(given) and cleaned.get("kpi_evidence", "").strip()):
            raise forms.ValidationError(
                _("Give the KPI before and now together, with how you measured them.")
            )
        return cleaned


@company_owner_required
def application_new(request, pk):
    programme = get_object_or_404(Programme.objects.filter(open_for_applications=True), pk=pk)
    company = request.current.company
    evidence = application_evidence(company)
    initial = {}
    suggestion = plan_suggestion(company, programme)
    if suggestion:
        initial = {
            "flavor": suggestion["flavor"],
            "units": suggestion["units"],
            "quarterly_plan": suggestion["plan"],
        }
    elif "match" in evidence:
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
            messages.success(request, ApplicationForm.submitted)
            return redirect("programmes")
    return render(
        request,
        "programmes/apply.html",
        {
            "programme": programme,
            "form": form,
            "evidence": evidence,
            "suggestion": suggestion,
            "quarters": programme.term_years * 4,
            "hours_per_quarter": HOURS_PER_QUARTER,
        },
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
    initial = {name: getattr(existing, name) for name in ReportForm.base_fields} if existing else {}
    facts = report_facts(application, month)
    form = ReportForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            report_submit(
                application=application,
                user=request.user,
                month=month,
                facts=facts,
                **form.cleaned_data,
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("Report submitted."))
            return redirect("programmes")
    return render(
        request,
        "programmes/report.html",
        {
            "application": application,
            "month": month,
            "form": form,
            "report": existing,
            "facts": facts,
        },
    )
