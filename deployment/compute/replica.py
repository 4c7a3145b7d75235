"""An endpoint's replica on a provider's Ray cluster: one Ray Serve replica that holds the
endpoint's model in ONNX Runtime and answers OneStop's gateway over its own small HTTP server.

This module runs on the cluster's nodes, not in OneStop: it imports neither Django nor the
portal, only the Open Inference Protocol's codec and the run deadlines, which need NumPy and
ONNX Runtime alone. Ray places the replica on a node with a unit of the flavor's resource and
restarts it when it dies; everything else a replica does, it does here when it starts:

1. fetch the model from OneStop by its SHA-256 with the endpoint's replica token, and check
   the hash of what arrived (a node never runs bytes OneStop did not publish);
2. open an ONNX Runtime session with the flavor's execution provider when the node has it
   (CUDA for NVIDIA), else on CPU, which it reports as emulated; run it once (warm-up);
3. listen on an ephemeral port of the node and tell OneStop where it is.

The gateway's requests carry the same replica token: a caller on the provider's network who
does not hold it (who cannot read the cluster's dashboard, where Serve's configuration holds
it) cannot use the model or bypass OneStop's keys and metering. Each answer
carries the time the model ran (``Compute-Time-Us``), which OneStop meters.

Why its own HTTP server rather than Ray Serve's proxy: the proxy adds a hop through Ray's
router and object store to every call (about 5 ms on a small model, and far more under load),
where the gateway needs the model's own time; Ray still places, restarts and scales the
replicas."""

import asyncio
import hashlib
import hmac
import json
import logging
import os
import socket
import tempfile
import threading
import time
import urllib.request
from pathlib import Path

logger = logging.getLogger("onestop.replica")

COMPUTE_HEADER = "Compute-Time-Us"
BINARY_HEADER = "Inference-Header-Content-Length"
FETCH_TIMEOUT_SECONDS = 120
REGISTER_TIMEOUT_SECONDS = 10
CHUNK_BYTES = 1024 * 1024
MAX_BODY_BYTES = 64 * 1024 * 1024
ACCELERATOR_PROVIDERS = {"GPU": "CUDAExecutionProvider"}  # the NPUs have no ONNX Runtime EP


class ReplicaFailed(Exception):
    """The replica cannot start: the message says why, in Ray's logs and the Serve status."""


def build(args):
    """Ray Serve's application builder: ``import_path: deployment.compute.replica:build``."""
    from ray import serve

    deployment = serve.deployment(OnnxReplica, name="replica")
    return deployment.bind(args)


class OnnxReplica:
    def __init__(self, spec):
        self.spec = spec
        self.token = spec["token"].encode()
        path = fetch_artifact(spec["artifact_url"], spec["token"], spec["sha256"], spec["size"])
        self.model = load_model(path, spec["resource"])
        self.server = ReplicaServer(self)
        self.server.start()
        self.replica_id = replica_id()
        register(spec, self.replica_id, self.server.address, self.model)

    def check_health(self):
        if not self.server.alive():
            raise ReplicaFailed("the replica's HTTP server stopped")

    async def __call__(self, request):
        """A call through Ray Serve's own HTTP proxy (the same model, reached the Ray way)."""
        from starlette.responses import Response

        if not self.authorised(request.headers.get("authorization")):
            return Response(b'{"error": "the replica token is missing or wrong"}', 401)
        body = await request.body()
        status, payload, headers = self.answer(body, request.headers.get(BINARY_HEADER))
        return Response(payload, status, headers=headers)

    def authorised(self, authorization):
        scheme, _sep, raw = (authorization or "").partition(" ")
        return scheme.lower() == "bearer" and hmac.compare_digest(raw.strip().encode(), self.token)

    def answer(self, body, binary_header):
        """(status, payload, headers) for one inference request's body."""
        from deployment.serving import deadlines, protocol

        model = self.model
        try:
            request, feeds, outputs = protocol.read_request(
                body, binary_header, model.inputs, model.outputs
            )
        except protocol.ProtocolError as exc:
            return 400, error(str(exc)), {}
        names = [name for name, _binary in outputs]
        started = time.perf_counter()
        deadline_ms = self.spec["deadline_ms"]
        results = deadlines.run(model.session, feeds, names, deadline_ms / 1000, deadline_ms)
        compute_us = str(int((time.perf_counter() - started) * 1e6))
        if isinstance(results, deadlines.RunFailed):
            return results.status, error(results), {COMPUTE_HEADER: compute_us}
        payload, header_length = protocol.response(
            self.spec["model"],
            self.spec["version"],
            request.get("id"),
            results,
            outputs,
            model.outputs,
        )
        headers = {COMPUTE_HEADER: compute_us}
        if header_length is not None:
            headers[BINARY_HEADER] = str(header_length)
            headers["Content-Type"] = "application/octet-stream"
        else:
            headers["Content-Type"] = "application/json"
        return 200, payload, headers


def error(message):
    return json.dumps({"error": str(message)}).encode()


