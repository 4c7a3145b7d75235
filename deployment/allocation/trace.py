"""Reading and checking an `alloc-trace/1` file (docs/allocation.md#traces). Every rule is
checked before a simulation starts; a broken trace gives one line that says what is wrong."""

import itertools
import json
from dataclasses import dataclass

from deployment.allocation.scheduler import INFERENCE, TRAINING


class TraceError(ValueError):
    """The trace breaks a rule of the format; the message is one line."""


@dataclass(frozen=True)
class Trace:
    horizon_hours: int
    pools: list
    grants: list
    requests: list
    raw: bytes


def integer(value, where, minimum=None):
    if type(value) is not int:  # JSON integers only: not floats, booleans or strings
        raise TraceError(f"{where} must be an integer, not {json.dumps(value)[:40]}")
    if minimum is not None and value < minimum:
        raise TraceError(f"{where} must be at least {minimum}, not {value}")
    return value


def text(value, where):
    if not isinstance(value, str) or not value:
        raise TraceError(f"{where} must be a non-empty string")
    return value


def entries(data, key):
    value = data.get(key, [] if key != "pools" else None)
    if not isinstance(value, list):
        raise TraceError(f"'{key}' must be a list")
    for i, item in enumerate(value):
        if not isinstance(item, dict):
            raise TraceError(f"{key}[{i}] must be an object")
    return value


def load(raw):
    try:
        data = json.loads(raw)
    except (UnicodeDecodeError, ValueError) as exc:
        raise TraceError(f"not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise TraceError("the trace must be a JSON object")
    if "format" in data and data["format"] != "alloc-trace/1":
        raise TraceError(
            f"unknown format {json.dumps(data['format'])[:40]}; expected alloc-trace/1"
        )
    horizon = integer(data.get("horizon_hours"), "horizon_hours", 1)
    pools = entries(data, "pools")
    if not pools:
        raise TraceError("'pools' must not be empty")
    flavors, pool_ids = {}, set()
    for i, pool in enumerate(pools):
        pool_id = text(pool.get("id"), f"pools[{i}].id")
        flavor = text(pool.get("flavor"), f"pools[{i}].flavor")
        if pool_id in pool_ids:
            raise TraceError(f"pool id '{pool_id}' appears twice")
        if flavor in flavors:
            raise TraceError(f"flavor '{flavor}' appears in more than one pool")
        if pool.get("kind") not in ("GPU", "NPU"):
            raise TraceError(f'pools[{i}].kind must be "GPU" or "NPU"')
        integer(pool.get("capacity"), f"pools[{i}].capacity", 0)
        pool_ids.add(pool_id)
        flavors[flavor] = pool
    grants = entries(data, "grants")
    for i, grant in enumerate(grants):
        where = f"grants[{i}]"
        text(grant.get("tenant"), f"{where}.tenant")
        if grant.get("flavor") not in flavors:
            raise TraceError(f"{where}.flavor '{grant.get('flavor')}' names no pool")
        g = integer(grant.get("guarantee"), f"{where}.guarantee", 0)
        if "lend_limit" in grant:
            lend = integer(grant["lend_limit"], f"{where}.lend_limit", 0)
            if lend > g:
                raise TraceError(f"{where}.lend_limit {lend} is above its guarantee {g}")
        if "borrow_limit" in grant:
            integer(grant["borrow_limit"], f"{where}.borrow_limit", 0)
        start = integer(grant.get("start_hour"), f"{where}.start_hour", 0)
        end = integer(grant.get("end_hour"), f"{where}.end_hour", 0)
        if end <= start:
            raise TraceError(f"{where} ends at hour {end}, not after its start {start}")
    check_overlaps(grants)
    check_capacity(grants, flavors)
    requests = entries(data, "requests")
    ids = set()
    for i, request in enumerate(requests):
        where = f"requests[{i}]"
        request_id = text(request.get("id"), f"{where}.id")
        if request_id in ids:
            raise TraceError(f"request id '{request_id}' appears twice")
        ids.add(request_id)
        text(request.get("tenant"), f"{where}.tenant")
        if request.get("flavor") not in flavors:
            raise TraceError(f"{where}.flavor '{request.get('flavor')}' names no pool")
        integer(request.get("units"), f"{where}.units", 1)
        if request.get("kind") not in (INFERENCE, TRAINING):
            raise TraceError(f'{where}.kind must be "inference" or "training"')
        submit = integer(request.get("submit_hour"), f"{where}.submit_hour", 0)
        if submit >= horizon:
            raise TraceError(f"{where}.submit_hour {submit} is not before the horizon {horizon}")
        integer(request.get("duration_hours"), f"{where}.duration_hours", 1)
        integer(request.get("priority"), f"{where}.priority")
    return Trace(horizon, pools, grants, requests, raw)


def check_overlaps(grants):
    by_owner = {}
    for i, grant in enumerate(grants):
        by_owner.setdefault((grant["tenant"], grant["flavor"]), []).append(
            (grant["start_hour"], grant["end_hour"], i)
        )
    for (tenant, flavor), spans in by_owner.items():
        spans.sort()
        for (_s1, end1, i1), (start2, _e2, i2) in itertools.pairwise(spans):
            if start2 < end1:
                raise TraceError(
                    f"grants[{i1}] and grants[{i2}] of '{tenant}' on '{flavor}' overlap in time"
                )


def check_capacity(grants, flavors):
    changes = {}
    for grant in grants:
        series = changes.setdefault(grant["flavor"], {})
        series[grant["start_hour"]] = series.get(grant["start_hour"], 0) + grant["guarantee"]
        series[grant["end_hour"]] = series.get(grant["end_hour"], 0) - grant["guarantee"]
    for flavor, series in changes.items():
        total = 0
        for hour in sorted(series):
            total += series[hour]
            if total > flavors[flavor]["capacity"]:
                raise TraceError(
                    f"at hour {hour} the guarantees on '{flavor}' sum to {total}, above its "
                    f"capacity {flavors[flavor]['capacity']}"
                )
