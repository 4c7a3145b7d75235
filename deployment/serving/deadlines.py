"""Runs bounded by a deadline. ONNX Runtime stops a run cleanly when its run options are told
to terminate; one watcher thread per process tells them, from a heap of deadlines, so a
request costs a heap push instead of a timer thread of its own."""

import heapq
import itertools
import threading
import time

_heap = []  # [monotonic deadline, sequence, run options or None once the run is over]
_wake = threading.Condition()
_sequence = itertools.count()
_watcher = None
# When the watcher will next look at the heap by itself (inf: not until told). A new deadline
# wakes it only if it falls before then, so a busy server does not wake it on every request.
_wake_at = [float("inf")]


class RunFailed(str):
    """Why a run gave no outputs: a message, and the HTTP status it means."""

    status = 400  # the model could not run on this input


class Expired(RunFailed):
    status = 504


class ServerFault(RunFailed):
    status = 500


def run(session, feeds, names, seconds, deadline_ms):
    """{output: array}, or a ``RunFailed`` when the run failed or outlived its deadline, which is
    ``seconds`` from now (``deadline_ms`` is the endpoint's, for the message)."""
    import onnxruntime as ort

    options = ort.RunOptions()
    entry = watch(options, seconds)
    try:
        values = session.run(names, feeds, run_options=options)
    except Exception as exc:  # ONNX Runtime raises its own exception types
        if options.terminate:
            return expired_message(deadline_ms)
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        return RunFailed(f"the model could not run on this input: {first}")
    finally:
        entry[2] = None  # the watcher drops it when its time comes
    return dict(zip(names, values, strict=True))


def expired_message(deadline_ms):
    return Expired(f"the model did not answer within the {deadline_ms} ms deadline")


def watch(options, seconds):
    global _watcher
    entry = [time.monotonic() + seconds, next(_sequence), options]
    with _wake:
        heapq.heappush(_heap, entry)
        if _watcher is None:
            _watcher = threading.Thread(target=_watch_forever, name="run-deadlines", daemon=True)
            _watcher.start()
        elif entry[0] < _wake_at[0]:
            _wake.notify()
    return entry


def _watch_forever():
    with _wake:
        while True:
            while _heap and _heap[0][2] is None:
                heapq.heappop(_heap)
            if not _heap:
                _wake_at[0] = float("inf")
                _wake.wait()
                continue
            left = _heap[0][0] - time.monotonic()
            if left > 0:
                _wake_at[0] = _heap[0][0]
                _wake.wait(left)
                continue
            options = heapq.heappop(_heap)[2]
            if options is not None:
                options.terminate = True
