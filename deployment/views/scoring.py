"""Batch scoring in the portal: an owner uploads a file on an endpoint's page, follows the job
on its own page, and downloads the file with the model's answers added (CSV)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from deployment.models import AllocationEvent, Endpoint, ScoringJob
from deployment.services.scoring import scoring_start, scoring_stop
from diagnosis.datacheck.errors import TOO_BIG, human_size
from onestop.uploads import limit_uploads
from onestop.views.access import company_member_required

EVENTS_SHOWN = 20


def company_job(request, pk):
    return get_object_or_404(
        ScoringJob.objects.for_company(request.current.company).select_related("endpoint", "pool"),
        pk=pk,
    )


@csrf_exempt  # the upload handler must be installed before the CSRF check reads the body
@company_member_required
@require_POST
def scoring_new(request, pk):
    handler = limit_uploads(request)
    return _scoring_new(request, pk, handler)


@csrf_protect
def _scoring_new(request, pk, handler):
    endpoint = get_object_or_404(Endpoint.objects.filter(company=request.current.company), pk=pk)
    if not request.current.is_owner:
        raise PermissionDenied("Only the company's owners can score files.")
    files = request.FILES.getlist("file")
    if handler.too_large:
        messages.error(request, str(TOO_BIG) % {"limit": human_size(handler.limit)})
    elif len(files) != 1:
        messages.error(request, _("Choose one file to upload."))
    else:
        try:
            job = scoring_start(endpoint=endpoint, user=request.user, upload=files[0])
        except ValidationError as exc:
            messages.error(request, exc.messages[0])
        else:
            return redirect("scoring_detail", job.pk)
    return redirect("endpoint_detail", pk)


@company_member_required
def scoring_detail(request, pk):
    job = company_job(request, pk)
    events = (
        AllocationEvent.objects.filter(workload_id=job.workload_id)[:EVENTS_SHOWN]
        if job.workload_id
        else []
    )
    return render(request, "scoring/detail.html", {"job": job, "events": events})


@company_member_required
def scoring_status(request, pk):
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
def scoring_result(request, pk):
    job = company_job(request, pk)
    if job.state != ScoringJob.State.READY or not job.result_path.exists():
        raise Http404("The scored file is not ready.")
    stem = job.original_name.rsplit(".", 1)[0] or "file"
    return FileResponse(
        open(job.result_path, "rb"),
        as_attachment=True,
        filename=f"{stem}-scored.csv",
        content_type="text/csv; charset=utf-8",
    )


@company_member_required
@require_POST
def scoring_stop_view(request, pk):
    job = company_job(request, pk)
    if not request.current.is_owner:
        raise PermissionDenied("Only the company's owners can stop a job.")
    try:
        scoring_stop(job=job, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("The job was stopped; its units went back to the pool."))
    return redirect("scoring_detail", pk)


@company_member_required
@require_POST
def scoring_drop_view(request, pk):
    """Turn the endpoint's drop folder on or off (owners)."""
    from deployment.services.drops import drop_disable, drop_enable

    endpoint = get_object_or_404(Endpoint.objects.filter(company=request.current.company), pk=pk)
    if not request.current.is_owner:
        raise PermissionDenied("Only the company's owners manage drop folders.")
    if request.POST.get("enabled") == "1":
        drop_enable(endpoint=endpoint, user=request.user)
        messages.success(request, _("The drop folder is on: files put in its inbox are scored."))
    elif hasattr(endpoint, "scoring_drop"):
        drop_disable(drop=endpoint.scoring_drop, user=request.user)
        messages.success(request, _("The drop folder is off: new files wait in its inbox."))
    return redirect("endpoint_detail", pk)
