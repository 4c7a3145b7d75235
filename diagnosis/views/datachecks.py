"""The data check in the portal: upload, watch the profile come in, read it, run a
feasibility study, share, export, delete. Consultants get the profile, never raw rows unless
the company shares them."""

import polars as pl
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from diagnosis.datacheck.errors import TOO_BIG, human_size
from diagnosis.datacheck.exports import profile_csv
from diagnosis.datacheck.words import study_summary
from diagnosis.models import DataCheck, FeasibilityStudy
from diagnosis.services import datachecks
from onestop.pagination import page_of
from onestop.uploads import limit_uploads
from onestop.views.access import company_member_required, staff_desk_required

PAGE_SIZE = 20
PREVIEW_ROWS = 20


def company_check(request, pk):
    return get_object_or_404(DataCheck.objects.for_company(request.current.company), pk=pk)


def staff_check(request, pk):
    return get_object_or_404(
        DataCheck.objects.visible_to_staff(request.user).select_related("company"), pk=pk
    )


def may_manage(request, check):
    return request.current.is_owner or check.uploaded_by_id == request.user.pk


@company_member_required
def data_home(request):
    checks = DataCheck.objects.for_company(request.current.company).select_related("uploaded_by")
    page = page_of(request, checks, PAGE_SIZE)
    return render(
        request,
        "diagnosis/data_home.html",
        {
            "page": page,
            "max_upload": human_size(settings.ONESTOP_MAX_UPLOAD_BYTES),
            "retention": settings.ONESTOP_DATA_RETENTION_DAYS,
        },
    )


@csrf_exempt  # the handler must be installed before the CSRF check reads the body
@company_member_required
@require_POST
def data_upload(request):
    handler = limit_uploads(request)
    return _data_upload(request, handler)


@csrf_protect
def _data_upload(request, handler):
    files = request.FILES.getlist("file")
    wants_json = request.headers.get("Accept", "").startswith("application/json")
    error = None
    if handler.too_large:
        error = str(TOO_BIG) % {"limit": human_size(handler.limit)}
    elif len(files) != 1:
        error = _("Choose one file to upload.")
    else:
        try:
            check = datachecks.data_check_create(
                company=request.current.company,
                user=request.user,
                upload=files[0],
                sheet=request.POST.get("sheet", ""),
            )
        except ValidationError as exc:
            error = exc.messages[0]
    if error:
        if wants_json:
            return JsonResponse({"error": {"code": "upload_refused", "message": error}}, status=400)
        messages.error(request, error)
        return redirect("diagnosis:data_home")
    url = check_url(check)
    if wants_json:
        return JsonResponse({"id": check.pk, "url": url}, status=201)
    return redirect(url)


def check_url(check):
    from django.urls import reverse

    return reverse("diagnosis:data_check", args=[check.pk])


@company_member_required
def data_check_page(request, pk):
    check = company_check(request, pk)
    return render(
        request,
        "diagnosis/data_check.html",
        check_context(check, consultant=False, may_manage=may_manage(request, check)),
    )


@staff_desk_required
def consultant_data_check(request, pk):
    check = staff_check(request, pk)
    return render(
        request,
        "diagnosis/data_check.html",
        check_context(check, consultant=True, may_manage=False),
    )


def check_context(check, *, consultant, may_manage):
    studies = list(check.studies.all())
    show_rows = check.is_ready and (not consultant or check.share_rows)
    return {
        "check": check,
        "profile": check.profile,
        "readiness": check.readiness,
        "studies": [(study, study_summary(study)) for study in studies],
        "consultant": consultant,
        "may_manage": may_manage,
        "preview": preview_rows(check) if show_rows else None,
        "targets": [c for c in check.columns if c["kind"] in ("number", "category", "boolean")],
        # The job the progress card follows: the profile first, then a running study.
        "job": check if check.is_active else next((s for s in studies if s.is_active), None),
        **training_context(check),
    }


