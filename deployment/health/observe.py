"""What each answered request adds to its endpoint's health, kept off the hot path: the request
only appends references to its arrays to a per-process list (a lock and an append); the
metering flusher (``serving.tallies``) then bins them against the model's reference into
hourly ``EndpointSketch`` rows and writes ``PredictionRecord`` rows for requests with an id.

A model with no reference (a vendor's upload) takes its first ``BASELINE_ROWS`` requests as
its reference, kept as bins in ``HealthWatch.reference``, never as rows."""

import logging
import threading
import time
from datetime import UTC, datetime

import numpy as np
from django.db import IntegrityError, transaction

from deployment.health import forwarded
from deployment.health.records import insert_predictions
from deployment.health.reference import add_counts, bin_counts, build_profile

logger = logging.getLogger(__name__)

# Past this many requests waiting for a flush, further requests are not observed until the
# next one (metering still counts them): a burst cannot grow the process without bound.
MAX_PENDING = 50_000
# A request whose inputs hold more than this many values is not observed: a sketch reads at
# most MAX_POSITIONS values per row, so a bigger one is an image or a bulk request whose
# arrays would only swell the pending list.
MAX_VALUES = 64 * 1024
# Answers kept for labels per request: a bulk request of many rows keeps its first ones.
MAX_RECORDS_PER_REQUEST = 1_000
# Distinct answers counted per hour; the rest are "other" (an id-like output would not end).
MAX_LABELS = 50
BASELINE_ROWS = 1_000
# The flush runs in the serving process, beside the event loop, and reads tens of thousands
# of requests in Python. Left to the interpreter, it would hand the GIL to the loop only every
# 5 ms (sys.getswitchinterval()), holding every tenant's requests for as long as the flush
# lasts; it lets the loop in after every this many requests (well under a millisecond).
YIELD_EVERY = 64
REQUEST_ID_MAX = 128
# Room for "#<row>" after an id, inside the column's 128 characters.
REQUEST_ID_BASE_MAX = REQUEST_ID_MAX - 1 - len(str(MAX_RECORDS_PER_REQUEST))

# And past this many bytes of inputs (or of forwarded bodies and answers) waiting.
MAX_PENDING_BYTES = 64 * 1024 * 1024
# A forwarded request or answer bigger than this is not kept for reading at the flush.
MAX_FORWARDED_BYTES = 1024 * 1024
# Marks a pending request answered on the pool's cluster: its "feeds" are the raw bytes.
FORWARDED = "forwarded"

_pending = []
_pending_bytes = 0
_lock = threading.Lock()
_flush_lock = threading.Lock()
_baselines = {}  # endpoint id -> [matrices] until BASELINE_ROWS rows are seen
stats = {"dropped": 0}


def record(endpoint_id, model, feeds, names, results, request_id):
    """Remember one answered request of ``endpoint_id`` for the next flush."""
    if sum(getattr(array, "size", MAX_VALUES) for array in feeds.values()) > MAX_VALUES:
        return
    size = sum(getattr(array, "nbytes", 0) for array in feeds.values())
    _remember((endpoint_id, time.time(), model, feeds, names, results, request_id, size))


def record_forwarded(endpoint_id, body, binary_header, payload, binary_length):
    """Remember one request a replica on the pool's cluster answered, as the bytes that went
    there and came back: the flush reads them (``forwarded``), not the request thread."""
    if len(body) > MAX_FORWARDED_BYTES or len(payload) > MAX_FORWARDED_BYTES:
        return
    raw = (body, binary_header, payload, binary_length)
    size = len(body) + len(payload)
    _remember((endpoint_id, time.time(), FORWARDED, raw, None, None, None, size))


def _remember(item):
    global _pending_bytes
    with _lock:
        if len(_pending) >= MAX_PENDING or _pending_bytes + item[-1] > MAX_PENDING_BYTES:
            stats["dropped"] += 1
            return
        _pending.append(item)
        _pending_bytes += item[-1]


def discard():
    global _pending_bytes
    with _lock:
        _pending.clear()
        _pending_bytes = 0
        _baselines.clear()


