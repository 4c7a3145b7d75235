"""The gateway's second half, for endpoints on a pool backed by a Ray cluster: a request that
passed the key, the body limit and the endpoint's state is sent on to one of the endpoint's
replicas (``deployment.compute.replica``), and the replica's answer comes back as it is.

Connections are kept alive and reused, one per replica per serving thread (http.client: the
standard library's client, the leanest per request; the thread that forwards is the thread
that waits, so no pool needs locking). The replicas are taken in turn. A replica that refuses
or drops the connection before answering is marked lost (an endpoint event; Ray restarts it)
and the request is tried once more, on another replica (Ray restarts a replica whose process
died; one that was only out of reach comes back on the list when Ray still reports it running).
The whole exchange, retry included, has the endpoint's deadline plus a second for the network:
a replica that outlives it, even one that trickles its answer, is answered 504, like a model
run in the portal's own process. An answer over 64 MiB, or with headers that are not the
protocol's, is refused rather than passed on."""

import http.client
import itertools
import threading
import time
from urllib.parse import urlsplit

from deployment.compute.replica import BINARY_HEADER, COMPUTE_HEADER
from deployment.compute.tokens import replica_token
from deployment.serving import deadlines

REFRESH_SECONDS = 2.0
NETWORK_GRACE_SECONDS = 1.0
CONNECT_SECONDS = 2.0
MAX_ANSWER_BYTES = 64 * 1024 * 1024
CHUNK_BYTES = 256 * 1024
MAX_CONNECTIONS = 64  # per serving thread
CONTENT_TYPES = {"application/json", "application/octet-stream"}
# Connection failures that mean the replica is not there (its process died, its node is gone),
# as opposed to a model that is slow.
GONE = (
    ConnectionRefusedError,
    ConnectionResetError,
    BrokenPipeError,
    http.client.RemoteDisconnected,
)

_addresses = {}  # endpoint id -> (monotonic expiry, [address])
_tokens = {}  # (endpoint id, replica generation) -> replica token
_turn = itertools.count()
_local = threading.local()


class Forwarded:
    """A replica's answer: status, body, content type, protocol header, compute seconds."""

    __slots__ = ("binary_length", "compute_s", "content_type", "payload", "status")

    def __init__(self, status, payload, content_type, binary_length, compute_s):
        self.status = status
        self.payload = payload
        self.content_type = content_type
        self.binary_length = binary_length
        self.compute_s = compute_s


class NoReplica(Exception):
    """No replica took the request: the message says why, for the caller."""


def forward(endpoint, body, binary_header):
    """The answer of one of the endpoint's replicas; ``NoReplica`` when none is there, or
    ``deadlines.Expired`` (returned) when no answer came within the deadline, retries
    included."""
    live = addresses(endpoint.pk)
    if not live:
        raise NoReplica(f"model '{endpoint.name}' has no replica running on its pool yet")
    address = live[next(_turn) % len(live)]
    token = token_for(endpoint)
    ends = time.monotonic() + endpoint.deadline_ms / 1000 + NETWORK_GRACE_SECONDS
    for attempt in range(2):  # one retry, on another replica
        try:
            return send(address, token, body, binary_header, ends)
        except Unreachable as exc:
            drop(address)
            replica_lost(endpoint, address, exc.__cause__ or exc)
        except TimeoutError:
            drop(address)
            return deadlines.expired_message(endpoint.deadline_ms)
        except Misbehaved as exc:
            drop(address)
            raise NoReplica(f"a replica of model '{endpoint.name}' gave a broken answer") from exc
        except (OSError, http.client.HTTPException) as exc:
            drop(address)
            replica_lost(endpoint, address, exc)
        # The list read afresh: a replica that registered since is a candidate too.
        others = [a for a in addresses(endpoint.pk) if a != address]
        if not others or attempt:
            break
        address = others[next(_turn) % len(others)]
    raise NoReplica(f"no replica of model '{endpoint.name}' answered; the cluster restarts it")


def ask(endpoint, address, body):
    """One request to the replica at ``address``, without a retry elsewhere (a probe)."""
    ends = time.monotonic() + endpoint.deadline_ms / 1000 + NETWORK_GRACE_SECONDS
    try:
        return send(address, token_for(endpoint), body, None, ends)
    finally:
        drop(address)


def token_for(endpoint):
    key = (endpoint.pk, endpoint.replica_generation)
    return _tokens.get(key) or _tokens.setdefault(key, replica_token(endpoint))


class Unreachable(OSError):
    """No connection to the replica within CONNECT_SECONDS: its node is away or drops the
    packets. Treated like a refused connection (another replica is tried), not like a slow
    model."""


