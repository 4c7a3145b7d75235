"""Inference requests, whatever server carries them: the Django views and the ASGI fast lane
both hand over the Authorization header, the body and the binary-extension header, and get a
``Reply`` back. Authorised requests are metered here, once each."""

import json
import logging
import time
from dataclasses import dataclass, field

from deployment.models import Endpoint
from deployment.serving import batching, deadlines, keys, metering, protocol
from deployment.serving.sessions import loaded, served

logger = logging.getLogger(__name__)
# On answers from a batching endpoint: how many requests shared the model run.
BATCH_HEADER = "Batch-Size"
# Requests the event loop may answer itself, without a hand-over to a thread: a key already
# verified, a model already loaded that ran one row within this many ms at validation, batching
# off, and a small body. Everything else runs in a thread, so a slow model never holds the loop.
INLINE_LATENCY_MS = 1.0
INLINE_BODY_BYTES = 16 * 1024


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
    ``known`` is the endpoint the key was already found to open (see ``inline_endpoint``)."""
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


def inline_endpoint(authorization, body):
    """The endpoint, when this request can be answered on the event loop with no database
    query and no slow run (see INLINE_LATENCY_MS); else None."""
    if len(body) > INLINE_BODY_BYTES:
        return None
    endpoint = keys.peek(raw_key(authorization))
    if endpoint is None or endpoint.batch_max_size > 1:
        return None
    latency = endpoint.version.latency_b1_ms
    if latency is None or latency > INLINE_LATENCY_MS or not loaded(endpoint.version):
        return None
    return endpoint


def metered_infer(authorization, name, version, body, binary_header, known=None):
    started = time.perf_counter()
    endpoint, problem = authorise(authorization, name, version, known)
    if problem:
        return problem  # not metered: the caller is not this endpoint's client
    reply = infer(endpoint, name, body, binary_header)
    metering.record(
        endpoint.pk,
        ok=reply.status < 400,
        latency_s=time.perf_counter() - started,
        compute_s=reply.compute_s,
    )
    return reply


def infer(endpoint, name, body, binary_header):
    if endpoint.state != Endpoint.State.READY:
        return failure(f"model '{name}' is not ready ({endpoint.get_state_display()})", 503)
    try:
        model = served(endpoint.version)
    except Exception:  # ONNX Runtime's own types: an artifact missing or damaged on this server
        logger.exception("model of endpoint %s could not be loaded", endpoint.name)
        return failure(f"model '{name}' could not be loaded on this server", 503)
    try:
        request, tail = protocol.split_body(body, binary_header)
        feeds = protocol.read_inputs(request, tail, model.inputs)
        outputs = protocol.requested_outputs(request, model.outputs)
    except protocol.ProtocolError as exc:
        return failure(str(exc), 400)
    names = [n for n, _b in outputs]
    batch_size = None
    if endpoint.batch_max_size > 1 and model.batchable:
        results, compute_s, batch_size = batching.run(endpoint, model, feeds, names)
    else:
        ran = time.perf_counter()
        deadline_s = endpoint.deadline_ms / 1000
        results = deadlines.run(model.session, feeds, names, deadline_s, endpoint.deadline_ms)
        compute_s = time.perf_counter() - ran
    if isinstance(results, deadlines.RunFailed):
        return failure(results, results.status, compute_s)
    payload, header_length = protocol.response(
        endpoint.name, endpoint.version.version, request.get("id"), results, outputs, model.outputs
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
