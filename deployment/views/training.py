"""Training jobs in the portal: started from a finished data check (by an owner, or by the
company's consultant on its behalf), followed live on their own page, stopped by an owner.
When a job ends, its page links both forms of the model to a deployment."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deployment.models import AllocationEvent, TrainingJob
from deployment.services.training.starting import training_stop
from deployment.training_forms import TrainingForm, start_from_form
from diagnosis.models import DataCheck
from onestop.pagination import page_of
from onestop.roles import companies_seen_by
from onestop.views.access import (
    company_member_required,
    company_owner_required,
    staff_desk_required,
)

PAGE_SIZE = 20
EVENTS_SHOWN = 20


def company_job(request, pk):
    return get_object_or_404(
        TrainingJob.objects.for_company(request.current.company).select_related(
            "data_check", "pool"
        ),
        pk=pk,
    )


def staff_job(request, pk):
    return get_object_or_404(
        TrainingJob.objects.filter(company__in=companies_seen_by(request.user)).select_related(
            "data_check", "pool", "company"
        ),
        pk=pk,
    )


@company_member_required
def training_list(request):
    jobs = TrainingJob.objects.for_company(request.current.company).select_related(
        "data_check", "pool"
    )
    return render(request, "training/list.html", {"page": page_of(request, jobs, PAGE_SIZE)})


@company_owner_required
@require_POST
def training_new(request, check_pk):
    check = get_object_or_404(DataCheck.objects.for_company(request.current.company), pk=check_pk)
    return start(request, check, "training_detail", "diagnosis:data_check")


@staff_desk_required
@require_POST
def consultant_training_new(request, check_pk):
    """A consultant starts a job for the company it advises; audited as the consultant's, on
    the company's behalf."""
    check = get_object_or_404(DataCheck.objects.visible_to_staff(request.user), pk=check_pk)
    return start(
        request,
        check,
        "consultant_training_detail",
        "diagnosis:consultant_data_check",
        on_behalf=True,
    )


def start(request, check, job_page, check_page, *, on_behalf=False):
    form = TrainingForm(request.POST, check=check)
    try:
        job = start_from_form(form, check, request.user, on_behalf=on_behalf)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect(check_page, check.pk)
    messages.success(request, started_message(job))
    return redirect(job_page, job.pk)


def started_message(job):
    if job.state == TrainingJob.State.WAITING:
        return _("The job is queued: it starts as soon as GPU units are free.")
    return _("The job started. This page follows it.")


def detail_context(job):
    events = (
        AllocationEvent.objects.filter(workload_id=job.workload_id)[:EVENTS_SHOWN]
        if job.workload_id
        else []
    )
    return {"job": job, "events": events}


@company_member_required
def training_detail(request, pk):
    job = company_job(request, pk)
    return render(request, "training/detail.html", {**detail_context(job), "consultant": False})


@staff_desk_required
def consultant_training_detail(request, pk):
    job = staff_job(request, pk)
    return render(request, "training/detail.html", {**detail_context(job), "consultant": True})


@company_member_required
def training_status(request, pk):
    job = company_job(request, pk)
    return JsonResponse(
        {
            "state": job.state,
            "progress": job.progress,
            "message": job.progress_message,
            "step": job.step,
            "steps": job.steps,
        }
    )


@company_member_required
@require_POST
def training_stop_view(request, pk):
    job = company_job(request, pk)
    if not request.current.is_owner:
        raise PermissionDenied("Only the company's owners can stop a training job.")
    try:
        training_stop(job=job, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("The job was stopped; its units went back to the pool."))
    return redirect("training_detail", pk)
