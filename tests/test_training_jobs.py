"""Training jobs on a local GPU pool, through the real allocation engine and the real training
worker (a limited child process): a job borrows idle units, their owner takes them back, the
job stops at a checkpoint, waits, resumes from that checkpoint and ends with both forms of its
model in the company's private catalog."""

from datetime import timedelta
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from deployment.models import AllocationEvent, Grant, TrainingJob, Workload
from deployment.services import allocation
from deployment.services.training import local
from deployment.services.training.starting import training_start, training_stop
from diagnosis.services import datachecks
from tests import deployment_factories as make
from tests import factories

AI4I = Path(__file__).parent / "data" / "ai4i2020.csv"
LEAKS = {"TWF", "HDF", "PWF", "OSF", "RNF"}


@pytest.fixture
def plant(transactional_db, settings):
    settings.ONESTOP_TRAINING_STEPS = 10
    owner = factories.make_user("owner@plant.example", full_name="김공장")
    company = factories.make_company(name="대한정밀", owner=owner)
    upload = SimpleUploadedFile("ai4i2020.csv", AI4I.read_bytes())
    check = datachecks.data_check_create(company=company, user=owner, upload=upload)
    check.refresh_from_db()
    assert check.status == "ready", check.error
    return company, owner, check


@pytest.fixture
def gpu_pool(transactional_db):
    """Two H200 units on this server, both guaranteed to another company."""
    pool = make.pool(
        name="H200 local", flavor="nvidia-h200", purpose="training", capacity_units=2, local=True
    )
    lender = factories.make_company(name="한빛금속", owner=factories.make_user("lender@x.example"))
    now = timezone.now()
    allocation.grant_create(
        company=lender,
        pool=pool,
        guarantee_units=2,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=300),
    )
    return pool, lender


def reclaim_during_step(monkeypatch, lender, pool, at_step=1):
    """The lender asks for its guaranteed units while the job trains (at the report of
    ``at_step``), as its endpoint would."""
    real = local.progress_reporter
    taken = {}

    def reporter(job):
        report = real(job)

        def wrapped(percent, message, step=None, **extra):
            report(percent, message, step=step, **extra)
            if step is not None and step >= at_step and not taken:
                taken["workload"] = allocation.workload_submit(
                    company=lender, pool=pool, name="lender endpoint", kind="inference", units=2
                )

        return wrapped

    monkeypatch.setattr(local, "progress_reporter", reporter)
    return taken


def events(job):
    return [(e.action, e.reason) for e in AllocationEvent.objects.filter(workload=job.workload_id)][
        ::-1
    ]


def test_a_job_borrows_is_reclaimed_stops_at_a_checkpoint_and_resumes_from_it(
    plant, gpu_pool, monkeypatch
):
    company, owner, check = plant
    pool, lender = gpu_pool
    taken = reclaim_during_step(monkeypatch, lender, pool)

    job = training_start(
        check=check,
        user=owner,
        target="Machine_failure",
        family="forest",
        budget_unit_hours=10,
        units=2,
    )

    # The company had no GPU grant: it borrows under one of no guaranteed units.
    borrowing = Grant.objects.get(company=company, pool=pool)
    assert borrowing.guarantee_units == 0
    job.refresh_from_db()
    assert job.state == "waiting", job.error
    assert 1 <= job.step < job.steps  # stopped between two steps, not at the end
    stopped_at = job.step
    assert job.checkpoint_path.exists()
    assert f"{stopped_at}단계" in job.progress_message  # "… resumes from step n …"
    assert job.workload.state == Workload.State.QUEUED
    assert taken["workload"].state == Workload.State.RUNNING  # the owner got its units
    assert events(job) == [("admit", "borrow"), ("preempt", "reclaim")]
    # The cross-validated scores arrive before the fit ends.
    assert job.metrics["forest"]["roc_auc"] > job.metrics["dummy"]["roc_auc"]

    # The owner's work ends; the job is admitted again and resumes where it stopped.
    monkeypatch.undo()
    allocation.workload_finish(workload=taken["workload"])
    job.refresh_from_db()
    assert job.state == "ready", job.error
    assert job.runs == [0, stopped_at]
    assert job.resumed_from == stopped_at
    assert job.step == job.steps
    assert events(job)[-2:] == [("admit", "borrow"), ("finish", "")]
    assert job.used_unit_seconds > 0
    assert not job.folder.exists()  # checkpoints go once the model is made

    result = job.result
    assert {leak["column"] for leak in result["leaks"]} >= LEAKS
    assert result["scores"]["forest"]["roc_auc"] > result["scores"]["dummy"]["roc_auc"]
    assert result["model"]["onnx_check"]["matches"]
    assert result["model"]["npu_check"]["matches"]
    assert job.cpu_version.version == f"training-{job.pk}"
    # The profile of the rows it learnt from, for drift on its endpoints (never the rows).
    reference = job.cpu_version.reference
    assert reference["source"] == "training"
    assert reference["rows"] > 1000
    assert {f["name"] for f in reference["features"]} >= {"Torque [Nm]", "Type", "Tool wear [min]"}
    assert job.npu_version.version == f"training-{job.pk}-npu"
    job.npu_version.refresh_from_db()
    assert job.npu_version.state == "published", job.npu_version.reason
    assert {"rbln-atom", "furiosa-rngd"} <= set(job.npu_version.flavors)
    assert job.npu_version.family.company == company