def flush(endpoint_id=None):
    """Write what was observed since the last flush (only ``endpoint_id``'s requests when
    given: a caller's labels wait for its own answers, not for every tenant's); returns the
    requests written. One flush at a time: the request thread's and the metering thread's
    share the baselines being learnt and the hour rows being merged."""
    global _pending, _pending_bytes
    with _lock:
        if endpoint_id is None:
            pending, _pending = _pending, []
        else:
            pending = [item for item in _pending if item[0] == endpoint_id]
            _pending = [item for item in _pending if item[0] != endpoint_id]
        _pending_bytes -= sum(item[-1] for item in pending)
    if not pending:
        return 0
    with _flush_lock:
        try:
            return write_pending(pending)
        finally:
            release(pending)


def write_pending(pending):
    from deployment.models import Endpoint

    ids = {item[0] for item in yielding(pending)}
    endpoints = {
        e.pk: e
        for e in Endpoint.objects.filter(pk__in=ids).select_related("version", "health_watch")
    }
    by_endpoint = {}
    for item in yielding(pending):
        if item[0] in endpoints:
            by_endpoint.setdefault(item[0], []).append(item)
    written = 0
    for endpoint_id, items in by_endpoint.items():
        try:
            written += flush_endpoint(endpoints[endpoint_id], items)
        except IntegrityError:
            continue  # the endpoint went away meanwhile
        except Exception:
            logger.exception("model health flush failed for endpoint %s", endpoint_id)
        finally:
            release(items)
    return written


