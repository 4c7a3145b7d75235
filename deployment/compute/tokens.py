"""The replica token: what an endpoint's replicas on a cluster show OneStop (to fetch the
model and say where they answer) and what OneStop's gateway shows them (to be served).

It is derived from the endpoint, the endpoint's replica generation and the server's secret
key rather than stored: nothing to leak from the database. The generation is a random value
the endpoint gets anew when it stops or is deleted, so a token read off a cluster's Serve
configuration opens nothing once that deployment is over. Its shape,
``rp_<endpoint id>_<hmac>``, names the endpoint it is for, so checking one costs one row."""

import hashlib
import hmac
import re

from django.conf import settings

SHAPE = re.compile(r"rp_(?P<endpoint>[0-9]{1,18})_(?P<mac>[0-9a-f]{64})")


def replica_token(endpoint):
    return f"rp_{endpoint.pk}_{_mac(endpoint.pk, endpoint.replica_generation)}"


def claimed_endpoint_id(raw):
    """The endpoint id a well-formed token names (not yet verified), or None."""
    match = SHAPE.fullmatch(raw or "")
    return int(match["endpoint"]) if match else None


def token_opens(raw, endpoint):
    """Whether ``raw`` is the current replica token of ``endpoint``."""
    match = SHAPE.fullmatch(raw or "")
    if match is None or int(match["endpoint"]) != endpoint.pk:
        return False
    return hmac.compare_digest(match["mac"], _mac(endpoint.pk, endpoint.replica_generation))


def _mac(endpoint_id, generation):
    message = f"onestop-replica:{endpoint_id}:{generation}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()


# A preemptible job's run token (a training or scoring run on a cluster): the same
# construction, for one run (attempt) of one job, ``<kind>_<job>_<attempt>_<hmac>`` (``tr``
# names a training job, ``sc`` a scoring job). A token read off the cluster's job list opens
# nothing once that run is over; and since the token carries all it is made of, its soundness
# can be checked without the database (the body limit does so before a large body is read).
RUN_SHAPE = re.compile(
    r"(?P<kind>tr|sc)_(?P<job>[0-9]{1,18})_(?P<attempt>[0-9]{1,9})_(?P<mac>[0-9a-f]{64})"
)


def _kind(job):
    from deployment.models import TrainingJob

    return "tr" if isinstance(job, TrainingJob) else "sc"


def run_token(job):
    kind = _kind(job)
    return f"{kind}_{job.pk}_{job.attempt}_{_run_mac(kind, job.pk, job.attempt)}"


def claimed_run(raw):
    """(kind, job id) a well-formed run token names (not yet verified), or None."""
    match = RUN_SHAPE.fullmatch(raw or "")
    return (match["kind"], int(match["job"])) if match else None


def run_token_sound(raw):
    """Whether ``raw`` is a token OneStop made for some run (current or not)."""
    match = RUN_SHAPE.fullmatch(raw or "")
    if match is None:
        return False
    expected = _run_mac(match["kind"], int(match["job"]), int(match["attempt"]))
    return hmac.compare_digest(match["mac"], expected)


def run_token_opens(raw, job):
    """Whether ``raw`` is the token of ``job``'s current run."""
    match = RUN_SHAPE.fullmatch(raw or "")
    if match is None or match["kind"] != _kind(job) or int(match["job"]) != job.pk:
        return False
    return int(match["attempt"]) == job.attempt and run_token_sound(raw)


def _run_mac(kind, job_id, attempt):
    message = f"onestop-run:{kind}:{job_id}:{attempt}".encode()
    return hmac.new(settings.SECRET_KEY.encode(), message, hashlib.sha256).hexdigest()
