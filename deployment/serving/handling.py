"""Inference requests, whatever server carries them: the Django views and the ASGI fast lane
both hand over the Authorization header, the body and the binary-extension header, and get a
``Reply`` back. Authorised requests are metered here, once each. The portal's "try it" runs
its row through the same model run and metering (``run_metered``)."""

import json
import logging
import time
from dataclasses import dataclass, field

from deployment.health import observe
from deployment.models import Endpoint
from deployment.serving import batching, deadlines, forwarding, keys, protocol, tallies
from deployment.serving.sessions import peek, served

logger = logging.getLogger(__name__)
# On answers from a batching endpoint: how many requests shared the model run.
BATCH_HEADER = "Batch-Size"
# Requests the event loop may answer itself, without a hand-over to a thread: a key already
# verified, a model already loaded whose graph bounds its run time by the input's shape
# (bounds.py) and that ran one row within this many ms at validation, batching off, a small
# body, and at most INLINE_ROWS rows of the shape validation timed. Everything else runs in a
# thread, so neither a slow model nor a request that steers a model into long work holds the
# loop (a Loop whose trip count is an input would, for as long as the endpoint's deadline).
INLINE_LATENCY_MS = 1.0
INLINE_BODY_BYTES = 16 * 1024
INLINE_ROWS = 8


@dataclass
class Reply:
    status: int
    payload: bytes
    content_type: str = "application/json"
    headers: dict = field(default_factory=dict)
    compute_s: float = 0.0


def failure(message, status, compute_s=0.0):
    return Reply(status, json.dumps({"error": message}).encode(), compute_s=compute_s)


def raw_key(authorization):
    scheme, _sep, raw = (authorization or "").partition(" ")
    return raw.strip() if scheme.lower() == "bearer" else ""


def authorise(authorization, name, version, known=None):
    """(endpoint, None) for a caller holding a key of this endpoint, or (None, Reply).
    ``known`` is the endpoint the key was already found to open (see ``inline_known``)."""
    raw = raw_key(authorization)
    if not raw:
        return None, failure("send the endpoint's key: Authorization: Bearer ep_…", 401)
    endpoint = known or keys.endpoint_for(raw)
    if endpoint is None:
        return None, failure("the key is not valid or has been revoked", 401)
    # A key opens its own endpoint only; any other name is answered as unknown.
    if endpoint.name != name or (version is not None and version != endpoint.version.version):
        return None, failure(
            f"unknown model '{name}'" + (f" version '{version}'" if version else ""), 404
        )
    return endpoint, None


def inline_known(authorization, body):
    """(endpoint, served model) when this request may start on the event loop: no database
    query, no model load, a model that cannot be steered into a long run; else None. Whether
    the request itself is small enough is known once it is read (``Call.small``)."""
    if len(body) > INLINE_BODY_BYTES:
        return None
    endpoint = keys.peek(raw_key(authorization))
    if endpoint is None or endpoint.batch_max_size > 1 or endpoint.on_cluster:
        return None
    latency = endpoint.version.latency_b1_ms
    if latency is None or latency > INLINE_LATENCY_MS:
        return None
    model = peek(endpoint.version)
    if model is None or not model.bounded:
        return None
    return endpoint, model


@dataclass
class Call:
    """An authorised, well-formed request, ready to run; metered when it is finished."""

    endpoint: object
    model: object
    request: dict
    feeds: dict
    outputs: list
    started: float = 0.0

    def small(self):
        """At most INLINE_ROWS rows, and no input bigger than INLINE_ROWS times the one-row
        shape validation timed (free dimensions beyond the first were 1 there)."""
        for name, array in self.feeds.items():
            rows = array.shape[0] if array.ndim else 1
            if rows > INLINE_ROWS or array.size > INLINE_ROWS * self.model.row_sizes[name]:
                return False
        return True


def metered_infer(authorization, name, version, body, binary_header, known=None):
    """The whole request, run where the caller stands (a thread, or a Django view)."""
    step = begin(authorization, name, version, body, binary_header, known)
    return step if isinstance(step, Reply) else finish(step)


def begin(authorization, name, version, body, binary_header, known=None):
    """A ``Reply`` for a request answered without a model run (a refused caller, not metered; a
    model not ready or a malformed request, metered as an error), else the ``Call`` to
    ``finish``. ``known`` is ``inline_known``'s answer, when the loop asks."""
    started = time.perf_counter()
    endpoint, problem = authorise(authorization, name, version, known and known[0])
    if problem:
        return problem
    step = prepare(endpoint, name, body, binary_header, known and known[1])
    if isinstance(step, Reply):
        return meter(endpoint, started, step)
    step.started = started
    return step


