"""Generate `alloc-trace/1` traces that behave like public accelerator programmes report
(docs/allocation.md#generated-traces): selected users who drop out, grants that start idle,
bursty training, daily inference cycles, staged release and quarterly reductions for low
users."""

import json
import random

HOURS_PER_DAY = 24
QUARTER_DAYS = 91
POOLS = [
    {"id": "gpu-h200", "flavor": "nvidia-h200", "kind": "GPU"},
    {"id": "npu-atom", "flavor": "rbln-atom", "kind": "NPU"},
    {"id": "npu-rngd", "flavor": "furiosa-rngd", "kind": "NPU"},
]
DROPOUT = 0.15  # selected, then never used (2025: ~310 H100 re-advertised)
IDLE_START_DAYS = (0, 60)  # median projects start slowly (NERSC: 0.5 % used by March)
INFERENCE_SHARE = 0.5  # companies that serve an endpoint on an NPU


def generate(seed=0, tenants=300, days=365):
    rng = random.Random(seed)
    horizon = days * HOURS_PER_DAY
    grants, requests = [], []
    guarantees = {p["flavor"]: 0 for p in POOLS}
    plans = []
    for n in range(tenants):
        tenant = f"t{n:04d}"
        trains = rng.random() < 0.8 or n % 2 == 0
        serves = rng.random() < INFERENCE_SHARE
        dropout = rng.random() < DROPOUT
        idle_days = rng.randint(*IDLE_START_DAYS)
        if trains:
            g = rng.choice([1, 2, 2, 4, 4, 8])
            plans.append((tenant, "nvidia-h200", g, dropout, idle_days, "training"))
            guarantees["nvidia-h200"] += g
        if serves:
            flavor = rng.choice(["rbln-atom", "furiosa-rngd"])
            g = rng.choice([1, 1, 2, 2, 4])
            plans.append((tenant, flavor, g, dropout, idle_days, "inference"))
            guarantees[flavor] += g
    # Capacity as the programme bought it: every guarantee fits, with a little unallocated.
    pools = [
        {**p, "capacity": guarantees[p["flavor"]] + max(2, guarantees[p["flavor"]] // 20)}
        for p in POOLS
    ]
    for tenant, flavor, g, dropout, idle_days, use in plans:
        grants += grant_series(rng, tenant, flavor, g, horizon, use, dropout)
        if dropout:
            continue
        start = idle_days * HOURS_PER_DAY
        if use == "training":
            requests += training_bursts(rng, tenant, flavor, g, start, horizon)
        else:
            requests += daily_inference(rng, tenant, flavor, g, start, horizon)
    requests.sort(key=lambda r: (r["submit_hour"], r["id"]))
    return {
        "format": "alloc-trace/1",
        "horizon_hours": horizon,
        "meta": {
            "generator": "onestop generate_allocation_trace",
            "seed": seed,
            "tenants": tenants,
            "days": days,
            "grants": len(grants),
            "requests": len(requests),
        },
        "pools": pools,
        "grants": grants,
        "requests": requests,
    }


def grant_series(rng, tenant, flavor, g, horizon, use, dropout):
    """Staged release (half at award, the rest after the first quarter's report), then a
    reduction for quarters of low use: consecutive grants, never overlapping."""
    first = max(1, g // 2) if g > 1 else g
    quarter = QUARTER_DAYS * HOURS_PER_DAY
    lend = None if rng.random() < 0.7 else max(0, g - 1)  # some keep a unit in reserve
    base = {"tenant": tenant, "flavor": flavor}
    if lend is not None:
        base["lend_limit"] = min(lend, first)
    series = [{**base, "guarantee": first, "start_hour": 0, "end_hour": min(quarter, horizon)}]
    if quarter >= horizon:
        return series
    later = g if not dropout else max(0, g // 5)  # use it or lose it: an 80 % cut
    entry = {**base, "guarantee": later, "start_hour": quarter, "end_hour": horizon}
    if "lend_limit" in entry:
        entry["lend_limit"] = min(entry["lend_limit"], later)
    if use == "training" and rng.random() < 0.3:
        entry["borrow_limit"] = g * 2
    series.append(entry)
    return series


def training_bursts(rng, tenant, flavor, g, start, horizon):
    """Experiments come in bursts: several jobs at once, then quiet weeks."""
    jobs, hour, n = [], start, 0
    while True:
        hour += rng.randint(2, 12) * HOURS_PER_DAY
        if hour >= horizon:
            return jobs
        for _ in range(rng.randint(1, 6)):
            jobs.append(
                {
                    "id": f"{tenant}-train-{n}",
                    "tenant": tenant,
                    "flavor": flavor,
                    "units": rng.choice([u for u in (1, 2, 4, 8) if u <= max(1, 2 * g)]),
                    "kind": "training",
                    "submit_hour": min(horizon - 1, hour + rng.randint(0, 12)),
                    "duration_hours": rng.randint(6, 168),
                    "priority": rng.choice([0, 5, 10]),
                }
            )
            n += 1


def daily_inference(rng, tenant, flavor, g, start, horizon):
    """An endpoint that serves the working day: up in the morning, down at night."""
    jobs, n = [], 0
    units = max(1, g - (1 if g > 2 and rng.random() < 0.5 else 0))
    for day in range(start // HOURS_PER_DAY, horizon // HOURS_PER_DAY):
        if day % 7 >= 5 and rng.random() < 0.8:
            continue  # most plants rest at the weekend
        jobs.append(
            {
                "id": f"{tenant}-serve-{n}",
                "tenant": tenant,
                "flavor": flavor,
                "units": units,
                "kind": "inference",
                "submit_hour": day * HOURS_PER_DAY + 8,
                "duration_hours": rng.choice([10, 12, 14]),
                "priority": 100,
            }
        )
        n += 1
    return jobs


def dumps(trace):
    return json.dumps(trace, ensure_ascii=False, separators=(",", ":"))
