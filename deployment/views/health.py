"""An endpoint's model health page: drift per input and over time, its answers per day, live
accuracy from reported labels, alerts; the owner's thresholds, a labels upload and, for a model
the company trained itself, retraining on newer data."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.html import format_html, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deployment.health import observe
from deployment.health.feedback import FeedbackError, feedback_record, read_csv
from deployment.health.forms import FeedbackUploadForm, HealthSettingsForm
from deployment.health.retrain import retrain_plan, retrain_start
from deployment.health.summary import endpoint_health
from deployment.views.endpoints import company_endpoint
from deployment.views.health_charts import health_charts
from onestop.views.access import company_member_required, company_owner_required

DAY_CHOICES = (7, 30, 90)


@company_member_required
def endpoint_health_view(request, pk):
    endpoint = company_endpoint(request, pk)
    try:
        days = int(request.GET.get("days", 7))
    except ValueError:
        days = 7
    days = days if days in DAY_CHOICES else 7
    report = endpoint_health(endpoint, days=days)
    watch = observe.watch_of(endpoint)
    return render(
        request,
        "deployment/endpoint_health.html",
        {
            "endpoint": endpoint,
            "report": report,
            "charts": health_charts(report),
            "days": days,
            "day_choices": DAY_CHOICES,
            "settings_form": HealthSettingsForm(instance=watch),
            "upload_form": FeedbackUploadForm(),
            "retrain": retrain_plan(endpoint),
            "is_owner": request.current.is_owner,
            "feedback_call": format_html(
                "<code>POST /api/v1/endpoints/{}/feedback</code>", endpoint.name
            ),
            "feedback_body": mark_safe('<code>{"id": …, "label": …}</code>'),
        },
    )


@company_owner_required
@require_POST
def endpoint_health_settings(request, pk):
    endpoint = company_endpoint(request, pk)
    form = HealthSettingsForm(request.POST, instance=observe.watch_of(endpoint))
    if form.is_valid():
        form.save()
        messages.success(request, _("Health settings saved."))
    else:
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, error)
    return redirect("endpoint_health", pk=endpoint.pk)


@company_owner_required
@require_POST
def endpoint_feedback_upload(request, pk):
    endpoint = company_endpoint(request, pk)
    form = FeedbackUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        messages.error(request, _("Choose a CSV file of ids and labels."))
        return redirect("endpoint_health", pk=endpoint.pk)
    try:
        recorded = feedback_record(endpoint=endpoint, items=read_csv(form.cleaned_data["file"]))
    except FeedbackError as exc:
        messages.error(request, str(exc))
    else:
        messages.success(request, _("%(n)s labels recorded.") % {"n": f"{recorded:,}"})
    return redirect("endpoint_health", pk=endpoint.pk)


@company_owner_required
@require_POST
def endpoint_retrain(request, pk):
    endpoint = company_endpoint(request, pk)
    try:
        job = retrain_start(endpoint=endpoint, user=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return redirect("endpoint_health", pk=endpoint.pk)
    messages.success(request, _("Retraining started on the newer data."))
    return redirect("training_detail", pk=job.pk)
