"""Grants and workloads in the database, scheduled by the same engine the simulator runs.

Every change happens inside a transaction that holds the pool's row lock: the engine is built
from the pool's current grants and workloads, makes its decisions, and they are written back
with an event each, so parallel admissions can never oversubscribe a pool or lose a request."""

from functools import partial

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.allocation.scheduler import BORROW, FlavorScheduler, Work
from deployment.models import AllocationEvent, ComputePool, Endpoint, Grant, Workload
from onestop.services.audit import audit_record, audit_snapshot


def stamp(moment):
    """Engine time for a real moment: microseconds, so order is kept within an hour."""
    return int(moment.timestamp() * 1_000_000)


def locked(pool):
    return ComputePool.objects.select_for_update().get(pk=pool.pk)


def build(pool, now):
    scheduler = FlavorScheduler(pool.flavor, pool.capacity_units, BORROW)
    rows = {}
    for row in Workload.objects.filter(pool=pool).exclude(state=Workload.State.DONE).order_by("pk"):
        work = Work(
            id=str(row.pk),
            tenant=str(row.company_id),
            units=row.units,
            kind=row.kind,
            priority=row.priority,
            submit_hour=stamp(row.submitted_at),
            duration_hours=1,
            order=row.pk,
        )
        rows[work.id] = (row, work)
        if row.state == Workload.State.RUNNING:
            scheduler.restore_running(work, stamp(row.admitted_at))
        else:
            scheduler.submit(work)
    active = Grant.objects.filter(pool=pool, starts_at__lte=now, ends_at__gt=now)
    granted = set()
    for grant in active:
        granted.add(str(grant.company_id))
        scheduler.set_grant(
            str(grant.company_id),
            grant.guarantee_units,
            grant.lend_limit,
            grant.borrow_limit,
            hour=stamp(now),
        )
    for name in set(scheduler.tenants) - granted:
        scheduler.set_grant(name, active=False, hour=stamp(now))  # no grant: no units
    return scheduler, rows


def schedule(pool, now):
    """One round for the (locked) pool; decisions written back with their events."""
    scheduler, rows = build(pool, now)
    scheduler.schedule(stamp(now))
    for event in scheduler.events:
        row, _work = rows[event.work.id]
        if event.action == "admit":
            row.state, row.admitted_at = Workload.State.RUNNING, now
        else:
            row.state = Workload.State.QUEUED
            row.preemptions += 1
        row.save(update_fields=["state", "admitted_at", "preemptions"])
        AllocationEvent.objects.create(
            pool=pool,
            company_id=row.company_id,
            workload=row,
            action=event.action,
            reason=event.reason,
        )
        if row.kind == Workload.Kind.TRAINING:
            # The job behind the work starts or stops once the decision is committed.
            transaction.on_commit(partial(preemptible_moved, row.pk, event.action))
    return scheduler.events


def preemptible_moved(workload_id, action):
    from deployment.services.preemptible import workload_moved

    workload_moved(workload_id, action)


def workload_submit(*, company, pool, name, kind, units, priority=0, user=None):
    if units < 1:
        raise ValidationError(_("A workload needs at least one unit."))
    with transaction.atomic():
        pool = locked(pool)
        if units > pool.capacity_units:
            raise ValidationError(
                _("The pool has %(capacity)s units; no workload can hold %(units)s.")
                % {"capacity": pool.capacity_units, "units": units}
            )
        workload = Workload.objects.create(
            company=company, pool=pool, name=name, kind=kind, units=units, priority=priority
        )
        schedule(pool, timezone.now())
    workload.refresh_from_db()
    return workload


def workload_finish(*, workload):
    with transaction.atomic():
        pool = locked(workload.pool)
        workload.refresh_from_db()
        if workload.state == Workload.State.DONE:
            return workload
        workload.state, workload.finished_at = Workload.State.DONE, timezone.now()
        workload.save(update_fields=["state", "finished_at"])
        AllocationEvent.objects.create(
            pool=pool, company_id=workload.company_id, workload=workload, action="finish"
        )
        schedule(pool, timezone.now())
    return workload


def replicas_hold(*, endpoint, count):
    """Hold ``count`` inference workloads (replicas) for ``endpoint`` on its pool, admitted by the
    engine within the company's guarantee. Safe to call again: it adds only the missing ones
    and returns the endpoint's live replicas; any still queued could not be admitted. An
    endpoint that was stopped, failed or deleted meanwhile gets none."""
    with transaction.atomic():
        pool = locked(endpoint.pool)
        holding = (Endpoint.State.PROVISIONING, Endpoint.State.READY)
        if not Endpoint.objects.filter(pk=endpoint.pk, state__in=holding).exists():
            return list(endpoint.replicas.exclude(state=Workload.State.DONE).order_by("pk"))
        live = list(endpoint.replicas.exclude(state=Workload.State.DONE).order_by("pk"))
        for index in range(len(live), count):
            live.append(
                Workload.objects.create(
                    company_id=endpoint.company_id,
                    pool=pool,
                    name=f"{endpoint.name} #{index + 1}",
                    kind=Workload.Kind.INFERENCE,
                    units=endpoint.units_per_replica,
                    endpoint=endpoint,
                )
            )
        schedule(pool, timezone.now())
    return list(endpoint.replicas.exclude(state=Workload.State.DONE).order_by("pk"))


def replicas_release(*, endpoint, keep=0, only_queued=False):
    """Finish the endpoint's replicas beyond the first ``keep`` (newest first), or just the ones
    still waiting; the freed units go to whoever waits on the pool."""
    with transaction.atomic():
        pool = locked(endpoint.pool)
        live = endpoint.replicas.exclude(state=Workload.State.DONE).order_by("pk")
        doomed = [w for w in live if w.state == Workload.State.QUEUED] if only_queued else []
        if not only_queued:
            doomed = list(live)[keep:]
        now = timezone.now()
        for workload in doomed:
            workload.state, workload.finished_at = Workload.State.DONE, now
            workload.save(update_fields=["state", "finished_at"])
            AllocationEvent.objects.create(
                pool=pool, company_id=workload.company_id, workload=workload, action="finish"
            )
        if doomed:
            schedule(pool, now)
    return len(doomed)


def grant_create(*, company, pool, guarantee_units, starts_at, ends_at, user=None, **limits):
    """A guarantee, if the pool's guarantees in that window still fit its capacity."""
    with transaction.atomic():
        pool = locked(pool)
        overlapping = Grant.objects.filter(pool=pool, starts_at__lt=ends_at, ends_at__gt=starts_at)
        if overlapping.filter(company=company).exists():
            raise ValidationError(
                _("This company already has a grant on this pool in that period.")
            )
        promised = overlapping.aggregate(total=Sum("guarantee_units"))["total"] or 0
        if promised + guarantee_units > pool.capacity_units:
            raise ValidationError(
                _(
                    "Only %(free)s of the pool's %(capacity)s units are not yet guaranteed in "
                    "that period."
                )
                % {"free": max(0, pool.capacity_units - promised), "capacity": pool.capacity_units}
            )
        grant = Grant(
            company=company,
            pool=pool,
            guarantee_units=guarantee_units,
            starts_at=starts_at,
            ends_at=ends_at,
            **limits,
        )
        grant.full_clean()
        grant.save()
        audit_record(
            action="grant.create",
            target=grant,
            actor=user,
            after=audit_snapshot(grant),
            company=company,
        )
        schedule(pool, timezone.now())
    return grant
