"""Request tallies, the hot path of metering: each request adds to a per-process tally in
memory (a lock and a few additions), and a background thread writes the tallies to
``EndpointUsage`` minute rows every ``ONESTOP_METERING_FLUSH_SECONDS``. Rows from several
processes merge by adding, and the latency histogram has fixed buckets, so percentiles stay
correct after the merge. Reading the rows back is ``deployment.services.endpoint_usage``."""

import atexit
import bisect
import logging
import threading
import time
from datetime import UTC, datetime

from django.conf import settings
from django.db import IntegrityError, transaction

logger = logging.getLogger(__name__)

# Upper bounds of the latency buckets, in milliseconds; one more bucket holds the rest.
BUCKETS_MS = (0.5, 1, 2, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000)

_tallies = {}
_lock = threading.Lock()
_flusher = None


def record(endpoint_id, *, ok, latency_s, compute_s=0.0):
    """Count one request to ``endpoint_id``: answered (``ok``) or not, how long it took in all
    and how long the model ran."""
    minute = int(time.time()) // 60 * 60
    latency_ms = latency_s * 1000
    bucket = bisect.bisect_left(BUCKETS_MS, latency_ms)
    with _lock:
        tally = _tallies.get((endpoint_id, minute))
        if tally is None:
            tally = _tallies[(endpoint_id, minute)] = [0, 0, 0.0, [0] * (len(BUCKETS_MS) + 1), 0.0]
        tally[0] += 1
        tally[1] += 0 if ok else 1
        tally[2] += compute_s * 1000
        tally[3][bucket] += 1
        tally[4] += latency_ms
    if _flusher is None and settings.ONESTOP_METERING_FLUSH_SECONDS > 0:
        _start_flusher()


def flush():
    """Write every tally to the database; what cannot be written is kept for the next flush."""
    from deployment.models import Endpoint, EndpointUsage

    global _tallies
    with _lock:
        pending, _tallies = _tallies, {}
    if not pending:
        return 0
    failed = {}
    try:
        ids = {endpoint_id for endpoint_id, _minute in pending}
        existing = set(Endpoint.objects.filter(pk__in=ids).values_list("pk", flat=True))
    except Exception:  # the database is away: keep everything for the next flush
        logger.exception("metering flush failed; keeping the tallies")
        existing, failed = set(), dict(pending)
    for (endpoint_id, minute), tally in pending.items():
        if endpoint_id not in existing:
            continue  # the endpoint is gone (or the database is away, see above)
        try:
            _add(EndpointUsage, endpoint_id, minute, tally)
        except IntegrityError:
            continue  # the endpoint is gone: its last requests have nowhere to go
        except Exception:  # the database is away: try again next time
            logger.exception("metering flush failed; keeping the tallies")
            failed[(endpoint_id, minute)] = tally
    if failed:
        with _lock:
            for key, tally in failed.items():
                _tallies[key] = merge(_tallies.get(key), tally)
    return len(pending) - len(failed)


def discard():
    """Drop this process's unwritten tallies (a test run ending before its database goes)."""
    with _lock:
        _tallies.clear()


def _add(model, endpoint_id, minute, tally):
    start = datetime.fromtimestamp(minute, tz=UTC)
    with transaction.atomic():
        row, _created = model.objects.select_for_update().get_or_create(
            endpoint_id=endpoint_id, period=model.Period.MINUTE, start=start
        )
        row.requests += tally[0]
        row.errors += tally[1]
        row.compute_ms += tally[2]
        row.latency_buckets = add_buckets(row.latency_buckets, tally[3])
        row.latency_ms += tally[4]
        row.save(
            update_fields=["requests", "errors", "compute_ms", "latency_buckets", "latency_ms"]
        )


def merge(a, b):
    if a is None:
        return b
    return [a[0] + b[0], a[1] + b[1], a[2] + b[2], add_buckets(a[3], b[3]), a[4] + b[4]]


def add_buckets(a, b):
    size = len(BUCKETS_MS) + 1
    a = list(a or []) + [0] * (size - len(a or []))
    return [x + y for x, y in zip(a, list(b) + [0] * (size - len(b)), strict=True)]


def percentile(buckets, q):
    """The latency (ms) below which a share ``q`` of the requests fell, interpolated inside its
    bucket; None with no requests. The open last bucket reports its lower bound."""
    total = sum(buckets or [])
    if not total:
        return None
    rank = q * total
    seen = 0
    for index, count in enumerate(buckets):
        if count and seen + count >= rank:
            lower = BUCKETS_MS[index - 1] if index else 0.0
            if index >= len(BUCKETS_MS):
                return float(BUCKETS_MS[-1])
            return lower + (BUCKETS_MS[index] - lower) * (rank - seen) / count
        seen += count
    return float(BUCKETS_MS[-1])


def _start_flusher():
    global _flusher
    with _lock:
        if _flusher is not None:
            return
        _flusher = threading.Thread(target=_flush_forever, name="metering-flush", daemon=True)
    _flusher.start()
    atexit.register(flush_all)


def flush_all():
    """The tallies, then what model health observed (``deployment.health.observe``)."""
    from deployment.health import observe

    flush()
    observe.flush()


def _flush_forever():
    interval = settings.ONESTOP_METERING_FLUSH_SECONDS
    while True:
        time.sleep(interval)
        try:
            flush_all()
        except Exception:  # never let the flusher die: the next round retries
            logger.exception("metering flush failed")
        finally:
            from django.db import connection

            connection.close()