def test_a_job_within_its_own_guarantee_runs_at_once_and_finishes(plant, transactional_db):
    company, owner, check = plant
    pool = make.pool(name="H200", flavor="nvidia-h200", purpose="training", local=True)
    now = timezone.now()
    allocation.grant_create(
        company=company,
        pool=pool,
        guarantee_units=1,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
    )
    job = training_start(
        check=check, user=owner, target="Machine_failure", family="trees", budget_unit_hours=1
    )
    job.refresh_from_db()
    assert job.state == "ready", job.error
    assert job.runs == [0]
    assert events(job) == [("admit", "guarantee"), ("finish", "")]
    assert Grant.objects.filter(company=company).count() == 1  # no borrowing grant needed


def test_a_stopped_job_says_who_stopped_it_and_gives_its_units_back(plant, gpu_pool):
    _company, owner, check = plant
    pool, lender = gpu_pool
    # Both units busy with the lender's own work: the job waits.
    busy = allocation.workload_submit(
        company=lender, pool=pool, name="lender endpoint", kind="inference", units=2
    )
    job = training_start(
        check=check, user=owner, target="Machine_failure", family="mlp", budget_unit_hours=5
    )
    assert job.state == "waiting"
    assert busy.state == "running"
    training_stop(job=job, user=owner)
    job.refresh_from_db()
    assert job.state == "stopped"
    assert "김공장" in job.error
    assert job.workload.state == Workload.State.DONE
    with pytest.raises(ValidationError):
        training_stop(job=job, user=owner)


def test_a_run_past_its_budget_fails_with_the_budget_named(plant, transactional_db):
    company, _owner, check = plant
    pool = make.pool(name="H200", flavor="nvidia-h200", purpose="training", local=True)
    now = timezone.now()
    allocation.grant_create(
        company=company,
        pool=pool,
        guarantee_units=1,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
    )
    workload = allocation.workload_submit(
        company=company, pool=pool, name="t", kind="training", units=1
    )
    job = TrainingJob.objects.create(
        company=company,
        data_check=check,
        target="Machine_failure",
        family="forest",
        budget_unit_hours=1,
        pool=pool,
        steps=10,
        step=3,
        state="running",
        attempt=1,
        run_started_at=now,
        used_unit_seconds=3600,  # the whole hour already used
        workload=workload,
    )
    local.training_run(job.pk, 1)
    job.refresh_from_db()
    assert job.state == "failed"
    assert "1" in job.error  # the budget, in unit-hours
    assert "3" in job.error  # the step of the last checkpoint
    assert "%" not in job.error
    workload.refresh_from_db()
    assert workload.state == Workload.State.DONE


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"target": "nope"}, "nope"),
        ({"target": "Product_ID"}, "Product_ID"),  # an identifier, not a target
        ({"budget_unit_hours": 0}, "1"),
        ({"family": "deep"}, ""),
        ({"units": 99}, "4"),
    ],
)
def test_bad_requests_are_refused_with_a_reason(plant, gpu_pool, fields, message):
    _company, owner, check = plant
    request = {
        "target": "Machine_failure",
        "family": "forest",
        "budget_unit_hours": 5,
        **fields,
    }
    with pytest.raises(ValidationError) as refused:
        training_start(check=check, user=owner, **request)
    assert message in refused.value.messages[0]
    assert not TrainingJob.objects.exists()


