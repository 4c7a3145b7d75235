"""What a batch scoring run on a cluster asks of OneStop, with its run's token: what to score
(the model's input columns, the chunks already scored), the rows as OneStop read them, the
model; and what it tells OneStop: its progress (answered with whether to stop), each chunk of
answers as it is written, and its end.

A chunk is stored whole or not at all under the data jobs' file limit; the scored file is
assembled by OneStop only once every chunk of the rows it counted itself is there."""

import csv
import math
import re

import polars as pl
from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from deployment.compute.runs_http import (
    REFUSED,
    failure,
    parsed,
    receive,
    run_of,
    send_file,
)
from deployment.models import ScoringJob
from deployment.scoring.chunks import (
    CHUNK_ROWS,
    ERROR_COLUMN,
    HEADER,
    chunk_path,
    chunk_problem,
)
from deployment.services.preemptible import run_stopped
from deployment.services.scoring import reporter, scoring_finished
from diagnosis.datacheck.profile import NORMALISED_NAME
from onestop.csvsafe import safe_cell

State = ScoringJob.State
CHUNK_INDEX = re.compile(r"[0-9]{1,6}")


def done_chunks(job):
    if not job.chunks_folder.exists():
        return []
    return sorted(
        int(path.stem.removeprefix("chunk-")) for path in job.chunks_folder.glob("chunk-*.csv")
    )


@require_GET
def spec(request, pk):
    job = run_of(request, pk, ScoringJob)
    if job is None:
        return failure(REFUSED, 401)
    return JsonResponse(
        {
            "job": job.pk,
            "attempt": job.attempt,
            "language": job.language,
            "inputs": job.version.input_columns,
            "chunk_rows": CHUNK_ROWS,
            "done": done_chunks(job),
            "header": (job.chunks_folder / HEADER).exists(),
            "memory_bytes": settings.ONESTOP_DATA_JOB_MEMORY_BYTES,
            "stop_grace_seconds": settings.ONESTOP_TRAINING_STOP_SECONDS,
        }
    )


@require_GET
def data(request, pk):
    job = run_of(request, pk, ScoringJob)
    if job is None:
        return failure(REFUSED, 401)
    return send_file(job.folder / NORMALISED_NAME)


@require_GET
def model(request, pk):
    job = run_of(request, pk, ScoringJob)
    if job is None:
        return failure(REFUSED, 401)
    return send_file(job.version.artifact_path)


@csrf_exempt  # a run with a bearer token, never a browser session
@require_http_methods(["PUT"])
def chunk(request, pk, index):
    job = run_of(request, pk, ScoringJob)
    if job is None:
        return failure(REFUSED, 401)
    if index == "header":
        target = job.chunks_folder / HEADER
    elif CHUNK_INDEX.fullmatch(index):
        target = chunk_path(job.chunks_folder, int(index))
    else:
        return failure("a chunk is named by its index, or header", 404)
    job.chunks_folder.mkdir(parents=True, exist_ok=True)
    received = target.with_name(target.name + ".sent")
    if not receive(request, received, settings.ONESTOP_DATA_JOB_FILE_BYTES):
        return failure("the chunk is larger than OneStop keeps", 413)
    if index == "header" and target.exists():
        received.unlink(missing_ok=True)  # sent by an earlier run: the first one stands
        return JsonResponse({"stop": job.state != State.RUNNING})
    if index == "header":
        problem = header_problem(job, received)
    else:
        problem = chunk_problem_for(job, received, int(index))
    if problem:
        received.unlink(missing_ok=True)
        return failure(problem, 400)
    received.replace(target)
    return JsonResponse({"stop": job.state != State.RUNNING})


def header_problem(job, path):
    """The header is one row: the file's columns as OneStop read them, the answers' columns,
    then scoring_error."""
    columns = pl.scan_parquet(job.folder / NORMALISED_NAME).collect_schema().names()
    problem = chunk_problem(path, 1, None)
    if problem:
        return problem
    with path.open(encoding="utf-8", newline="") as handle:
        header = next(csv.reader(handle))
    if header[: len(columns)] != [safe_cell(c) for c in columns] or header[-1] != ERROR_COLUMN:
        return "the header is the file's columns, the answers' and scoring_error"
    if len(header) < len(columns) + 2:
        return "the header names at least one answer column"
    return None


def chunk_problem_for(job, path, index):
    """The rows a chunk must hold, counted here, and the header's width."""
    header = job.chunks_folder / HEADER
    if not header.exists():
        return "send the header first (PUT …/chunks/header)"
    with header.open(encoding="utf-8", newline="") as handle:
        columns = len(next(csv.reader(handle), []))
    rows = pl.scan_parquet(job.folder / NORMALISED_NAME).select(pl.len()).collect().item()
    expected = min(CHUNK_ROWS, rows - index * CHUNK_ROWS)
    if expected < 0 or (expected == 0 and index > 0):
        return f"the rows have no chunk {index}"
    return chunk_problem(path, expected, columns)


@csrf_exempt
@require_http_methods(["GET", "POST"])
def progress(request, pk):
    job = run_of(request, pk, ScoringJob)
    if job is None:
        return JsonResponse({"stop": True, "error": REFUSED}, status=401)
    if request.method == "POST":
        try:
            report = parsed(request)
            percent = int(report["percent"])
            step, steps = report.get("step"), report.get("steps")
            if not 0 <= percent <= 100 or not all(
                v is None or (isinstance(v, int) and 0 <= v <= 10**6) for v in (step, steps)
            ):
                raise ValueError
        except (ValueError, TypeError, KeyError):
            return failure('a report is {"percent": 0..100, "message": "...", "step": n}', 400)
        reporter(job)(percent, str(report.get("message", ""))[:200], step=step, steps=steps)
    return JsonResponse({"stop": job.state != State.RUNNING})


@csrf_exempt
@require_POST
def result(request, pk):
    """The run's end: {"stopped": step} or {"done": true} once every chunk is sent."""
    job = run_of(request, pk, ScoringJob)
    if job is None:
        return failure(REFUSED, 401)
    try:
        message = parsed(request)
    except (ValueError, TypeError):
        return failure("the end of a run is one JSON object", 400)
    if "stopped" in message:
        step = message["stopped"]
        if not isinstance(step, int) or isinstance(step, bool) or step < 0:
            return failure("stopped is the number of chunks scored", 400)
        run_stopped(job, job.attempt, len(done_chunks(job)))
        return JsonResponse({"stopped": True})
    rows = pl.scan_parquet(job.folder / NORMALISED_NAME).select(pl.len()).collect().item()
    steps = max(1, math.ceil(rows / CHUNK_ROWS))
    missing = sorted(set(range(steps)) - set(done_chunks(job)))
    if missing or not (job.chunks_folder / HEADER).exists():
        return failure(f"send every chunk first; chunk {missing[0] if missing else 'header'} "
                       "is missing", 400)  # fmt: skip
    scoring_finished(job, job.attempt, {"rows": rows, "steps": steps})
    return JsonResponse({"finished": True})
