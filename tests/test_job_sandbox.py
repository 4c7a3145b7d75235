"""Work on a stranger's file runs in a child process with a memory, CPU-time and wall-time
budget (onestop.sandbox): data jobs and ONNX validation alike fail with the budget that stopped
them, and the process that asked carries on. Real processes, real limits, small budgets."""

import os
import signal
import sys
import time

import pytest
from django.utils import translation

from deployment.validation.sandbox import SandboxLimits, validate_file
from diagnosis.datacheck import jobs
from diagnosis.datacheck.jobs import JobBudget, run_isolated
from diagnosis.models import DataCheck
from onestop.sandbox import Limits, run_limited
from tests import datacheck_files as files
from tests import onnx_files
from tests.datacheck_factories import studied, uploaded_check

GiB = 1024**3


def python(code):
    return [sys.executable, "-c", code]


def test_a_child_that_allocates_past_its_memory_budget_is_stopped_for_memory():
    outcome = run_limited(
        python("blocks = [bytearray(64 * 1024**2) for _ in range(64)]"),
        Limits(memory_bytes=1 * GiB, cpu_seconds=30, wall_seconds=60),
    )
    assert outcome.stopped == "memory"
    assert not outcome.ok


def test_a_child_that_burns_cpu_is_stopped_at_its_cpu_budget():
    outcome = run_limited(
        python("while True: pass"), Limits(memory_bytes=1 * GiB, cpu_seconds=1, wall_seconds=60)
    )
    assert outcome.stopped == "cpu"
    assert outcome.returncode == -signal.SIGKILL
    assert outcome.wall_seconds < 60


def test_a_child_that_waits_is_stopped_at_the_wall_with_everything_it_started(tmp_path):
    # The child starts a grandchild and sleeps: no CPU burned, so only the wall stops it, and
    # the grandchild goes with it (same process group).
    code = (
        "import subprocess, sys, time\n"
        "grandchild = subprocess.Popen(['sleep', '300'])\n"
        "print(grandchild.pid, flush=True)\n"
        "time.sleep(300)\n"
    )
    lines = []
    outcome = run_limited(
        python(code),
        Limits(memory_bytes=1 * GiB, cpu_seconds=30, wall_seconds=2),
        on_line=lines.append,
    )
    assert outcome.stopped == "wall"
    grandchild = int(lines[0])
    gone_by = time.monotonic() + 10  # SIGKILL is delivered, not awaited
    while alive(grandchild) and time.monotonic() < gone_by:
        time.sleep(0.05)
    assert not alive(grandchild)


def alive(pid):
    """Running, as opposed to gone or a zombie waiting for a parent to read its status."""
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_stdout_lines_arrive_while_the_child_runs():
    seen = []
    code = "import time\nfor i in range(3):\n    print(i, flush=True)\n    time.sleep(0.2)\n"
    outcome = run_limited(
        python(code),
        Limits(memory_bytes=1 * GiB, cpu_seconds=30, wall_seconds=30),
        on_line=lambda line: seen.append((line, time.monotonic())),
    )
    assert outcome.ok
    assert [line for line, _when in seen] == [b"0", b"1", b"2"]
    assert seen[-1][1] - seen[0][1] > 0.2  # not all at the end


def test_a_profile_job_reports_its_progress_from_the_child(tmp_path):
    reports = []
    answer = run_isolated(
        "profile",
        {
            "source": str(files.AI4I),
            "folder": str(tmp_path),
            "sheet": "",
            "archive_limits": {"max_unpacked_bytes": GiB, "max_entries": 100},
            "table_limits": {"max_columns": 100, "max_line_bytes": 4096},
        },
        budget=JobBudget(memory_bytes=4 * GiB, cpu_seconds=300, wall_seconds=300),
        language="en",
        progress=lambda percent, message: reports.append((percent, message)),
    )
    assert answer["profile"]["rows"] == 10_000
    assert answer["readiness"]["score"] > 0
    assert reports[0] == (5, "Recognising the file")
    assert reports[-1] == (100, "Profile ready")
    assert [p for p, _m in reports] == sorted(p for p, _m in reports)


def test_a_profile_over_its_memory_budget_fails_with_the_memory_reason(world, settings):
    settings.ONESTOP_DATA_JOB_MEMORY_BYTES = 300 * 1024**2
    # A thread pool refused its memory can wait forever rather than fail: the wall ends it.
    settings.ONESTOP_DATA_JOB_WALL_SECONDS = 90
    check = uploaded_check(world.company_a, world.owner_a)
    assert check.status == "failed"
    with translation.override(check.language):
        assert check.error == str(jobs.OUT_OF_MEMORY) % {"limit": "300.0 MB"}
    assert check.profile is None  # nothing half-made is kept


