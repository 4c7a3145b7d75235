"""Replay an `alloc-trace/1` through the allocation engine, hour by hour, and report in
`alloc-result/1` (docs/allocation.md#results). The engine is the one the portal's admissions
use; this module only feeds it the trace's events and counts."""

import hashlib
import math

from deployment.allocation.scheduler import INFERENCE, TRAINING, FlavorScheduler, Work


def simulate(trace, policy, file_name=None):
    horizon = trace.horizon_hours
    schedulers = {
        p["flavor"]: FlavorScheduler(p["flavor"], p["capacity"], policy) for p in trace.pools
    }
    kinds = {p["flavor"]: p["kind"] for p in trace.pools}
    works = [
        (
            r["flavor"],
            Work(
                id=r["id"],
                tenant=r["tenant"],
                units=r["units"],
                kind=r["kind"],
                priority=r["priority"],
                submit_hour=r["submit_hour"],
                duration_hours=r["duration_hours"],
                order=i,
            ),
        )
        for i, r in enumerate(trace.requests)
    ]
    arrivals = {}
    for flavor, work in works:
        arrivals.setdefault(work.submit_hour, []).append((flavor, work))
    grant_changes = {}
    for grant in trace.grants:
        for hour in (grant["start_hour"], grant["end_hour"]):
            if hour < horizon:
                grant_changes.setdefault(hour, set()).add((grant["tenant"], grant["flavor"]))
    grants_of = {}
    for grant in trace.grants:
        grants_of.setdefault((grant["tenant"], grant["flavor"]), []).append(grant)

    used_by_flavor = dict.fromkeys(schedulers, 0)
    guaranteed_by_flavor = dict.fromkeys(schedulers, 0)
    violations = waits = 0
    for hour in range(horizon):
        for scheduler in schedulers.values():
            finish(scheduler, hour)
        # Grants that end at h before grants that start at h: the active one is what counts.
        for tenant, flavor in sorted(grant_changes.get(hour, ())):
            grant = active_grant(grants_of[(tenant, flavor)], hour)
            if grant is None:
                schedulers[flavor].set_grant(tenant, active=False, hour=hour)
            else:
                schedulers[flavor].set_grant(
                    tenant,
                    grant["guarantee"],
                    grant.get("lend_limit"),
                    grant.get("borrow_limit"),
                    hour=hour,
                )
        for flavor, work in arrivals.get(hour, ()):
            schedulers[flavor].submit(work)
        for flavor, scheduler in schedulers.items():
            scheduler.schedule(hour)
            used_by_flavor[flavor] += scheduler.used
            guaranteed_by_flavor[flavor] += sum(
                t.limits.guarantee for t in scheduler.tenants.values() if t.limits.active
            )
            for _tenant, lent_out in scheduler.waiting_in_guarantee():
                waits += 1
                violations += lent_out
            for tenant in scheduler.tenants.values():
                for work in tenant.running:
                    work.hours_run += 1
                    work.remaining -= 1
    for scheduler in schedulers.values():
        finish(scheduler, horizon)
    return result(
        trace,
        policy,
        file_name,
        schedulers,
        kinds,
        works,
        used_by_flavor,
        guaranteed_by_flavor,
        violations,
        waits,
    )


def finish(scheduler, hour):
    for tenant in scheduler.tenants.values():
        for work in [w for w in tenant.running if w.remaining == 0]:
            scheduler.complete(work, hour)


def active_grant(grants, hour):
    return next((g for g in grants if g["start_hour"] <= hour < g["end_hour"]), None)


