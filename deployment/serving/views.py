"""The Open Inference Protocol endpoints under /v2. Plain Django views: the protocol has its
own error shape ({"error": "..."}) and every byte of overhead counts on the hot path."""

import threading
import time

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from deployment.models import Endpoint, EndpointKey
from deployment.serving import metering, protocol
from deployment.serving.sessions import session_for

SERVER = {"name": "onestop", "version": "1", "extensions": ["binary_tensor_data"]}


def error(message, status):
    return JsonResponse({"error": message}, status=status)


@require_GET
def server_metadata(request):
    return JsonResponse(SERVER)


@require_GET
def server_live(request):
    return JsonResponse({"live": True})


@require_GET
def server_ready(request):
    return JsonResponse({"ready": True})


def endpoint_for(request, name, version):
    """(endpoint, None) for a caller holding a key of this endpoint, or (None, response)."""
    header = request.headers.get("Authorization", "")
    scheme, _sep, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        return None, error("send the endpoint's key: Authorization: Bearer ep_…", 401)
    key = EndpointKey.find(raw.strip())
    if key is None:
        return None, error("the key is not valid or has been revoked", 401)
    endpoint = key.endpoint
    # Another endpoint's key finds nothing: the names of other companies' models stay private.
    if endpoint.name != name or (version is not None and version != endpoint.version.version):
        return None, error(
            f"unknown model '{name}'" + (f" version '{version}'" if version else ""), 404
        )
    return endpoint, None


@require_GET
def model_metadata(request, name, version=None):
    endpoint, problem = endpoint_for(request, name, version)
    if problem:
        return problem
    signature = endpoint.version.signature or {}
    return JsonResponse(
        {
            "name": endpoint.name,
            "versions": [endpoint.version.version],
            "platform": "onnx_onnxv1",
            "inputs": [as_metadata(arg) for arg in signature.get("inputs", [])],
            "outputs": [as_metadata(arg) for arg in signature.get("outputs", [])],
        }
    )


def as_metadata(arg):
    return {
        "name": arg["name"],
        "datatype": protocol.ONNX_TO_V2.get(arg["type"], arg["type"]),
        "shape": [-1 if d is None else d for d in arg["shape"]],
    }


@require_GET
def model_ready(request, name, version=None):
    endpoint, problem = endpoint_for(request, name, version)
    if problem:
        return problem
    ready = endpoint.state == Endpoint.State.READY
    return JsonResponse({"name": endpoint.name, "ready": ready}, status=200 if ready else 503)


@csrf_exempt  # called by applications with a bearer key, never by a browser session
@require_POST
def infer(request, name, version=None):
    started = time.perf_counter()
    endpoint, problem = endpoint_for(request, name, version)
    if problem:
        return problem  # not metered: the caller is not this endpoint's client
    response, compute_s = answer(request, endpoint, name)
    metering.record(
        endpoint.pk,
        ok=response.status_code < 400,
        latency_s=time.perf_counter() - started,
        compute_s=compute_s,
    )
    return response


def answer(request, endpoint, name):
    """(response, seconds the model ran) for an authorised inference request."""
    if endpoint.state != Endpoint.State.READY:
        return error(f"model '{name}' is not ready ({endpoint.get_state_display()})", 503), 0.0
    session = session_for(endpoint.version)
    try:
        body, tail = protocol.split_body(request.body, request.headers.get(protocol.BINARY_HEADER))
        feeds = protocol.read_inputs(body, tail, session.get_inputs())
        outputs = protocol.requested_outputs(body, session.get_outputs())
    except protocol.ProtocolError as exc:
        return error(str(exc), 400), 0.0
    request_id = body.get("id")
    ran = time.perf_counter()
    results = run_with_deadline(session, feeds, [n for n, _b in outputs], endpoint.deadline_ms)
    compute_s = time.perf_counter() - ran
    if isinstance(results, str):
        return error(results, 504 if "deadline" in results else 400), compute_s
    payload, header_length = protocol.response(
        endpoint.name, endpoint.version.version, request_id, results, outputs, session.get_outputs()
    )
    response = HttpResponse(
        payload, content_type="application/octet-stream" if header_length else "application/json"
    )
    if header_length is not None:
        response[protocol.BINARY_HEADER] = str(header_length)
    return response, compute_s


def run_with_deadline(session, feeds, names, deadline_ms):
    """{output: array}, or a message when the run failed or outlived the deadline. ONNX
    Runtime stops a run cleanly when its run options are told to terminate."""
    import onnxruntime as ort

    options = ort.RunOptions()
    timer = threading.Timer(deadline_ms / 1000, lambda: setattr(options, "terminate", True))
    timer.start()
    try:
        values = session.run(names, feeds, run_options=options)
    except Exception as exc:  # ONNX Runtime raises its own exception types
        if options.terminate:
            return f"the model did not answer within the {deadline_ms} ms deadline"
        return f"the model could not run on this input: {str(exc).strip().splitlines()[0][:300]}"
    finally:
        timer.cancel()
    return dict(zip(names, values, strict=True))