class Misbehaved(Exception):
    """A replica's answer that is not one: too large, or headers OneStop will not pass on."""


def send(address, token, body, binary_header, ends):
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/octet-stream"}
    if binary_header is not None:
        headers[BINARY_HEADER] = binary_header
    connection, reused = connection_to(address, ends)
    try:
        answer = exchange(connection, body, headers, ends)
    except GONE:
        if not reused:
            raise
        # A kept-alive connection the replica closed meanwhile: once more on a new one.
        drop(address)
        connection, _reused = connection_to(address, ends)
        answer = exchange(connection, body, headers, ends)
    return checked(answer)


def checked(answer):
    """The replica's answer as the gateway passes it on: a status, a body within the cap, one
    of the protocol's two content types, a binary length and a compute time that are numbers."""
    content_type = (answer.getheader("Content-Type") or "application/json").split(";")[0]
    binary_length = answer.getheader(BINARY_HEADER)
    compute_us = answer.getheader(COMPUTE_HEADER) or "0"
    if (
        not 200 <= answer.status <= 599
        or content_type not in CONTENT_TYPES
        or (binary_length is not None and not binary_length.isdigit())
        or not compute_us.isdigit()
    ):
        raise Misbehaved(answer.status)
    return Forwarded(
        answer.status, answer.payload, content_type, binary_length, int(compute_us) / 1e6
    )


def exchange(connection, body, headers, ends):
    """The replica's answer, read whole before ``ends`` (a replica that trickles its answer is
    cut off like one that is silent) and within MAX_ANSWER_BYTES."""
    remaining(connection, ends)
    connection.request("POST", "/infer", body=body, headers=headers)
    remaining(connection, ends)
    answer = connection.getresponse()
    length = answer.getheader("Content-Length")
    if length is not None and (not length.isdigit() or int(length) > MAX_ANSWER_BYTES):
        raise Misbehaved("the answer is too large")
    chunks, size = [], 0
    while True:
        remaining(connection, ends)
        chunk = answer.read1(CHUNK_BYTES)
        if not chunk:
            break
        size += len(chunk)
        if size > MAX_ANSWER_BYTES:
            raise Misbehaved("the answer is too large")
        chunks.append(chunk)
    # Read to the end: marked finished, so the kept-alive connection takes the next request.
    answer.close()
    answer.payload = b"".join(chunks)
    return answer


def remaining(connection, ends):
    """Give the connection's next socket operation only the time left; TimeoutError if none."""
    left = ends - time.monotonic()
    if left <= 0:
        raise TimeoutError
    connection.timeout = left
    if connection.sock is not None:
        connection.sock.settimeout(left)


def connection_to(address, ends):
    """(connection, whether it was used before) for this thread. A thread keeps connections
    to the replicas it used last; the oldest is closed past MAX_CONNECTIONS, so replicas that
    come and go do not pile up open sockets."""
    pool = getattr(_local, "connections", None)
    if pool is None:
        pool = _local.connections = {}
    connection = pool.get(address)
    if connection is not None:
        return connection, True
    while len(pool) >= MAX_CONNECTIONS:
        pool.pop(next(iter(pool))).close()
    parts = urlsplit(address)
    left = ends - time.monotonic()
    if left <= 0:
        raise TimeoutError
    connection = http.client.HTTPConnection(
        parts.hostname, parts.port, timeout=min(CONNECT_SECONDS, left)
    )
    try:
        connection.connect()  # within CONNECT_SECONDS, not the whole deadline
    except OSError as exc:
        raise Unreachable(str(exc)) from exc
    pool[address] = connection
    return connection, False


def drop(address):
    pool = getattr(_local, "connections", {})
    connection = pool.pop(address, None)
    if connection is not None:
        connection.close()


def addresses(endpoint_id):
    """The endpoint's live replicas, as this process last read them (at most REFRESH_SECONDS
    ago; at once after one is lost here)."""
    now = time.monotonic()
    hit = _addresses.get(endpoint_id)
    if hit is not None and hit[0] > now:
        return hit[1]
    from deployment.models import EndpointReplica

    live = list(
        EndpointReplica.objects.filter(endpoint_id=endpoint_id, lost_at__isnull=True)
        .order_by("pk")
        .values_list("address", flat=True)
    )
    _addresses[endpoint_id] = (now + REFRESH_SECONDS, live)
    return live


def replica_lost(endpoint, address, exc):
    from deployment.services.replicas import replica_unreachable

    _addresses.pop(endpoint.pk, None)
    replica_unreachable(endpoint=endpoint, address=address, why=type(exc).__name__)


def forget():
    _addresses.clear()
    _tokens.clear()
