"""The deploy pipeline: an owner's request (``endpoint_create``), the steps a worker runs from
wherever the endpoint stands (``endpoint_deploy``), the sweeper that retries or fails a step
whose worker went away (``endpoints_sweep``), and the worker's half of a roll
(``endpoint_roll_finish``)."""

import os
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.compute import serve_apps
from deployment.models import Endpoint, EndpointEvent, ModelVersion, Workload
from deployment.notices import endpoint_ready_notice
from deployment.services.allocation import replicas_hold, replicas_release
from deployment.services.endpoints.cluster import cluster_provision, cluster_roll, cluster_warm
from deployment.services.endpoints.queries import active_grants, deployable_versions, grant_for
from deployment.services.endpoints.rules import flavor_note, replica_errors
from deployment.services.endpoints.transitions import (
    endpoint_audit,
    endpoint_fail,
    endpoint_transition,
    forget_cached_keys,
)
from deployment.services.replicas import replicas_forget
from onestop.constraints import constraint_refuses
from onestop.services.audit import audit_snapshot

State = Endpoint.State


def endpoint_create(
    *,
    company,
    version,
    grant,
    name,
    user,
    min_replicas=1,
    max_replicas=1,
    units_per_replica=1,
    deadline_ms=2000,
):
    """A pending endpoint, queued for deployment once the transaction commits."""
    endpoint = Endpoint(
        company=company,
        name=name,
        version=version,
        pool=grant.pool,
        min_replicas=min_replicas,
        max_replicas=max_replicas,
        units_per_replica=units_per_replica,
        deadline_ms=deadline_ms,
    )
    errors = {}
    if not deployable_versions(company).filter(pk=version.pk).exists():
        errors["version"] = _("This model version is not published or not available to you.")
    if grant.company_id != company.pk or not active_grants(company).filter(pk=grant.pk).exists():
        errors["grant"] = _("Deploy on a grant your company holds that is in force today.")
    elif grant.pool.unavailable_reason:
        errors["grant"] = _(
            "The pool %(pool)s cannot take work now: %(reason)s Deploy when it is back, or on "
            "another grant."
        ) % {"pool": grant.pool.name, "reason": grant.pool.unavailable_reason}
    elif version.pk and grant.pool.flavor not in (version.flavors or []):
        errors["grant"] = _(
            "%(flavor)s cannot run this model: %(why)s Pick another grant or another model."
        ) % {"flavor": grant.pool.get_flavor_display(), "why": flavor_note(version, grant.pool)}
    errors.update(replica_errors(min_replicas, max_replicas, units_per_replica, grant))
    if constraint_refuses(endpoint, "endpoint_name_unique_live"):
        errors["name"] = _("An endpoint named “%(name)s” already exists; choose another name.") % {
            "name": name
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        endpoint.save()
        EndpointEvent.objects.create(
            endpoint=endpoint, state=State.PENDING, message=_("Deployment requested.")
        )
        endpoint_audit(
            endpoint=endpoint, action="endpoint.create", user=user, after=audit_snapshot(endpoint)
        )
        enqueue_deploy(endpoint)
    return endpoint


def enqueue_deploy(endpoint):
    from deployment.tasks import deploy_endpoint

    deploy_endpoint.delay_on_commit(endpoint.pk)


def enqueue_roll(endpoint):
    from deployment.tasks import roll_endpoint

    roll_endpoint.delay_on_commit(endpoint.pk)


def deploy_drill(step):
    """Failure drills: ``ONESTOP_DEPLOY_DRILL=provisioning:30`` holds that step 30 seconds, so
    an operator (or a test) can kill the worker in the middle of a deployment."""
    spec = os.environ.get("ONESTOP_DEPLOY_DRILL", "")
    name, _sep, seconds = spec.partition(":")
    if name == step:
        time.sleep(float(seconds or 30))


def endpoint_deploy(*, endpoint_id):
    """Run the deployment from wherever the endpoint stands; returns its state after.

    1. pending → validating: the claim; a racer that got there first has the rest.
    2. validating: the version is still published and fits the pool → provisioning.
    3. provisioning: the replicas are admitted within the guarantee → warming.
    4. warming: the model loads and runs once here → ready.
    A step that finds a problem fails the endpoint with a reason and a next step."""
    endpoint = (
        Endpoint.objects.select_related("version__family", "pool", "company")
        .filter(pk=endpoint_id)
        .first()
    )
    if endpoint is None:
        return None
    if endpoint.state == State.PENDING and not endpoint_transition(
        endpoint=endpoint,
        sources=[State.PENDING],
        target=State.VALIDATING,
        message=_("Checking the model against the pool."),
    ):
        return endpoint.state
    if endpoint.state == State.VALIDATING:
        deploy_drill("validating")
        problem = version_problem(endpoint, endpoint.version)
        if problem:
            fail_step(endpoint, State.VALIDATING, problem)
            return endpoint.state
        if not endpoint_transition(
            endpoint=endpoint,
            sources=[State.VALIDATING],
            target=State.PROVISIONING,
            message=_("Asking the pool for %(n)s replica(s) of %(units)s unit(s).")
            % {"n": endpoint.min_replicas, "units": endpoint.units_per_replica},
        ):
            return endpoint.state
    if endpoint.state == State.PROVISIONING:
        problem = provision_replicas(endpoint)
        if problem is None and endpoint.on_cluster:
            problem = cluster_provision(endpoint)
        deploy_drill("provisioning")  # replicas held, the step not yet recorded as done
        if problem:
            fail_step(endpoint, State.PROVISIONING, problem)
            return endpoint.state
        if not endpoint_transition(
            endpoint=endpoint,
            sources=[State.PROVISIONING],
            target=State.WARMING,
            message=_("Loading the model and running it once."),
        ):
            return endpoint.state
    if endpoint.state == State.WARMING:
        deploy_drill("warming")
        problem = cluster_warm(endpoint) if endpoint.on_cluster else warm_model(endpoint.version)
        if problem:
            fail_step(endpoint, State.WARMING, problem)
            return endpoint.state
        if endpoint_transition(
            endpoint=endpoint,
            sources=[State.WARMING],
            target=State.READY,
            message=_("Ready: applications can call it."),
            reason="",
            next_step="",
            attempts=0,
        ):
            endpoint_audit(
                endpoint=endpoint,
                action="endpoint.ready",
                user=None,
                after={"version": endpoint.version.version},
            )
            endpoint_ready_notice(endpoint)
    return endpoint.state


def fail_step(endpoint, step, problem):
    reason, next_step = problem
    endpoint_fail(endpoint=endpoint, sources=[step], reason=reason, next_step=next_step)
    if endpoint.on_cluster:  # its Serve application goes with its units
        replicas_forget(endpoint=endpoint)
        serve_apps.push_quietly(endpoint.pool)


def version_problem(endpoint, version):
    """(reason, next step) when ``version`` cannot serve on the endpoint's pool, else None."""
    version.refresh_from_db(fields=["state", "reason", "flavors", "flavor_notes"])
    if version.state != ModelVersion.State.PUBLISHED:
        return (
            _("The model version is %(state)s, not published. %(reason)s")
            % {"state": version.get_state_display(), "reason": version.reason},
            _("Deploy a version that passed validation, or ask the vendor for a fixed one."),
        )
    pool = endpoint.pool
    if pool is None or grant_for(endpoint) is None:
        return (
            _("Your company holds no grant in force on this pool."),
            _("Apply for quota, or deploy on a pool where you hold a grant."),
        )
    if pool.flavor not in (version.flavors or []):
        return (
            _("%(flavor)s cannot run this model: %(why)s")
            % {"flavor": pool.get_flavor_display(), "why": flavor_note(version, pool)},
            _("Deploy it on a pool of another flavor, or pick a model that fits this one."),
        )
    return None


def provision_replicas(endpoint):
    """Hold the endpoint's minimum of replicas; (reason, next step) and nothing held when the
    pool cannot admit them all within the guarantee."""
    replicas = replicas_hold(endpoint=endpoint, count=endpoint.min_replicas)
    waiting = [r for r in replicas if r.state == Workload.State.QUEUED]
    if not waiting:
        return None
    replicas_release(endpoint=endpoint)
    grant = grant_for(endpoint)
    in_use = (
        Workload.objects.filter(
            company=endpoint.company, pool=endpoint.pool, state=Workload.State.RUNNING
        ).aggregate(units=Sum("units"))["units"]
        or 0
    )
    return (
        _(
            "The pool could not admit %(n)s replica(s) of %(units)s unit(s) within your "
            "guarantee of %(guarantee)s units; %(used)s are in use by your other work."
        )
        % {
            "n": endpoint.min_replicas,
            "units": endpoint.units_per_replica,
            "guarantee": grant.guarantee_units if grant else 0,
            "used": in_use,
        },
        _("Stop an endpoint you no longer need, or deploy with fewer replicas, then resume."),
    )


def warm_model(version):
    """Load the model in this process and run it once; (reason, next step) if it cannot."""
    from deployment.serving.sessions import served

    try:
        served(version)
    except Exception as exc:  # ONNX Runtime raises its own types; the reason is its message
        first = str(exc).strip().splitlines()[0][:300] if str(exc).strip() else type(exc).__name__
        return (
            _("The model could not be loaded: %(error)s") % {"error": first},
            _("Check the model with validate_onnx, or deploy another version."),
        )
    return None


def endpoint_roll_finish(*, endpoint_id):
    """The roll task: validate and warm the next version, then switch in one update. Returns
    the version served after."""
    endpoint = (
        Endpoint.objects.select_related("version", "next_version", "pool", "company")
        .filter(pk=endpoint_id, next_version__isnull=False)
        .first()
    )
    if endpoint is None:
        return None
    target = endpoint.next_version
    # On a cluster the new version warms in its new replicas, which Ray Serve starts before it
    # stops the old ones; the switch waits until one of them answers.
    warm = cluster_roll if endpoint.on_cluster else lambda _endpoint, version: warm_model(version)
    problem = version_problem(endpoint, target) or warm(endpoint, target)
    if problem:
        cleared = Endpoint.objects.filter(pk=endpoint.pk, next_version=target).update(
            next_version=None
        )
        if cleared and endpoint.on_cluster:  # the replicas go back to the current version
            serve_apps.push_quietly(endpoint.pool)
        if cleared:
            EndpointEvent.objects.create(
                endpoint=endpoint,
                state=endpoint.state,
                message=_("Version %(version)s was not rolled out: %(reason)s %(next)s")
                % {"version": target.version, "reason": problem[0], "next": problem[1]},
            )
        return endpoint.version.version
    switched = Endpoint.objects.filter(
        pk=endpoint.pk, state=State.READY, next_version=target
    ).update(
        previous_version=endpoint.version_id,
        version=target,
        next_version=None,
        state_changed_at=timezone.now(),
    )
    if switched:
        forget_cached_keys()
        if endpoint.on_cluster:
            serve_apps.push_quietly(endpoint.pool)
        EndpointEvent.objects.create(
            endpoint=endpoint,
            state=State.READY,
            message=_("Now serving version %(version)s (was %(old)s).")
            % {"version": target.version, "old": endpoint.version.version},
        )
        return target.version
    return endpoint.version.version


def endpoints_sweep(*, now=None):
    """Find deployments and rolls whose worker went away, and retry or fail them. Returns the
    endpoints touched."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.ONESTOP_DEPLOY_STEP_SECONDS)
    touched = []
    stuck = Endpoint.objects.filter(state__in=Endpoint.IN_FLIGHT, state_changed_at__lt=stale)
    for endpoint in stuck.select_related("company", "pool"):
        step = endpoint.get_state_display()
        with transaction.atomic():
            if endpoint.attempts + 1 < settings.ONESTOP_DEPLOY_ATTEMPTS:
                retried = endpoint_transition(
                    endpoint=endpoint,
                    sources=[endpoint.state],
                    target=State.PENDING,
                    message=_(
                        "The step “%(step)s” stopped without finishing; trying again "
                        "(%(n)s of %(of)s)."
                    )
                    % {
                        "step": step,
                        "n": endpoint.attempts + 2,
                        "of": settings.ONESTOP_DEPLOY_ATTEMPTS,
                    },
                    attempts=endpoint.attempts + 1,
                )
                if retried:
                    enqueue_deploy(endpoint)
            else:
                retried = endpoint_fail(
                    endpoint=endpoint,
                    sources=[endpoint.state],
                    reason=_(
                        "The deployment stopped during “%(step)s” %(n)s times without finishing."
                    )
                    % {"step": step, "n": settings.ONESTOP_DEPLOY_ATTEMPTS},
                    next_step=_("Resume it to try again; if it stops again, ask your consultant."),
                )
        if retried:
            touched.append(endpoint)
    rolling = Endpoint.objects.filter(
        state=State.READY, next_version__isnull=False, state_changed_at__lt=stale
    )
    for endpoint in rolling:
        cleared = Endpoint.objects.filter(pk=endpoint.pk, next_version=endpoint.next_version_id)
        if cleared.update(next_version=None, state_changed_at=now):
            if endpoint.on_cluster:  # its replicas go back to the current version
                serve_apps.push_quietly(endpoint.pool)
            EndpointEvent.objects.create(
                endpoint=endpoint,
                state=endpoint.state,
                message=_(
                    "The roll to another version stopped without finishing; the current "
                    "version keeps serving. Roll again to retry."
                ),
            )
            touched.append(endpoint)
    return touched
