"""The deploy pipeline's steps for an endpoint on a pool backed by a Ray cluster: provisioning
sends the pool's Serve applications to the cluster (this endpoint's included); warming waits
until Ray reports the application running, its replicas have told OneStop where they answer,
and a probe inference through OneStop's gateway is answered. And what the heartbeat does with
the endpoints when their cluster goes away or comes back."""

import http.client
import json
import math
import time

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.compute import ray_cluster, serve_apps
from deployment.models import Endpoint, EndpointReplica
from deployment.services.endpoints.transitions import endpoint_transition
from deployment.services.replicas import replicas_reconcile
from deployment.serving import deadlines, forwarding, protocol

State = Endpoint.State
POLL_SECONDS = 1.0
MISSING = serve_apps.AppStatus("", "", frozenset())


def cluster_provision(endpoint):
    """(reason, next step) when the cluster would not take the application, else None."""
    try:
        serve_apps.push(endpoint.pool)
    except ray_cluster.ClusterUnreachable as exc:
        return (
            _("The pool's Ray cluster did not take the deployment: %(why)s") % {"why": exc},
            _("Resume when the provider's cluster answers again, or deploy on another pool."),
        )
    return None


def cluster_warm(endpoint):
    """Wait for the replicas and probe them; (reason, next step) if they do not come up in
    ``ONESTOP_CLUSTER_START_SECONDS``."""

    return wait_for_replicas(
        endpoint,
        lambda: live_replicas(endpoint) and probe_answers(endpoint),
        wanted=lambda: Endpoint.objects.filter(pk=endpoint.pk, state=State.WARMING).exists(),
    )


def cluster_roll(endpoint, target):
    """Bring the endpoint's replicas to ``target`` (Ray Serve's rolling update: new replicas
    start before the old ones stop) and wait until one of them runs it and a probe through the
    gateway is answered; (reason, next step) if that does not happen, else None."""
    rolled_at = timezone.now()
    problem = cluster_provision(endpoint)
    if problem:
        return problem

    def new_replica_answers():
        # A replica started for this roll (not one left from an earlier try), probed itself.
        new = EndpointReplica.objects.filter(
            endpoint=endpoint, lost_at__isnull=True, sha256=target.sha256, started_at__gte=rolled_at
        ).first()
        return new is not None and probe_answers(endpoint, replica=new, version=target)

    return wait_for_replicas(
        endpoint,
        new_replica_answers,
        wanted=lambda: Endpoint.objects.filter(pk=endpoint.pk, next_version=target).exists(),
    )


def wait_for_replicas(endpoint, answered, wanted):
    """Poll Ray until the endpoint's application runs and ``answered()``; (reason, next step)
    when Ray cannot start it or ``ONESTOP_CLUSTER_START_SECONDS`` pass, else None. Stops, with
    None, once the step is no longer ``wanted()`` (the endpoint was stopped meanwhile): the
    step's own conditional update then finds nothing to move."""
    limit = settings.ONESTOP_CLUSTER_START_SECONDS
    deadline = time.monotonic() + limit
    said = _("nothing yet")
    while time.monotonic() < deadline:
        if not wanted():
            return None
        try:
            app = serve_apps.statuses(endpoint.pool).get(endpoint.pk, MISSING)
        except ray_cluster.ClusterUnreachable as exc:
            app = serve_apps.AppStatus("", str(exc), frozenset())
        if app.status == "DEPLOY_FAILED":
            return (
                _("Ray could not start the model's replica: %(why)s")
                % {"why": first_line(app.message)},
                _("Check the model with validate_onnx, or ask the provider to check the cluster."),
            )
        said = app.status or app.message or said
        if app.status == "RUNNING" and answered():
            return None
        time.sleep(POLL_SECONDS)
    return (
        _("The cluster did not bring the replica up within %(seconds)s s (Ray says: %(said)s).")
        % {"seconds": limit, "said": first_line(said)},
        _("Resume to try again; if it happens again, ask the provider to look at the cluster."),
    )


def live_replicas(endpoint):
    return EndpointReplica.objects.filter(endpoint=endpoint, lost_at__isnull=True).count()


def probe_answers(endpoint, replica=None, version=None):
    """Whether one inference on zeros, sent the way the gateway sends a client's, is answered
    by a replica (``replica``: that one; an answer that the zeros are not valid input counts:
    the model ran)."""
    forwarding.forget()
    body = probe_body(version or endpoint.version)
    try:
        if replica is None:
            answer = forwarding.forward(endpoint, body, None)
        else:
            answer = forwarding.ask(endpoint, replica.address, body)
    except (forwarding.NoReplica, forwarding.Misbehaved, OSError, http.client.HTTPException):
        return False
    if isinstance(answer, deadlines.RunFailed):
        return False
    # The model ran (200), or ran its checks on the zeros (400 in the protocol's shape): not a
    # refusal of the token, nor another service answering on that port.
    if answer.status == 400:
        try:
            return "error" in json.loads(answer.payload)
        except (ValueError, TypeError):
            return False
    return answer.status == 200


def probe_body(version):
    inputs = []
    for arg in (version.signature or {}).get("inputs", []):
        shape = [d if isinstance(d, int) and d > 0 else 1 for d in arg["shape"]]
        datatype = protocol.ONNX_TO_V2.get(arg["type"], "FP32")
        inputs.append(
            {
                "name": arg["name"],
                "shape": shape,
                "datatype": datatype,
                "data": [0] * math.prod(shape)
                if datatype != "BOOL"
                else [False] * math.prod(shape),
            }
        )
    return json.dumps({"id": "onestop-probe", "inputs": inputs}).encode()


def first_line(text):
    lines = str(text).strip().splitlines()
    return lines[0][:300] if lines else ""


def cluster_away(*, pool, reason):
    """The pool's cluster stopped answering: its ready endpoints are degraded, with the reason.
    Returns how many."""
    degraded = 0
    for endpoint in Endpoint.objects.filter(pool=pool, state=State.READY):
        degraded += endpoint_transition(
            endpoint=endpoint,
            sources=[State.READY],
            target=State.DEGRADED,
            message=_("The pool's cluster is not answering: %(why)s") % {"why": reason},
            reason=reason,
            next_step=_("Nothing to do: the endpoint comes back by itself with its cluster."),
        )
    return degraded


def cluster_answered(*, pool):
    """The pool's cluster answered its heartbeat: the applications are sent again (what the
    cluster lost or missed comes back), replicas Ray no longer runs are recorded as lost, and
    each degraded endpoint whose replicas answer a probe is ready again. Returns how many
    endpoints came back."""
    if not serve_apps.ever_used(pool):
        return 0
    serve_apps.push_quietly(pool)
    try:
        apps = serve_apps.statuses(pool)
    except ray_cluster.ClusterUnreachable:
        return 0
    restored = 0
    serving = Endpoint.objects.filter(pool=pool, state__in=serve_apps.SERVING)
    for endpoint in serving.select_related("version", "pool"):
        app = apps.get(endpoint.pk, MISSING)
        if endpoint.state in (State.PROVISIONING, State.WARMING):
            continue  # the deploy step is watching it
        replicas_reconcile(endpoint=endpoint, running=app.replicas)
        if endpoint.state != State.DEGRADED or app.status != "RUNNING":
            continue
        if live_replicas(endpoint) and probe_answers(endpoint):
            restored += endpoint_transition(
                endpoint=endpoint,
                sources=[State.DEGRADED],
                target=State.READY,
                message=_("The pool's cluster answers again: ready."),
                reason="",
                next_step="",
            )
    return restored
