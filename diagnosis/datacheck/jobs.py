"""Data jobs (a profile, a feasibility study, a model measured on the company's data) run in a
separate process with a memory and time budget (onestop.sandbox). A file that needs more fails
its job with a reason a plant manager can act on; the worker that ran it, and everyone else's
jobs on the host, carry on.

The parent side is `run_isolated`. The child is this module run as a script: it sets Django up
(for translations only: it never touches the database), runs one of JOBS with plain JSON
arguments, and answers on its stdout, one JSON object a line: {"progress": [percent, text]}
as the work goes (a training job adds the step its checkpoint holds and its scores), then
{"result": ...} or {"refused": text}. The parent turns progress lines into the job's progress bar
as they arrive."""

import json
import os
import secrets
import sys
import tempfile
from dataclasses import dataclass
from importlib import import_module
from pathlib import Path

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from diagnosis.datacheck.errors import UnreadableFile, human_size

# What a child may run: the parent names a job, never a function.
JOBS = {
    "profile": "diagnosis.datacheck.jobs:profile_job",
    "study": "diagnosis.datacheck.jobs:study_job",
    "evaluate": "diagnosis.matching.evaluate:evaluate_job",
    "train": "diagnosis.datacheck.train:train_job",
    "score": "deployment.scoring.chunks:score_job",
}

OUT_OF_MEMORY = _(
    "The work needed more than %(limit)s of memory and was stopped. Upload a smaller sample "
    "of the data (fewer rows or columns) and try again."
)
OUT_OF_TIME = _(
    "The work took longer than %(duration)s and was stopped. Upload a smaller sample of the "
    "data (fewer rows or columns) and try again."
)
OUT_OF_CPU = _(
    "The work needed more than %(duration)s of computing time and was stopped. Upload a "
    "smaller sample of the data (fewer rows or columns) and try again."
)

OUT_OF_DISK = _(
    "The work needed to write a file larger than %(limit)s and was stopped. Upload a smaller "
    "sample of the data (fewer rows or columns) and try again."
)
TOO_MUCH_OUTPUT = _(
    "The result was too large to keep. Upload a sample with fewer columns and try again."
)


@dataclass(frozen=True)
class JobBudget:
    memory_bytes: int = 4 * 1024**3
    cpu_seconds: int = 60 * 60
    wall_seconds: int = 20 * 60
    file_bytes: int = 4 * 1024**3


# What the child must not hold: it reads a stranger's file and never needs the database, the
# broker, the cache or the real signing key (settings only need some key to import).
CHILD_WITHOUT = ("DATABASE_URL", "CELERY_BROKER_URL", "CELERY_RESULT_BACKEND", "CACHE_URL")


class JobCrashed(RuntimeError):
    """The child died without an answer and without running out of its budget: a bug, or a
    training run ended on purpose (its exit status says which)."""

    def __init__(self, message, returncode=None):
        super().__init__(message)
        self.returncode = returncode


def no_progress(percent, message):
    return None