def training_context(check):
    """The training form (once the profile is ready), where the job would run, and the jobs
    already started from this check."""
    from deployment.services.training.starting import training_pool
    from deployment.training_forms import TrainingForm

    if not check.is_ready:
        return {}
    pool, grant = training_pool(check.company)
    readiness = check.readiness or {}
    return {
        "training_form": TrainingForm(check=check, initial={"target": readiness.get("label")}),
        "training_pool": pool,
        "training_grant": grant,
        "training_jobs": list(check.training_jobs.all()),
    }


def preview_rows(check):
    path = check.folder / "normalised.parquet"
    if not path.exists():
        return None
    frame = pl.scan_parquet(path).head(PREVIEW_ROWS).collect()
    return {
        "columns": frame.columns,
        "rows": [[shown(v) for v in row] for row in frame.iter_rows()],
    }


def shown(value):
    """Whole numbers without a trailing ".0": the file said 1551, not 1551.0."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


@company_member_required
def data_check_status(request, pk):
    """What the page polls while a job runs."""
    check = company_check(request, pk)
    return JsonResponse(status_payload(check))


def status_payload(check):
    return {
        "status": check.status,
        "progress": check.progress,
        "message": check.progress_message,
        "error": check.error,
        "studies": [
            {
                "id": s.pk,
                "status": s.status,
                "progress": s.progress,
                "message": s.progress_message,
                "error": s.error,
            }
            for s in check.studies.all()
        ],
    }


@company_member_required
@require_POST
def data_check_delete(request, pk):
    check = company_check(request, pk)
    if not may_manage(request, check):
        raise PermissionDenied("Only an owner or the person who uploaded the file can delete it.")
    name = check.original_name
    datachecks.data_check_delete(check=check, user=request.user)
    messages.success(
        request, _("'%(name)s' and everything derived from it were deleted.") % {"name": name}
    )
    return redirect("diagnosis:data_home")


@company_member_required
@require_POST
def data_check_retry(request, pk):
    check = company_check(request, pk)
    try:
        datachecks.data_check_retry(check=check)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("diagnosis:data_check", pk=pk)


@company_member_required
@require_POST
def data_check_share(request, pk):
    check = company_check(request, pk)
    if not request.current.is_owner:
        raise PermissionDenied("Only the company's owners decide what consultants may see.")
    share = request.POST.get("share") == "1"
    datachecks.data_check_share_rows(check=check, user=request.user, share=share)
    messages.success(
        request,
        _("Consultants can now see the rows.") if share else _("Consultants see the profile only."),
    )
    return redirect("diagnosis:data_check", pk=pk)


@company_member_required
def data_check_csv(request, pk):
    return _csv_response(company_check(request, pk))


@staff_desk_required
def consultant_data_check_csv(request, pk):
    return _csv_response(staff_check(request, pk))


def _csv_response(check):
    if not check.is_ready:
        raise Http404("The profile is not ready.")
    response = HttpResponse(profile_csv(check.profile), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="onestop-profile-{check.pk}.csv"'
    return response


@company_member_required
@require_POST
def study_start(request, pk):
    check = company_check(request, pk)
    target = request.POST.get("target", "").strip()
    excluded = [name for name in request.POST.getlist("exclude") if name]
    try:
        datachecks.study_request(check=check, user=request.user, target=target, excluded=excluded)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    return redirect("diagnosis:data_check", pk=pk)


@company_member_required
def study_model(request, pk, study_pk):
    """The ONNX model candidate: the company's own, downloadable by its members."""
    check = company_check(request, pk)
    study = get_object_or_404(FeasibilityStudy, pk=study_pk, data_check=check, status="ready")
    path = study.model_path
    if not path.exists():
        raise Http404("The model file is gone.")
    return FileResponse(
        open(path, "rb"),
        as_attachment=True,
        filename=f"onestop-model-{check.pk}-{study.pk}.onnx",
        content_type="application/octet-stream",
    )
