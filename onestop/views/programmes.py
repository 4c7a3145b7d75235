"""A company's side of a support programme in the portal: applying for accelerator time and
writing progress reports. The programmes page, with the grants, and the desk's review pages
are Deployment's (``deployment.programmes``)."""

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from onestop.models import Application, Programme
from onestop.models.programme import HOURS_PER_QUARTER
from onestop.registry import application_evidence, flavor_label, plan_suggestion, report_facts
from onestop.services.programmes import application_submit, report_submit
from onestop.views.access import company_owner_required


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
        self.fields["flavor"].choices = [
            (f.flavor, flavor_label(f.flavor)) for f in programme.flavors.all()
        ]
        quarters = programme.term_years * 4
        self.fields["quarterly_plan"].help_text = ngettext(
            "%(n)s number, one per quarter of the programme, separated by commas.",
            "%(n)s numbers, one per quarter of the programme, separated by commas.",
            quarters,
        ) % {"n": quarters}

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