def finish(call):
    return meter(call.endpoint, call.started, execute(call))


def meter(endpoint, started, reply):
    count(endpoint, started, ok=reply.status < 400, compute_s=reply.compute_s)
    return reply


def count(endpoint, started, *, ok, compute_s):
    """Count one request in the endpoint's usage; returns how long it took in all (s)."""
    latency_s = time.perf_counter() - started
    tallies.record(endpoint.pk, ok=ok, latency_s=latency_s, compute_s=compute_s)
    return latency_s


def prepare(endpoint, name, body, binary_header, model=None):
    if endpoint.state != Endpoint.State.READY and not (
        # Degraded: the dashboard is not answering, but the replicas may be; they are tried.
        endpoint.state == Endpoint.State.DEGRADED and endpoint.on_cluster
    ):
        return failure(f"model '{name}' is not ready ({endpoint.get_state_display()})", 503)
    if endpoint.on_cluster:
        return forwarded(endpoint, body, binary_header)
    if model is None:
        try:
            model = served(endpoint.version)
        except Exception:  # ONNX Runtime's own types: an artifact missing or damaged here
            logger.exception("model of endpoint %s could not be loaded", endpoint.name)
            return failure(f"model '{name}' could not be loaded on this server", 503)
    try:
        request, feeds, outputs = protocol.read_request(
            body, binary_header, model.inputs, model.outputs
        )
    except protocol.ProtocolError as exc:
        return failure(str(exc), 400)
    return Call(endpoint, model, request, feeds, outputs)


def forwarded(endpoint, body, binary_header):
    """The answer of one of the endpoint's replicas on its pool's cluster."""
    try:
        answer = forwarding.forward(endpoint, body, binary_header)
    except forwarding.NoReplica as exc:
        return failure(f"{exc}; try again shortly", 503)
    if isinstance(answer, deadlines.RunFailed):
        return failure(answer, answer.status)
    if answer.status in (401, 403, 404):  # the replica refused the gateway: not the caller's doing
        logger.error(
            "a replica of endpoint %s refused the gateway (%s)", endpoint.pk, answer.status
        )
        return failure(f"model '{endpoint.name}' could not be reached on its pool", 502)
    reply = Reply(answer.status, answer.payload, answer.content_type, compute_s=answer.compute_s)
    if answer.status == 200:
        observe.record_forwarded(
            endpoint.pk, body, binary_header, answer.payload, answer.binary_length
        )
    if answer.binary_length is not None:
        reply.headers[protocol.BINARY_HEADER] = answer.binary_length
    return reply


def run_model(endpoint, model, feeds, names):
    """The model run of every request: batched with others when the endpoint batches, else
    alone under the endpoint's deadline. (outputs or ``RunFailed``, seconds of model time,
    requests in the run or None when not batched)."""
    if endpoint.batch_max_size > 1 and model.batchable:
        return batching.run(endpoint, model, feeds, names)
    ran = time.perf_counter()
    deadline_s = endpoint.deadline_ms / 1000
    results = deadlines.run(model.session, feeds, names, deadline_s, endpoint.deadline_ms)
    return results, time.perf_counter() - ran, None


def run_metered(endpoint, model, feeds, started):
    """Every output of ``model`` on ``feeds``, run and metered as a client's request is, for a
    caller that authorised and read the request itself (the portal's "try it", from the
    person's session). (outputs or ``RunFailed``, seconds since ``started``)."""
    names = [output.name for output in model.outputs]
    results, compute_s, _batch_size = run_model(endpoint, model, feeds, names)
    ok = not isinstance(results, deadlines.RunFailed)
    return results, count(endpoint, started, ok=ok, compute_s=compute_s)


def execute(call):
    endpoint, model = call.endpoint, call.model
    names = [n for n, _b in call.outputs]
    results, compute_s, batch_size = run_model(endpoint, model, call.feeds, names)
    if isinstance(results, deadlines.RunFailed):
        return failure(results, results.status, compute_s)
    observe.record(endpoint.pk, model, call.feeds, names, results, call.request.get("id"))
    payload, header_length = protocol.response(
        endpoint.name,
        endpoint.version.version,
        call.request.get("id"),
        results,
        call.outputs,
        model.outputs,
    )
    reply = Reply(
        200,
        payload,
        "application/octet-stream" if header_length else "application/json",
        compute_s=compute_s,
    )
    if header_length is not None:
        reply.headers[protocol.BINARY_HEADER] = str(header_length)
    if batch_size is not None:
        reply.headers[BATCH_HEADER] = str(batch_size)
    return reply
