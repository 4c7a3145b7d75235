"""What a training run on a cluster asks of OneStop, with its run's token: what to train, the
rows, the last checkpoint; and what it tells OneStop: its progress (answered with whether to
stop), each checkpoint, the two models and the result.

A checkpoint is kept as bytes and given back to the next run of the same job on the same
cluster; OneStop never unpickles it. The models are stored only when their SHA-256 is the one
the result names, and enter the catalog through the same validation as any upload."""

import json
import re

from django.conf import settings
from django.http import JsonResponse
from django.utils import timezone, translation
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deployment.compute.runs_http import (
    REFUSED,
    failure,
    file_sha256,
    parsed,
    receive,
    run_of,
    send_file,
)
from deployment.models import TrainingJob
from deployment.services.preemptible import (
    remaining_unit_seconds,
    run_failed,
    run_finished,
    run_stopped,
)
from deployment.services.training.local import out_of_budget, progress_reporter
from deployment.services.training.shapes import check_result, clean_scores
from diagnosis.datacheck.profile import NORMALISED_NAME

State = TrainingJob.State
FORMS = {"cpu": "run-{attempt}.onnx.part", "npu": "run-{attempt}-npu.onnx.part"}
SHA256 = re.compile(r"[0-9a-f]{64}")


def spent(job):
    elapsed = (timezone.now() - job.run_started_at).total_seconds()
    return remaining_unit_seconds(job) - elapsed * job.units <= 0


def must_stop(job):
    """Whether the run should stop now: its units were taken back, the job was stopped, or it
    used its budget (which fails the job)."""
    if job.state == State.RUNNING and spent(job):
        with translation.override(job.language):
            run_failed(job, job.attempt, out_of_budget(job))
        return True
    return job.state != State.RUNNING


@require_GET
def spec(request, pk):
    job = run_of(request, pk, TrainingJob)
    if job is None:
        return failure(REFUSED, 401)
    return JsonResponse(
        {
            "job": job.pk,
            "attempt": job.attempt,
            "language": job.language,
            "target": job.target,
            "exclude": sorted(job.excluded),
            "family": job.family,
            "steps": job.steps,
            "step": job.step,
            "max_rows": settings.ONESTOP_FEASIBILITY_MAX_ROWS,
            "profile": job.data_check.profile,
            "memory_bytes": settings.ONESTOP_DATA_JOB_MEMORY_BYTES,
            "stop_grace_seconds": settings.ONESTOP_TRAINING_STOP_SECONDS,
        }
    )


@require_GET
def data(request, pk):
    job = run_of(request, pk, TrainingJob)
    if job is None:
        return failure(REFUSED, 401)
    return send_file(job.data_check.folder / NORMALISED_NAME)  # a run only reads its rows


@csrf_exempt  # a run with a bearer token, never a browser session
@require_http_methods(["GET", "PUT"])
def checkpoint(request, pk):
    job = run_of(request, pk, TrainingJob)
    if job is None:
        return failure(REFUSED, 401)
    if request.method == "GET":
        return send_file(job.cluster_checkpoint_path)
    try:
        step = int(request.GET.get("step", ""))
    except ValueError:
        return failure("say which step the checkpoint holds: ?step=N", 400)
    if not job.step <= step <= job.steps:
        return failure(f"the step is between {job.step} and {job.steps}", 400)
    job.folder.mkdir(parents=True, exist_ok=True)
    if not receive(
        request, job.cluster_checkpoint_path, settings.ONESTOP_TRAINING_CHECKPOINT_MAX_BYTES
    ):
        return failure("the checkpoint is larger than OneStop keeps", 413)
    TrainingJob.objects.filter(pk=job.pk, attempt=job.attempt).update(step=step)
    return JsonResponse({"step": step, "stop": must_stop(job)})


@csrf_exempt
@require_http_methods(["GET", "POST"])
def progress(request, pk):
    """POST a report ({"percent", "message", "metrics"?}); either way the answer says whether
    to stop."""
    job = run_of(request, pk, TrainingJob)
    if job is None:
        return JsonResponse({"stop": True, "error": REFUSED}, status=401)
    if request.method == "POST":
        try:
            report = parsed(request)
            percent = int(report["percent"])
            message = str(report.get("message", ""))[:200]
            metrics = report.get("metrics") or None
            if metrics is not None:
                clean_scores(metrics, job.family)
            if not 0 <= percent <= 100:
                raise ValueError("percent is 0 to 100")
        except (ValueError, TypeError, KeyError) as exc:
            return failure(
                f'a report is {{"percent": 0..100, "message": "...", "metrics": {{}}}}: {exc}', 400
            )
        progress_reporter(job)(percent, message, metrics=metrics)
    return JsonResponse({"stop": must_stop(job)})


@csrf_exempt
@require_http_methods(["PUT"])
def model(request, pk, form):
    job = run_of(request, pk, TrainingJob)
    if job is None:
        return failure(REFUSED, 401)
    if form not in FORMS:
        return failure("the form is cpu or npu", 404)
    job.folder.mkdir(parents=True, exist_ok=True)
    path = job.folder / FORMS[form].format(attempt=job.attempt)
    if not receive(request, path, settings.ONESTOP_MAX_MODEL_BYTES):
        return failure("the model is larger than the catalog takes", 413)
    return JsonResponse({"sha256": file_sha256(path)})


@csrf_exempt
@require_POST
def result(request, pk):
    """The run's end: {"stopped": step}, {"refused": message} or {"result": {...}} once the
    models are sent."""
    job = run_of(request, pk, TrainingJob)
    if job is None:
        return failure(REFUSED, 401)
    try:
        message = parsed(request)
    except (ValueError, TypeError):
        return failure("the end of a run is one JSON object", 400)
    if "stopped" in message:
        step = message["stopped"]
        if not isinstance(step, int) or isinstance(step, bool) or not 0 <= step <= job.steps:
            return failure("stopped is the step the last checkpoint holds", 400)
        run_stopped(job, job.attempt, min(step, job.step))
        return JsonResponse({"stopped": True})
    if "refused" in message:
        run_failed(job, job.attempt, str(message["refused"])[:2000])
        return JsonResponse({"failed": True})
    outcome = message.get("result")
    problem = result_problem(job, outcome)
    if problem:
        return failure(problem, 400)
    cpu = job.folder / FORMS["cpu"].format(attempt=job.attempt)
    npu = job.folder / FORMS["npu"].format(attempt=job.attempt)
    has_npu = bool(outcome["model"].get("npu_sha256"))
    run_finished(job, job.attempt, outcome, cpu, npu if has_npu else None)
    return JsonResponse({"finished": True})


def result_problem(job, outcome):
    """Why a run's result cannot be taken, or None: its shape, and each model file sent
    beforehand with the SHA-256 the result names."""
    try:
        check_result(outcome, job.family)
        json.dumps(outcome)
        model_part = outcome["model"]
    except (TypeError, ValueError) as exc:
        return f"the result is not a training job's result: {exc}"
    for form, key in (("cpu", "sha256"), ("npu", "npu_sha256")):
        claimed = model_part.get(key)
        if form == "npu" and not claimed:
            continue
        path = job.folder / FORMS[form].format(attempt=job.attempt)
        if not isinstance(claimed, str) or not SHA256.fullmatch(claimed):
            return f"{key} is the {form} model's SHA-256"
        if not path.exists() or file_sha256(path) != claimed:
            return f"send the {form} model (PUT …/models/{form}) before the result"
    return None
