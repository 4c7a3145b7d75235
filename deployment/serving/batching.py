"""Dynamic batching, per endpoint and per process, off unless ``batch_max_size`` > 1.

Validated requests wait in the endpoint's queue; one dispatcher thread takes the oldest and
every compatible one behind it (same inputs, same shapes past the batch axis) up to
``batch_max_size`` rows, waiting at most ``batch_max_delay_ms`` after the oldest arrived for
more, runs them as one ONNX Runtime call and hands each request its own rows of every output.
While a batch runs the next one gathers, so batches form under load even with no delay.

1. A request that fails validation never gets here (the view answers 400 first).
2. The deadline counts from when a request is queued: one that waited past it is answered
   504 without running; a batch run is stopped at the earliest deadline of its members.
3. A batch run that fails, or whose outputs do not split by rows, is rerun one request at a
   time, so each request gets its own answer or its own error.
"""

import threading
import time
from collections import deque

import numpy as np

from deployment.serving import deadlines

IDLE_SECONDS = 60  # a dispatcher with nothing to do this long ends; the next request restarts it
GRACE_SECONDS = 5  # how much longer than its deadline a request waits for the dispatcher

_batchers = {}
_lock = threading.Lock()


def run(endpoint, served, feeds, names):
    """(results or error message, seconds of model time charged to this request, requests in
    the run) for one validated request to a batching endpoint."""
    config = (
        endpoint.version.sha256,
        endpoint.batch_max_size,
        endpoint.batch_max_delay_ms,
        endpoint.deadline_ms,
    )
    with _lock:
        batcher = _batchers.get(endpoint.pk)
        if batcher is None or batcher.config != config:
            batcher = _batchers[endpoint.pk] = Batcher(served, *config[1:], config=config)
    return batcher.submit(feeds, names)


class Request:
    __slots__ = (
        "arrived", "compute_s", "deadline", "done", "feeds", "key", "names", "result", "rows",
        "size",
    )  # fmt: skip

    def __init__(self, feeds, names, deadline_s):
        self.feeds, self.names = feeds, names
        self.arrived = time.monotonic()
        self.deadline = self.arrived + deadline_s
        self.done = threading.Event()
        self.result, self.compute_s, self.size = None, 0.0, 1
        rows = {array.shape[0] if array.ndim else None for array in feeds.values()}
        # Requests stack only with others of the same inputs, types and shapes past axis 0.
        self.rows = rows.pop() if len(rows) == 1 else None
        self.key = None
        if self.rows is not None:
            self.key = tuple(
                (name, array.dtype.str, array.shape[1:]) for name, array in sorted(feeds.items())
            )

    def answer(self, result, compute_s, size):
        self.result, self.compute_s, self.size = result, compute_s, size
        self.done.set()


class Batcher:
    def __init__(self, served, max_size, max_delay_ms, deadline_ms, *, config):
        self.served, self.config = served, config
        self.max_size, self.max_delay = max_size, max_delay_ms / 1000
        self.deadline_ms = deadline_ms
        self.names = [arg.name for arg in served.outputs]
        self.queue = deque()
        self.wake = threading.Condition()
        self.running = False
        self.runs = self.requests = 0  # observable: requests ÷ runs is the mean batch

    def submit(self, feeds, names):
        request = Request(feeds, names, self.deadline_ms / 1000)
        with self.wake:
            self.queue.append(request)
            if not self.running:
                self.running = True
                threading.Thread(target=self.dispatch, name="batcher", daemon=True).start()
            self.wake.notify()
        if not request.done.wait(self.deadline_ms / 1000 + GRACE_SECONDS):
            return deadlines.expired_message(self.deadline_ms), 0.0, 1
        return request.result, request.compute_s, request.size

    def dispatch(self):
        while True:
            with self.wake:
                if not self.wake.wait_for(lambda: self.queue, IDLE_SECONDS):
                    self.running = False
                    return
                self.gather()
                batch = self.take()
            try:
                self.execute(batch)
            except Exception as exc:  # never leave a caller waiting
                for request in batch:
                    if not request.done.is_set():
                        fault = deadlines.ServerFault(f"the batch could not run: {exc}")
                        request.answer(fault, 0.0, len(batch))

    def gather(self):
        """Wait, up to the delay after the oldest request arrived, for a full batch."""
        if not self.max_delay:
            return
        flush_at = self.queue[0].arrived + self.max_delay
        while sum(r.rows or 0 for r in self.queue) < self.max_size:
            left = flush_at - time.monotonic()
            if left <= 0 or not self.wake.wait(left):
                return

    def take(self):
        """The oldest request and the compatible ones behind it that fit, in arrival order."""
        first = self.queue.popleft()
        batch, rows, kept = [first], first.rows or 0, deque()
        while self.queue and first.key is not None and rows < self.max_size:
            request = self.queue.popleft()
            if request.key == first.key and rows + request.rows <= self.max_size:
                batch.append(request)
                rows += request.rows
            else:
                kept.append(request)
        kept.extend(self.queue)
        self.queue = kept
        return batch

    def execute(self, batch):
        now = time.monotonic()
        live = []
        for request in batch:
            if request.deadline <= now:
                request.answer(deadlines.expired_message(self.deadline_ms), 0.0, 1)
            else:
                live.append(request)
        if len(live) == 1:
            self.alone(live[0])
        elif live:
            self.together(live)

    def alone(self, request):
        started = time.perf_counter()
        result = deadlines.run(
            self.served.session,
            request.feeds,
            request.names,
            request.deadline - time.monotonic(),
            self.deadline_ms,
        )
        self.runs, self.requests = self.runs + 1, self.requests + 1
        request.answer(result, time.perf_counter() - started, 1)

    def together(self, batch):
        feeds = {name: np.concatenate([r.feeds[name] for r in batch]) for name in batch[0].feeds}
        total = max(sum(r.rows for r in batch), 1)
        started = time.perf_counter()
        results = deadlines.run(
            self.served.session,
            feeds,
            self.names,
            min(r.deadline for r in batch) - time.monotonic(),
            self.deadline_ms,
        )
        seconds = time.perf_counter() - started
        if isinstance(results, deadlines.Expired):
            for request in batch:
                request.answer(results, seconds * request.rows / total, len(batch))
            return
        if isinstance(results, str) or any(
            np.ndim(value) == 0 or len(value) != total for value in results.values()
        ):
            for request in batch:  # a failed run or outputs not by row: each on its own
                self.alone(request)
            return
        self.runs, self.requests = self.runs + 1, self.requests + len(batch)
        start = 0
        for request in batch:
            end = start + request.rows
            own = {name: results[name][start:end] for name in request.names}
            request.answer(own, seconds * request.rows / total, len(batch))
            start = end


def stats():
    """{endpoint id: (model runs, requests)} in this process, for tests and operators."""
    with _lock:
        return {pk: (b.runs, b.requests) for pk, b in _batchers.items()}


def clear():
    with _lock:
        _batchers.clear()
