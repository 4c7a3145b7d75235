"""Grants and workloads in the database run through the same engine: guarantees are admitted,
idle units are borrowed and taken back, grants never promise more than a pool has, and parallel
admissions on PostgreSQL never oversubscribe a pool or lose a request."""

import threading
from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections
from django.utils import timezone

from deployment.models import AllocationEvent, Workload
from deployment.services.allocation import grant_create, workload_finish, workload_submit
from tests import deployment_factories as make
from tests import factories


def window(days=30):
    now = timezone.now()
    return {"starts_at": now - timedelta(hours=1), "ends_at": now + timedelta(days=days)}


@pytest.fixture
def pool(db):
    return make.pool(flavor="nvidia-h200", name="H200", capacity_units=4, purpose="both")


def test_grants_never_promise_more_than_the_pool_has(world, pool):
    grant_create(company=world.company_a, pool=pool, guarantee_units=3, **window())
    with pytest.raises(ValidationError, match="1"):
        grant_create(company=world.company_b, pool=pool, guarantee_units=2, **window())
    with pytest.raises(ValidationError):
        grant_create(company=world.company_a, pool=pool, guarantee_units=1, **window())


def test_an_endpoint_is_admitted_within_its_guarantee_and_waits_without_one(world, pool):
    grant_create(company=world.company_a, pool=pool, guarantee_units=2, **window())
    serving = workload_submit(
        company=world.company_a, pool=pool, name="ep", kind="inference", units=2, priority=100
    )
    assert serving.state == "running"
    too_big = workload_submit(
        company=world.company_a, pool=pool, name="ep2", kind="inference", units=1, priority=100
    )
    assert too_big.state == "queued"  # inference never goes beyond the guarantee
    stranger = workload_submit(
        company=world.company_b, pool=pool, name="x", kind="training", units=1
    )
    assert stranger.state == "queued"  # no grant, no units
    assert AllocationEvent.objects.filter(
        workload=serving, action="admit", reason="guarantee"
    ).exists()


def test_idle_units_are_lent_and_taken_back_when_the_owner_needs_them(world, pool):
    grant_create(company=world.company_a, pool=pool, guarantee_units=3, **window())
    grant_create(company=world.company_b, pool=pool, guarantee_units=1, **window())
    job = workload_submit(
        company=world.company_b, pool=pool, name="train", kind="training", units=3
    )
    assert job.state == "running"  # borrowing two of a's idle units
    endpoint = workload_submit(
        company=world.company_a, pool=pool, name="ep", kind="inference", units=3, priority=100
    )
    job.refresh_from_db()
    assert endpoint.state == "running"
    assert job.state == "queued"
    assert job.preemptions == 1
    assert AllocationEvent.objects.filter(workload=job, action="preempt", reason="reclaim").exists()
    workload_finish(workload=endpoint)
    job.refresh_from_db()
    assert job.state == "running"  # readmitted as soon as the units are free


def test_running_work_stops_when_its_grant_has_ended(world, pool):
    grant = grant_create(company=world.company_a, pool=pool, guarantee_units=2, **window())
    job = workload_submit(
        company=world.company_a, pool=pool, name="train", kind="training", units=2
    )
    grant.ends_at = timezone.now() - timedelta(seconds=1)
    grant.save()
    workload_submit(company=world.company_b, pool=pool, name="other", kind="training", units=1)
    job.refresh_from_db()
    assert job.state == "queued"
    assert AllocationEvent.objects.filter(workload=job, reason="expiry").exists()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_admissions_never_oversubscribe_a_pool_or_get_lost():
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: set DATABASE_URL=postgres://…")
    pool = make.pool(flavor="nvidia-h200", name="H200 shared", capacity_units=8, purpose="both")
    companies = []
    for _n in range(6):
        owner = factories.make_user()
        company = factories.make_company(owner=owner)
        companies.append(company)
        grant_create(company=company, pool=pool, guarantee_units=1, **window())
    errors, barrier = [], threading.Barrier(24)

    def submit(n):
        try:
            barrier.wait(timeout=30)
            workload_submit(
                company=companies[n % len(companies)],
                pool=pool,
                name=f"job {n}",
                kind="inference" if n % 4 == 0 else "training",
                units=1 + n % 3,
                priority=100 if n % 4 == 0 else n % 3,
            )
        except Exception as exc:  # collected, then the test fails with it
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=submit, args=(n,)) for n in range(24)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    workloads = Workload.objects.filter(pool=pool)
    assert workloads.count() == 24  # none lost
    running = workloads.filter(state="running")
    assert sum(w.units for w in running) <= 8
    for workload in workloads:
        last = workload.events.order_by("-pk").first()
        if workload.state == "running":
            assert last.action == "admit"
        else:
            assert last is None or last.action == "preempt"