def flush_endpoint(endpoint, items):
    """Bin one endpoint's pending requests hour by hour, all rows of an hour at once (one
    ``searchsorted`` per input, not one per request), and keep the answers of those with ids."""
    profile = reference_of(endpoint)
    keep_rows = watch_of(endpoint).keep_rows if has_watch(endpoint) else False
    hours, records, recorded = {}, [], set()
    for _id, at, model, feeds, names, results, request_id, _size in yielding(items):
        if model == FORWARDED:
            model = forwarded.signature_of(endpoint.version)
            read = forwarded.read(model, *feeds)
            if read is None:
                continue
            feeds, names, results, request_id = read
        matrix = input_matrix(model, feeds)
        answers = prediction_columns(model, names, results)
        if profile is None and matrix is not None:
            profile = learn_baseline(endpoint, matrix)
        hour = hours.setdefault(int(at) // 3600 * 3600, {"rows": 0, "matrices": [], "answers": []})
        hour["rows"] += matrix.shape[0] if matrix is not None else len(answers[0]) if answers else 0
        if matrix is not None:
            hour["matrices"].append(matrix)
        if answers:
            hour["answers"].append(answers[0])
            if request_id and len(request_id) <= REQUEST_ID_BASE_MAX:
                records.extend(
                    prediction_records(
                        endpoint, at, request_id, answers, matrix, keep_rows, recorded
                    )
                )
    key = (profile or {}).get("key", "")
    for start, hour in hours.items():
        write_sketch(endpoint, start, key, hour_sketch(profile, hour))
        release(hour["matrices"])
        release(hour["answers"])
    if records:
        insert_predictions(records, pause=lambda: time.sleep(0))
        release(records)
    return len(items)


def hour_sketch(profile, hour):
    sketch = {"rows": hour["rows"], "inputs": [], "predictions": {}}
    widest = widest_position(profile) if profile else None
    matrices = [m for m in yielding(hour["matrices"]) if widest is not None and m.shape[1] > widest]
    widths = {m.shape[1] for m in matrices}
    if matrices and len(widths) == 1:
        sketch["inputs"] = bin_counts(profile, stacked(matrices))
    answers = hour["answers"]
    kinds = {is_label(a) for a in answers}
    if answers and len(kinds) == 1:
        sketch["predictions"] = prediction_sketch(np.concatenate(answers))
    return sketch


def has_watch(endpoint):
    try:
        return endpoint.health_watch is not None
    except Exception:  # RelatedObjectDoesNotExist: no settings yet
        return False


def watch_of(endpoint):
    from deployment.models import HealthWatch

    if has_watch(endpoint):
        return endpoint.health_watch
    watch, _created = HealthWatch.objects.get_or_create(endpoint=endpoint)
    return watch


def reference_of(endpoint):
    """The profile requests are compared with: the model's own, else the first requests'."""
    if endpoint.version.reference:
        return endpoint.version.reference
    learnt = endpoint.health_watch.reference if has_watch(endpoint) else None
    # Learnt from another version's requests (before a roll): a new one is learnt.
    if learnt and learnt.get("version") == endpoint.version_id:
        return learnt
    return None


def learn_baseline(endpoint, matrix):
    """Collect the first requests' inputs; once there are enough, their profile becomes the
    endpoint's reference (the first process to get there wins, the others read it)."""
    from deployment.models import HealthWatch

    seen = _baselines.setdefault(endpoint.pk, [])
    seen.append(matrix)
    if sum(m.shape[0] for m in seen) < BASELINE_ROWS:
        return None
    try:
        stacked = np.vstack(seen)
    except ValueError:  # rows of different widths: not one model's inputs
        _baselines.pop(endpoint.pk, None)
        return None
    _baselines.pop(endpoint.pk, None)
    profile = build_profile(stacked, endpoint.version.input_columns, source="traffic")
    if not profile:
        return None
    profile["version"] = endpoint.version_id
    watch = watch_of(endpoint)
    watch.refresh_from_db(fields=["reference"])
    if (watch.reference or {}).get("version") != endpoint.version_id:
        HealthWatch.objects.filter(pk=watch.pk).update(reference=profile)
        watch.reference = profile
    endpoint.health_watch = watch
    return watch.reference


def widest_position(profile):
    """The last input position the profile reads: a matrix must be wider than it."""
    return max((max(f["positions"]) for f in profile["features"]), default=-1)


def yielding(items):
    """``items``, handing the GIL to the serving loop every YIELD_EVERY of them."""
    for index, item in enumerate(items):
        if index % YIELD_EVERY == 0:
            time.sleep(0)
        yield item


def release(items):
    """Empty the list a block at a time: dropping tens of thousands of requests' arrays at once
    frees them all in one go, which held the GIL for about 50 ms."""
    while items:
        del items[-YIELD_EVERY * 16 :]
        time.sleep(0)


def stacked(matrices):
    """``np.vstack`` a block at a time, for the same reason (one call over 50,000 requests took
    about 15 ms)."""
    block = YIELD_EVERY * 16
    parts = []
    for start in range(0, len(matrices), block):
        parts.append(np.vstack(matrices[start : start + block]))
        time.sleep(0)
    return np.vstack(parts)


def input_matrix(model, feeds):
    """The request's inputs as rows × positions, in the model's input order; None when they
    do not line up as rows (or are too wide, text, or not numbers)."""
    try:
        arrays = [feeds[arg.name] for arg in model.inputs]
        if not arrays or arrays[0].ndim == 0:
            return None
        rows = arrays[0].shape[0]
        if not rows or any(
            a.ndim == 0 or a.shape[0] != rows or a.dtype.kind not in "biuf" for a in arrays
        ):
            return None
        matrix = np.hstack([a.reshape(rows, -1) for a in arrays]).astype(np.float64)
    except (KeyError, ValueError, TypeError):
        return None
    return matrix if matrix.shape[1] <= 64 else None


def prediction_columns(model, names, results):
    """(answers, scores): the model's first output per row, and the positive class's
    probability per row when a two-column probability output was returned; None if the first
    output was not asked for."""
    outputs = results if isinstance(results, dict) else dict(zip(names, results, strict=False))
    first = model.outputs[0].name if model.outputs else None
    answer = outputs.get(first)
    if answer is None:
        return None
    answer = np.asarray(answer)
    if answer.ndim == 0:
        return None
    if answer.ndim > 1:
        answer = answer.reshape(answer.shape[0], -1)[:, 0]
    scores = None
    for arg in model.outputs[1:]:
        value = outputs.get(arg.name)
        if isinstance(value, np.ndarray) and value.ndim == 2 and value.shape == (len(answer), 2):
            scores = value[:, 1].astype(np.float64)
            break
    return answer, scores


def text_of(value):
    """A label as text, so 1, 1.0, True and "1" compare equal."""
    if isinstance(value, bytes):
        value = value.decode("utf-8", "replace")
    if isinstance(value, bool | np.bool_):
        return "1" if value else "0"
    if isinstance(value, int | np.integer):
        return str(int(value))[:64]
    if isinstance(value, float | np.floating):
        value = float(value)
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return repr(value)[:64]
    text = str(value)[:64]
    return BOOLEAN_WORDS.get(text.strip().lower(), text)


# A caller's "true"/"false" is the same answer as a yes/no model's 1/0.
BOOLEAN_WORDS = {"true": "1", "false": "0"}


def number_of(value):
    try:
        number = float(value)
    except (TypeError, ValueError, OverflowError):
        return None
    return number if np.isfinite(number) else None


def is_label(answer):
    return answer.dtype.kind in "biuOSU"


def prediction_sketch(answer):
    if is_label(answer):
        labels = {}
        for value in answer.tolist():
            key = text_of(value)
            labels[key] = labels.get(key, 0) + 1
        return {"labels": capped(labels)}
    values = answer.astype(np.float64)
    values = values[np.isfinite(values)]
    if not values.size:
        return {}
    return {
        "n": int(values.size),
        "sum": float(values.sum()),
        "sumsq": float((values**2).sum()),
        "min": float(values.min()),
        "max": float(values.max()),
    }


def capped(labels):
    """The MAX_LABELS commonest answers, the rest summed as "…"."""
    if len(labels) <= MAX_LABELS:
        return labels
    ranked = sorted(labels.items(), key=lambda item: -item[1])
    kept = dict(ranked[: MAX_LABELS - 1])
    kept["…"] = sum(n for _k, n in ranked[MAX_LABELS - 1 :])
    return kept


def merge_predictions(a, b):
    if not a:
        return dict(b)
    if not b:
        return dict(a)
    if "labels" in a or "labels" in b:
        labels = dict(a.get("labels", {}))
        for key, n in b.get("labels", {}).items():
            labels[key] = labels.get(key, 0) + n
        return {"labels": capped(labels)}
    return {
        "n": a["n"] + b["n"],
        "sum": a["sum"] + b["sum"],
        "sumsq": a["sumsq"] + b["sumsq"],
        "min": min(a["min"], b["min"]),
        "max": max(a["max"], b["max"]),
    }


def prediction_records(endpoint, at, request_id, answers, matrix, keep_rows, recorded):
    """The records of one request's answers, but none under an id already in ``recorded`` (the
    ids this flush has records for, added to): the database keeps the first answer under an id
    and refuses the rest, so a client that reuses one id costs no record per request. Plain
    tuples for ``records.insert_predictions``."""
    answer, scores = answers
    moment = datetime.fromtimestamp(at, tz=UTC)
    many = len(answer) > 1
    records = []
    for index, value in enumerate(answer[:MAX_RECORDS_PER_REQUEST].tolist()):
        # Each row of a request of several rows is labelled as "id#row".
        row_id = f"{request_id}#{index}" if many else request_id
        if row_id in recorded:
            continue
        recorded.add(row_id)
        records.append(
            (
                endpoint.pk,
                row_id,
                moment,
                text_of(value),
                number_of(value),
                number_of(scores[index]) if scores is not None else None,
                matrix[index].tolist() if keep_rows and matrix is not None else None,
            )
        )
    return records


def write_sketch(endpoint, hour, key, sketch):
    from deployment.models import EndpointSketch

    start = datetime.fromtimestamp(hour, tz=UTC)
    with transaction.atomic():
        row, _created = EndpointSketch.objects.select_for_update().get_or_create(
            endpoint=endpoint, start=start, reference_key=key
        )
        row.rows += sketch["rows"]
        if sketch["inputs"]:
            row.inputs = add_counts(row.inputs, sketch["inputs"])
        row.predictions = merge_predictions(row.predictions, sketch["predictions"])
        row.save(update_fields=["rows", "inputs", "predictions"])