def test_without_a_gpu_pool_the_request_says_so(plant):
    _company, owner, check = plant
    with pytest.raises(ValidationError) as refused:
        training_start(
            check=check, user=owner, target="Machine_failure", family="forest", budget_unit_hours=1
        )
    assert "GPU" in refused.value.messages[0]


def test_a_job_larger_than_the_grant_lets_a_company_use_is_refused(plant, transactional_db):
    company, owner, check = plant
    pool = make.pool(name="H200", flavor="nvidia-h200", purpose="training", local=True)
    now = timezone.now()
    allocation.grant_create(
        company=company,
        pool=pool,
        guarantee_units=1,
        borrow_limit=1,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=30),
    )
    with pytest.raises(ValidationError) as refused:
        training_start(
            check=check, user=owner, target="Machine_failure", family="forest",
            budget_unit_hours=1, units=3,
        )  # fmt: skip
    assert "2" in refused.value.messages[0]
    assert not TrainingJob.objects.exists()


def started_run(company, check, pool, *, state="running", workload_state="running", **fields):
    """A job whose run the engine started (attempt 1), as the worker finds it."""
    workload = allocation.workload_submit(
        company=company, pool=pool, name="t", kind="training", units=1
    )
    Workload.objects.filter(pk=workload.pk).update(state=workload_state)
    return TrainingJob.objects.create(
        company=company, data_check=check, target="Machine_failure", family="forest",
        budget_unit_hours=1, pool=pool, steps=10, state=state, attempt=1,
        run_started_at=timezone.now(), workload=workload, **fields,
    )  # fmt: skip


def test_a_run_taken_back_before_its_worker_began_leaves_the_job_waiting(plant, gpu_pool):
    company, _owner, check = plant
    job = started_run(company, check, gpu_pool[0], state="stopping", workload_state="queued")
    assert local.training_run(job.pk, 1) is None  # nothing trained…
    job.refresh_from_db()
    assert job.state == "waiting"  # …and the job waits to be admitted again
    assert job.run_started_at is None


def test_a_local_run_lost_with_its_worker_waits_to_resume(plant, gpu_pool, settings):
    from deployment.services.preemptible import lost_runs_sweep

    company, _owner, check = plant
    job = started_run(company, check, gpu_pool[0], workload_state="queued", step=4)
    assert lost_runs_sweep() == 0  # still within the longest a run may last
    later = timezone.now() + timedelta(seconds=settings.ONESTOP_TRAINING_RUN_WALL_SECONDS + 901)
    assert lost_runs_sweep(now=later) == 1
    job.refresh_from_db()
    assert (job.state, job.step, job.run_started_at) == ("waiting", 4, None)


def test_an_expiring_data_check_stops_its_jobs_and_gives_their_units_back(plant, gpu_pool):
    _company, owner, check = plant
    pool, lender = gpu_pool
    allocation.workload_submit(company=lender, pool=pool, name="busy", kind="inference", units=2)
    job = training_start(
        check=check, user=owner, target="Machine_failure", family="forest", budget_unit_hours=1
    )
    workload = job.workload
    datachecks.data_checks_purge_expired(now=check.expires_at + timedelta(seconds=1))
    assert not TrainingJob.objects.filter(pk=job.pk).exists()  # gone with the check
    workload.refresh_from_db()
    assert workload.state == Workload.State.DONE
