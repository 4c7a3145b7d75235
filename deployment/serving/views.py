"""The Open Inference Protocol endpoints under /v2. Plain Django views: the protocol has its
own error shape ({"error": "..."}) and every byte of overhead counts on the hot path."""

from django.http import HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST

from deployment.models import Endpoint
from deployment.serving import handling, protocol

SERVER = {"name": "onestop", "version": "1", "extensions": ["binary_tensor_data"]}


@require_GET
def server_metadata(request):
    return JsonResponse(SERVER)


@require_GET
def server_live(request):
    return JsonResponse({"live": True})


@require_GET
def server_ready(request):
    return JsonResponse({"ready": True})


def as_response(reply):
    response = HttpResponse(reply.payload, status=reply.status, content_type=reply.content_type)
    for header, value in reply.headers.items():
        response[header] = value
    return response


def endpoint_for(request, name, version):
    """(endpoint, None) for a caller holding a key of this endpoint, or (None, response)."""
    endpoint, problem = handling.authorise(request.headers.get("Authorization"), name, version)
    return endpoint, (as_response(problem) if problem else None)


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
    reply = handling.metered_infer(
        request.headers.get("Authorization"),
        name,
        version,
        request.body,
        request.headers.get(protocol.BINARY_HEADER),
    )
    return as_response(reply)