def result(trace, policy, file_name, schedulers, kinds, works, used, guaranteed, violations, waits):
    horizon = trace.horizon_hours
    capacity = {f: s.capacity * horizon for f, s in schedulers.items()}
    events = [e for s in schedulers.values() for e in s.events]
    preemptions = {"reclaim": 0, "own": 0, "expiry": 0}
    for event in events:
        if event.action == "preempt":
            preemptions[event.reason] += 1
    preemptions["total"] = sum(preemptions.values())
    states = {"completed": 0, "running": 0, "queued": 0}
    completed_by_kind = {INFERENCE: 0, TRAINING: 0}
    for _flavor, work in works:
        if work.state == "done":
            states["completed"] += 1
            completed_by_kind[work.kind] += 1
        elif work.state == "running":
            states["running"] += 1
        else:
            states["queued"] += 1
    by_kind = {}
    for flavor, kind in kinds.items():
        totals = by_kind.setdefault(kind, [0, 0])
        totals[0] += used[flavor]
        totals[1] += capacity[flavor]
    submitted = sum(w.units * min(w.duration_hours, horizon - w.submit_hour) for _f, w in works)
    # Read off the schedulers, not the works: a request neither done, running nor waiting in a
    # queue would be one the engine lost.
    in_queues = sum(len(t.queue) for s in schedulers.values() for t in s.tenants.values())
    bound = offered_bound(works, schedulers, horizon)
    return {
        "schema": "alloc-result/1",
        "policy": policy,
        "trace": {
            "sha256": hashlib.sha256(trace.raw).hexdigest(),
            "horizon_hours": horizon,
            "file": file_name,
            "pools": len(trace.pools),
            "grants": len(trace.grants),
            "requests": len(trace.requests),
        },
        "utilisation": {
            "overall": ratio(sum(used.values()), sum(capacity.values())),
            "by_kind": {kind: ratio(u, c) for kind, (u, c) in sorted(by_kind.items())},
            "by_flavor": {f: ratio(used[f], capacity[f]) for f in sorted(schedulers)},
        },
        "guarantee_violations": violations,
        "in_guarantee_wait_hours": waits,
        "requests": {
            "total": len(works),
            **states,
            "in_queues": in_queues,
            "accounted": states["completed"] + states["running"] + in_queues == len(works),
            "completed_by_kind": completed_by_kind,
        },
        "wait_hours": {
            kind: wait_stats([wait(w, horizon) for _f, w in works if w.kind == kind])
            for kind in (INFERENCE, TRAINING)
        },
        "preemptions": preemptions,
        "unit_hours": {
            "capacity": sum(capacity.values()),
            "allocated": sum(used.values()),
            "guaranteed": sum(guaranteed.values()),
            "submitted": submitted,
            "offered_bound": sum(bound.values()),
        },
        # Allocated ÷ the offered-demand bound: how close the policy came to serving what was
        # asked, where asked for at most what the pool holds in each hour.
        "bound_share": {
            "overall": ratio(sum(used.values()), sum(bound.values())),
            "by_kind": {
                kind: ratio(
                    sum(used[f] for f in kinds if kinds[f] == kind),
                    sum(bound[f] for f in kinds if kinds[f] == kind),
                )
                for kind in sorted(set(kinds.values()))
            },
            "by_flavor": {f: ratio(used[f], bound[f]) for f in sorted(schedulers)},
        },
        "flavors": {
            f: {
                "kind": kinds[f],
                "capacity": schedulers[f].capacity,
                "capacity_unit_hours": capacity[f],
                "allocated_unit_hours": used[f],
                "guaranteed_unit_hours": guaranteed[f],
                "utilisation": ratio(used[f], capacity[f]),
            }
            for f in sorted(schedulers)
        },
    }


def offered_bound(works, schedulers, horizon):
    """{flavor: unit-hours}: in each hour, the units every request would hold had it started
    the hour it was submitted and run without a break, capped by the pool's capacity. No
    policy that starts work only once it is asked for allocates more in that hour's terms."""
    demand = {flavor: [0] * horizon for flavor in schedulers}
    for flavor, work in works:
        hours = demand[flavor]
        for hour in range(work.submit_hour, min(work.submit_hour + work.duration_hours, horizon)):
            hours[hour] += work.units
    return {
        flavor: sum(min(units, schedulers[flavor].capacity) for units in hours)
        for flavor, hours in demand.items()
    }


def ratio(part, whole):
    return round(part / whole, 6) if whole else 0.0


def wait(work, horizon):
    end = work.finish_hour if work.state == "done" else horizon
    return min(end, horizon) - work.submit_hour - work.hours_run


def wait_stats(values):
    if not values:
        return {"n": 0, "mean": 0, "p50": 0, "p95": 0, "max": 0}
    ordered = sorted(values)

    def nearest(p):
        return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]

    return {
        "n": len(ordered),
        "mean": round(sum(ordered) / len(ordered), 4),
        "p50": nearest(50),
        "p95": nearest(95),
        "max": ordered[-1],
    }