def fetch_artifact(url, token, sha256, size):
    """The model's path on this node, fetched from OneStop unless a verified copy is here."""
    folder = Path(tempfile.gettempdir()) / "onestop-models"
    folder.mkdir(exist_ok=True)
    path = folder / f"{sha256}.onnx"
    if path.exists() and file_sha256(path) == sha256:
        return path
    request = urllib.request.Request(url, headers={"Authorization": f"Bearer {token}"})  # noqa: S310 - OneStop's own address, from its config
    digest = hashlib.sha256()
    received = 0
    with tempfile.NamedTemporaryFile(dir=folder, delete=False) as part:
        try:
            with urllib.request.urlopen(request, timeout=FETCH_TIMEOUT_SECONDS) as answer:  # noqa: S310
                while chunk := answer.read(CHUNK_BYTES):
                    received += len(chunk)
                    if received > size:
                        raise ReplicaFailed(f"the model is larger than the {size} bytes expected")
                    digest.update(chunk)
                    part.write(chunk)
        except OSError as exc:
            os.unlink(part.name)
            raise ReplicaFailed(f"the model could not be fetched from OneStop: {exc}") from None
        except ReplicaFailed:
            os.unlink(part.name)
            raise
    if digest.hexdigest() != sha256:
        os.unlink(part.name)
        raise ReplicaFailed("the model fetched does not match its SHA-256; it was not loaded")
    os.replace(part.name, path)
    return path


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            digest.update(chunk)
    return digest.hexdigest()


class Model:
    def __init__(self, session, provider, emulated):
        self.session = session
        self.inputs = session.get_inputs()
        self.outputs = session.get_outputs()
        self.provider = provider
        self.emulated = emulated


def load_model(path, resource):
    """The session on the flavor's execution provider when this node has it, else on CPU."""
    import onnxruntime as ort

    from deployment.serving.sessions import warm_up

    wanted = ACCELERATOR_PROVIDERS.get(resource)
    providers = ["CPUExecutionProvider"]
    if wanted and wanted in ort.get_available_providers():
        providers.insert(0, wanted)
    options = ort.SessionOptions()
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    session = ort.InferenceSession(str(path), sess_options=options, providers=providers)
    warm_up(session)
    provider = session.get_providers()[0]
    return Model(session, provider, emulated=resource != "CPU" and provider != wanted)


def replica_id():
    try:
        from ray import serve

        return serve.get_replica_context().replica_id.unique_id
    except Exception:  # outside Ray Serve (a test of this module alone)
        return f"local-{os.getpid()}"


def register(spec, replica, address, model):
    """Tell OneStop where this replica answers; it forwards calls here from then on."""
    body = json.dumps(
        {
            "replica": replica,
            "address": address,
            "sha256": spec["sha256"],
            "pid": os.getpid(),
            "provider": model.provider,
            "emulated": model.emulated,
        }
    ).encode()
    request = urllib.request.Request(  # noqa: S310 - OneStop's own address, from its config
        spec["register_url"],
        data=body,
        method="POST",
        headers={"Authorization": f"Bearer {spec['token']}", "Content-Type": "application/json"},
    )
    try:
        with urllib.request.urlopen(request, timeout=REGISTER_TIMEOUT_SECONDS):  # noqa: S310
            pass
    except OSError as exc:
        raise ReplicaFailed(f"OneStop did not take the replica's address: {exc}") from None


def node_address():
    try:
        import ray

        return ray.util.get_node_ip_address()
    except Exception:  # outside Ray
        return "127.0.0.1"


class ReplicaServer:
    """HTTP/1.1 with keep-alive on a thread of its own, for the gateway's pooled connections:
    ``POST /infer`` with the replica token. The model runs on this loop: a replica serves one
    endpoint, so its own requests are all a long run can hold up, and each run has the
    endpoint's deadline."""

    def __init__(self, replica):
        self.replica = replica
        self.host = node_address()
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind((self.host, 0))
        self.sock.listen(256)
        self.address = f"http://{self.host}:{self.sock.getsockname()[1]}"
        self.server = None
        self.thread = threading.Thread(target=self.run, name="replica-http", daemon=True)

    def start(self):
        import uvicorn

        config = uvicorn.Config(
            self.app,
            log_level="warning",
            access_log=False,
            lifespan="off",
            http="httptools",
            interface="asgi3",
        )
        self.server = uvicorn.Server(config)
        self.thread.start()
        deadline = time.monotonic() + 30
        while not self.server.started:
            if not self.thread.is_alive() or time.monotonic() > deadline:
                raise ReplicaFailed("the replica's HTTP server did not start")
            time.sleep(0.01)

    def run(self):
        asyncio.run(self.server.serve(sockets=[self.sock]))

    def alive(self):
        return self.thread.is_alive()

    async def app(self, scope, receive, send):
        if scope["type"] != "http":
            return
        headers = dict(scope["headers"])
        if scope["method"] != "POST" or scope["path"] != "/infer":
            await reply(send, 404, error("POST /infer"), {})
            return
        if not self.replica.authorised(headers.get(b"authorization", b"").decode("latin-1")):
            await reply(send, 401, error("the replica token is missing or wrong"), {})
            return
        body = await read_body(receive)
        if body is None:
            await reply(send, 413, error(f"the body is over {MAX_BODY_BYTES} bytes"), {})
            return
        binary = headers.get(BINARY_HEADER.lower().encode())
        status, payload, extra = self.replica.answer(body, binary and binary.decode("latin-1"))
        await reply(send, status, payload, extra)


async def read_body(receive):
    chunks, size = [], 0
    while True:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            return None
        chunks.append(chunk)
        if not message.get("more_body"):
            return b"".join(chunks)


async def reply(send, status, payload, headers):
    pairs = [(b"content-length", str(len(payload)).encode())]
    pairs += [(k.lower().encode(), v.encode()) for k, v in headers.items()]
    if "Content-Type" not in headers:
        pairs.append((b"content-type", b"application/json"))
    await send({"type": "http.response.start", "status": status, "headers": pairs})
    await send({"type": "http.response.body", "body": payload})