def test_a_study_over_its_time_budget_fails_with_the_time_reason(world, settings):
    check = uploaded_check(world.company_a, world.owner_a, content=files.AI4I.read_bytes())
    settings.ONESTOP_DATA_JOB_WALL_SECONDS = 2  # the study takes several times longer
    study = studied(check, world.owner_a, target="Machine_failure")
    assert study.status == "failed"
    with translation.override(study.language):
        assert study.error == str(jobs.OUT_OF_TIME) % {"duration": jobs.duration(2)}
    with translation.override("en"):
        assert jobs.duration(2) == "2 seconds"
        assert jobs.duration(20 * 60) == "20 minutes"
    assert not study.model_sha256
    assert not list((check.folder / "models").glob("*"))  # nothing half-written is left


def test_a_failed_job_leaves_the_worker_able_to_run_the_next(world, settings):
    settings.ONESTOP_DATA_JOB_MEMORY_BYTES = 300 * 1024**2
    # A thread pool refused its memory can wait forever rather than fail: the wall ends it.
    settings.ONESTOP_DATA_JOB_WALL_SECONDS = 90
    uploaded_check(world.company_a, world.owner_a)
    settings.ONESTOP_DATA_JOB_MEMORY_BYTES = 4 * GiB
    check = uploaded_check(world.company_a, world.owner_a)
    assert check.status == "ready"
    assert DataCheck.objects.filter(status="failed").count() == 1


@pytest.mark.parametrize("how", ["ignored", "blocked"])
def test_a_cpu_burning_model_is_stopped_by_the_cpu_limit_well_before_the_wall(tmp_path, how):
    """A worker may start the validator with SIGXCPU ignored or blocked (both survive exec);
    the CPU limit must still stop a model whose Loop never ends, long before the wall."""
    model = onnx_files.endless_loop(tmp_path / "loop.onnx")
    if how == "ignored":
        previous = signal.signal(signal.SIGXCPU, signal.SIG_IGN)
    else:
        previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGXCPU})
    try:
        started = time.monotonic()
        report = validate_file(
            model, SandboxLimits(memory_bytes=2 * GiB, cpu_seconds=2, wall_seconds=60)
        )
        elapsed = time.monotonic() - started
    finally:
        if how == "ignored":
            signal.signal(signal.SIGXCPU, previous)
        else:
            signal.pthread_sigmask(signal.SIG_SETMASK, previous)
    assert report["accepted"] is False
    assert report["reason"] == "validation used more than 2 s of CPU and was stopped"
    # The wall is far: only the CPU limit can have stopped it this early, even on a busy host.
    assert elapsed < 30


def test_a_child_that_writes_past_its_file_budget_is_stopped_for_disk(tmp_path):
    target = tmp_path / "big.csv"
    outcome = run_limited(
        python(f"open({str(target)!r}, 'wb').write(b'x' * 5_000_000)"),
        Limits(memory_bytes=1 * GiB, cpu_seconds=30, wall_seconds=60, file_bytes=1_000_000),
    )
    assert outcome.stopped == "disk"
    assert target.stat().st_size <= 1_000_000


def test_a_profile_whose_workbook_writes_past_the_file_budget_fails_with_the_disk_reason(
    tmp_path,
):
    with pytest.raises(jobs.UnreadableFile) as refused, translation.override("en"):
        run_isolated(
            "profile",
            {
                "source": str(files.AI4I),
                "folder": str(tmp_path),
                "sheet": "",
                "archive_limits": {"max_unpacked_bytes": GiB, "max_entries": 100},
                "table_limits": {"max_columns": 100, "max_line_bytes": 4096},
            },
            budget=JobBudget(
                memory_bytes=4 * GiB, cpu_seconds=300, wall_seconds=300, file_bytes=100_000
            ),
            language="en",
        )
    with translation.override("en"):
        assert "needed to write a file larger than 97.7" in str(refused.value)


def test_a_data_job_has_no_database_address_and_no_network(tmp_path, monkeypatch):
    """The child reads a stranger's file: it gets neither the services' addresses nor a way
    out to the network."""
    monkeypatch.setenv("DATABASE_URL", "postgres://secret@db.internal/onestop")
    code = (
        "import os, socket, sys\n"
        "assert 'DATABASE_URL' not in os.environ\n"
        "try:\n"
        "    socket.create_connection(('127.0.0.1', 5432), timeout=2)\n"
        "except OSError:\n"
        "    sys.exit(0)\n"
        "sys.exit(3)\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in jobs.CHILD_WITHOUT}
    outcome = run_limited(
        python(code),
        Limits(memory_bytes=1 * GiB, cpu_seconds=30, wall_seconds=60, no_network=True),
        env=env,
    )
    assert outcome.returncode == 0, outcome.stderr


def test_a_thread_refused_its_stack_at_the_memory_budget_is_a_memory_stop():
    """Polars' allocator says so in its own words when the budget refuses a thread's stack;
    the job then fails with the memory reason, not as an unexpected error."""
    from onestop.sandbox import Limits, _budget_that_stopped

    limits = Limits(memory_bytes=300 * 1024**2, cpu_seconds=60, wall_seconds=90)
    stderr = "<jemalloc>: background thread creation failed (11)\n" * 3
    assert _budget_that_stopped(1, 0.5, stderr, limits) == "memory"
    assert _budget_that_stopped(1, 0.5, "Traceback: KeyError", limits) == ""
