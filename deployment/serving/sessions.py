"""ONNX Runtime sessions, cached per process by artifact hash (least recently used evicted),
with thread counts set on purpose: one request is one run, and the server's concurrency comes
from its worker threads and processes, so each run gets `ONESTOP_SERVING_THREADS` intra-op
threads. The signature, and whether the model's run time is bounded by its input shapes
(``bounds``), are read once per session, not once per request."""

import logging
import math
import threading
from collections import OrderedDict
from dataclasses import dataclass, field

import numpy as np
from django.conf import settings

from deployment.serving.bounds import artifact_is_bounded

logger = logging.getLogger(__name__)
_cache = OrderedDict()
_lock = threading.Lock()


@dataclass(frozen=True)
class Served:
    session: object
    inputs: list
    outputs: list
    # No control flow and no operator whose work comes from a tensor's values: the event loop
    # may run it (see bounds.py). Decided once, when the session loads.
    bounded: bool = False
    # {input: elements in one row as validation timed it (free dimensions past the first
    # at 1)}: the yardstick for requests small enough to answer on the loop.
    row_sizes: dict = field(default_factory=dict)

    @property
    def batchable(self):
        """Requests can be stacked when every input's first dimension is free."""
        return all(arg.shape and not isinstance(arg.shape[0], int) for arg in self.inputs)


def served(version):
    """The session for a model version, with its signature, loaded and warmed on first use."""
    import onnxruntime as ort

    key = version.sha256
    with _lock:
        if key in _cache:
            _cache.move_to_end(key)
            return _cache[key]
    options = ort.SessionOptions()
    options.intra_op_num_threads = settings.ONESTOP_SERVING_THREADS
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(
        str(version.artifact_path), sess_options=options, providers=["CPUExecutionProvider"]
    )
    warm_up(session)
    inputs = session.get_inputs()
    entry = Served(
        session,
        inputs,
        session.get_outputs(),
        bounded=artifact_is_bounded(version.artifact_path),
        row_sizes={arg.name: math.prod(fixed_or_one(d) for d in arg.shape[1:]) for arg in inputs},
    )
    with _lock:
        _cache[key] = entry
        while len(_cache) > settings.ONESTOP_SERVING_SESSIONS:
            _cache.popitem(last=False)
    return entry


def preload():
    """Load and warm the models of the ready endpoints (the newest first, as many as the cache
    holds), so a serving process that starts or restarts answers its first calls warm.
    Returns how many it loaded; one that fails to load is left for its first request."""
    from django.db.models import Q

    from deployment.models import Endpoint

    ready = (
        Endpoint.objects.filter(state=Endpoint.State.READY)
        .filter(Q(pool__isnull=True) | Q(pool__cluster_dashboard_url=""))  # not on a cluster
        .select_related("version")
    )
    count = 0
    for endpoint in ready.order_by("-state_changed_at")[: settings.ONESTOP_SERVING_SESSIONS]:
        try:
            served(endpoint.version)
        except Exception:  # a broken artifact answers its own error when called
            logger.warning("could not preload %s", endpoint.name, exc_info=True)
        else:
            count += 1
    return count


def loaded(version):
    """Whether this process holds the version's session already (no load on the next call)."""
    return version.sha256 in _cache


def peek(version):
    """The version's ``Served`` if this process holds it already, else None; never loads."""
    return _cache.get(version.sha256)


def fixed_or_one(dimension):
    return dimension if isinstance(dimension, int) and dimension > 0 else 1


def warm_up(session):
    """One run on zeros, so the first client request does not pay for lazy initialisation."""
    feeds = {}
    for arg in session.get_inputs():
        shape = [d if isinstance(d, int) and d > 0 else 1 for d in arg.shape]
        kind = {
            "tensor(float)": np.float32,
            "tensor(double)": np.float64,
            "tensor(int64)": np.int64,
        }.get(arg.type)
        if kind is None:
            return
        feeds[arg.name] = np.zeros(shape, dtype=kind)
    try:
        session.run(None, feeds)
    except Exception:  # a model that needs real data to run still serves it
        return


def clear():
    with _lock:
        _cache.clear()