def run_isolated(job, arguments, *, budget, language, progress=no_progress):
    """Run JOBS[job](**arguments) in a limited child process; returns its result. A refusal
    or a budget that ran out raises UnreadableFile with the message for the user."""
    from django.conf import settings

    from onestop.sandbox import DISK_SIGNS, Limits, run_limited

    answer = {}

    def on_line(line):
        try:
            message = json.loads(line)
        except ValueError:
            return  # not ours: the protocol's lines are whole JSON objects
        if isinstance(message, dict) and "progress" in message:
            extra = {k: v for k, v in message.items() if k != "progress"}
            progress(*message["progress"], **extra)
        elif isinstance(message, dict):
            answer.update(message)

    with tempfile.TemporaryDirectory(prefix="onestop-job-") as scratch:
        spec = Path(scratch) / "job.json"
        spec.write_text(
            json.dumps({"job": job, "arguments": arguments, "language": language}, default=str)
        )
        env = {
            **{k: v for k, v in os.environ.items() if k not in CHILD_WITHOUT},
            "SECRET_KEY": secrets.token_urlsafe(50),
            "DJANGO_SETTINGS_MODULE": os.environ.get("DJANGO_SETTINGS_MODULE", "onestop.settings"),
            # Fewer malloc arenas: each thread's arena reserves address space the memory
            # budget counts, without using it.
            "MALLOC_ARENA_MAX": "2",
            # OpenBLAS's worker threads hang, rather than fail, when the memory budget refuses
            # them their buffers; the linear algebra here is small enough for one thread.
            "OPENBLAS_NUM_THREADS": "1",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
        outcome = run_limited(
            [sys.executable, "-m", "diagnosis.datacheck.jobs", str(spec)],
            Limits(
                memory_bytes=budget.memory_bytes,
                cpu_seconds=budget.cpu_seconds,
                wall_seconds=budget.wall_seconds,
                file_bytes=budget.file_bytes,
                no_network=True,
            ),
            cwd=settings.BASE_DIR,
            env=env,
            on_line=on_line,
        )
    if outcome.stopped == "memory":
        raise UnreadableFile(OUT_OF_MEMORY, limit=human_size(budget.memory_bytes))
    if outcome.stopped == "wall":
        raise UnreadableFile(OUT_OF_TIME, duration=duration(budget.wall_seconds))
    if outcome.stopped == "cpu":
        raise UnreadableFile(OUT_OF_CPU, duration=duration(budget.cpu_seconds))
    # A reader that hit the file-size limit may turn EFBIG into a refusal of its own.
    refused_for_disk = any(sign in answer.get("refused", "") for sign in DISK_SIGNS)
    if outcome.stopped == "disk" or refused_for_disk:
        raise UnreadableFile(OUT_OF_DISK, limit=human_size(budget.file_bytes))
    if outcome.stopped == "output":
        raise UnreadableFile(TOO_MUCH_OUTPUT)
    if "refused" in answer:
        raise UnreadableFile(answer["refused"])
    if outcome.returncode != 0 or "result" not in answer:
        tail = outcome.stderr.strip()[-2000:]
        raise JobCrashed(
            f"the {job} job ended with status {outcome.returncode}: {tail}", outcome.returncode
        )
    return answer["result"]


def duration(seconds):
    seconds = int(seconds)
    if seconds >= 120 and seconds % 60 == 0:
        minutes = seconds // 60
        return ngettext("%(count)s minute", "%(count)s minutes", minutes) % {"count": minutes}
    return ngettext("%(count)s second", "%(count)s seconds", seconds) % {"count": seconds}


# --- The jobs (run in the child, plain data in and out) -----------------------------------


def profile_job(*, source, folder, sheet, archive_limits, table_limits, progress):
    from diagnosis.datacheck.limits import TableLimits
    from diagnosis.datacheck.profile import profile_file
    from diagnosis.datacheck.readers import ArchiveLimits
    from diagnosis.datacheck.readiness import readiness
    from diagnosis.datacheck.sniff import FileFormat

    profile = profile_file(
        source,
        folder,
        fmt=FileFormat(kind="", sheet=sheet),
        archive_limits=ArchiveLimits(**archive_limits),
        table_limits=TableLimits(**table_limits),
        progress=progress,
    )
    return {"profile": profile, "readiness": readiness(profile)}


def study_job(
    *, normalised, profile, target, exclude, max_rows, model_out, progress, npu_model_out=None
):
    """The study's result; its ONNX model is written to `model_out`, and its NPU-ready form,
    when one could be made, to `npu_model_out`."""
    from diagnosis.datacheck.feasibility import run_study

    result, onnx_bytes = run_study(
        normalised,
        profile,
        target=target,
        exclude=set(exclude),
        max_rows=max_rows,
        progress=progress,
        npu_model_out=npu_model_out,
    )
    Path(model_out).write_bytes(onnx_bytes)
    return result


# --- The child -----------------------------------------------------------------------------


def main(spec_path):
    # The answer gets a private copy of stdout; whatever a library prints goes to stderr and
    # cannot break a line of the answer in two.
    channel = os.fdopen(os.dup(1), "w", encoding="utf-8")
    os.dup2(2, 1)

    def send(message):
        channel.write(json.dumps(message, default=str) + "\n")
        channel.flush()

    spec = json.loads(Path(spec_path).read_text())
    import django

    django.setup()
    from django.utils import translation

    translation.activate(spec["language"])
    module, name = JOBS[spec["job"]].split(":")
    work = getattr(import_module(module), name)
    try:
        result = work(
            **spec["arguments"],
            progress=lambda percent, text, **extra: send(
                {"progress": [percent, str(text)], **extra}
            ),
        )
    except UnreadableFile as exc:
        send({"refused": str(exc)})
        return
    send({"result": result})


if __name__ == "__main__":
    main(sys.argv[1])
