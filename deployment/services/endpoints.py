"""Endpoints from deployment to deletion.

A deployment walks pending → validating → provisioning → warming → ready in a Celery task,
each step claimed with a conditional update, so a task delivered twice does each step once and
a step whose worker died is found by the sweeper (``sweep``), retried from the start, and after
``ONESTOP_DEPLOY_ATTEMPTS`` tries failed with a reason. Replicas are inference workloads the
allocation engine admits within the company's guarantee; they are never preempted. Every change
a person asks for is audited; every step is an ``EndpointEvent`` the portal shows."""

import math
import os
import time
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.models import Endpoint, EndpointEvent, EndpointKey, Grant, ModelVersion, Workload
from deployment.services.allocation import replicas_hold, replicas_release
from onestop.services.audit import audit_record, audit_snapshot

State = Endpoint.State
MAX_REPLICAS = 8


def active_grants(company, now=None):
    now = now or timezone.now()
    return (
        Grant.objects.filter(company=company, starts_at__lte=now, ends_at__gt=now)
        .select_related("pool")
        .order_by("pool__name")
    )


def grant_for(endpoint, now=None):
    """The company's grant on the endpoint's pool that is in force now, or None."""
    if endpoint.pool_id is None:
        return None
    return active_grants(endpoint.company, now).filter(pool_id=endpoint.pool_id).first()


def deployable_versions(company):
    """Published catalog versions and the company's own private models."""
    return (
        ModelVersion.objects.visible_to_company(company)
        .filter(state=ModelVersion.State.PUBLISHED)
        .select_related("family")
        .order_by("family__name", "-created_at")
    )


def live(company):
    return Endpoint.objects.filter(company=company).exclude(state=State.DELETED)


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
    errors = {}
    if not deployable_versions(company).filter(pk=version.pk).exists():
        errors["version"] = _("This model version is not published or not available to you.")
    if grant.company_id != company.pk or not active_grants(company).filter(pk=grant.pk).exists():
        errors["grant"] = _("Deploy on a grant your company holds that is in force today.")
    elif version.pk and grant.pool.flavor not in (version.flavors or []):
        errors["grant"] = _(
            "%(flavor)s cannot run this model: %(why)s Pick another grant or another model."
        ) % {"flavor": grant.pool.get_flavor_display(), "why": flavor_note(version, grant.pool)}
    errors.update(replica_errors(min_replicas, max_replicas, units_per_replica, grant))
    if Endpoint.objects.filter(name=name).exclude(state=State.DELETED).exists():
        errors["name"] = _("An endpoint named “%(name)s” already exists; choose another name.") % {
            "name": name
        }
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        endpoint = Endpoint.objects.create(
            company=company,
            name=name,
            version=version,
            pool=grant.pool,
            min_replicas=min_replicas,
            max_replicas=max_replicas,
            units_per_replica=units_per_replica,
            deadline_ms=deadline_ms,
        )
        EndpointEvent.objects.create(
            endpoint=endpoint, state=State.PENDING, message=_("Deployment requested.")
        )
        audit(endpoint, "endpoint.create", user, after=audit_snapshot(endpoint))
        enqueue_deploy(endpoint)
    return endpoint


def flavor_note(version, pool):
    for note in version.flavor_notes or []:
        if isinstance(note, dict) and note.get("flavor") == pool.flavor:
            return str(note.get("why") or "")
    return _("the model's operators or shapes do not fit this accelerator.")


def replica_errors(min_replicas, max_replicas, units_per_replica, grant):
    if not 1 <= min_replicas <= max_replicas <= MAX_REPLICAS:
        return {
            "min_replicas": _(
                "Replicas go from a minimum of at least 1 to a maximum of at most %(most)s, "
                "and the minimum cannot exceed the maximum."
            )
            % {"most": MAX_REPLICAS}
        }
    if min_replicas * units_per_replica > grant.guarantee_units:
        return {
            "min_replicas": _(
                "%(n)s replicas of %(units)s units need %(need)s units; your grant guarantees "
                "%(have)s."
            )
            % {
                "n": min_replicas,
                "units": units_per_replica,
                "need": min_replicas * units_per_replica,
                "have": grant.guarantee_units,
            }
        }
    return {}


def enqueue_deploy(endpoint):
    from deployment.tasks import deploy_endpoint

    transaction.on_commit(lambda: deploy_endpoint.delay(endpoint.pk))


def enqueue_roll(endpoint):
    from deployment.tasks import roll_endpoint

    transaction.on_commit(lambda: roll_endpoint.delay(endpoint.pk))


def audit(endpoint, action, user, *, before=None, after=None):
    audit_record(
        action=action,
        target=endpoint,
        actor=user,
        before=before,
        after=after,
        company=endpoint.company,
    )


def move(endpoint, sources, target, message, **fields):
    """Move ``endpoint`` to ``target`` only if it is still in one of ``sources``: the claim that
    makes every step run once however many tasks race for it. True when this call moved it."""
    updates = {"state": target, "state_changed_at": timezone.now(), **fields}
    moved = Endpoint.objects.filter(pk=endpoint.pk, state__in=sources).update(**updates)
    if moved:
        forget_cached_keys()
        for field, value in updates.items():
            setattr(endpoint, field, value)
        EndpointEvent.objects.create(endpoint=endpoint, state=target, message=message)
    return bool(moved)


def forget_cached_keys():
    """Serving remembers verified keys with their endpoint for a few seconds; bulk updates
    send no signals, so this process is told here, now and again once the change is committed
    (a look-up between the two would cache the old row). Other processes notice
    within the cache time."""
    from deployment.serving.keys import forget

    forget()
    transaction.on_commit(forget)


def fail(endpoint, sources, reason, next_step):
    """Fail the endpoint if it is still in one of ``sources``, and only then give its units
    back: a racer that moved it on (a stop, a finished step) keeps what it holds."""
    with transaction.atomic():
        moved = move(endpoint, sources, State.FAILED, reason, reason=reason, next_step=next_step)
        if moved:
            if endpoint.pool_id:
                replicas_release(endpoint=endpoint)
            audit(endpoint, "endpoint.failed", None, after={"reason": reason})
    return moved


def drill(step):
    """Failure drills: ``ONESTOP_DEPLOY_DRILL=provisioning:30`` holds that step 30 seconds, so
    an operator (or a test) can kill the worker in the middle of a deployment."""
    spec = os.environ.get("ONESTOP_DEPLOY_DRILL", "")
    name, _sep, seconds = spec.partition(":")
    if name == step:
        time.sleep(float(seconds or 30))


def advance(endpoint_id):
    """Run the deployment from wherever the endpoint stands; returns its state after."""
    endpoint = (
        Endpoint.objects.select_related("version__family", "pool", "company")
        .filter(pk=endpoint_id)
        .first()
    )
    if endpoint is None:
        return None
    if endpoint.state == State.PENDING and not move(
        endpoint, [State.PENDING], State.VALIDATING, _("Checking the model against the pool.")
    ):
        return endpoint.state
    if endpoint.state == State.VALIDATING:
        drill("validating")
        problem = version_problem(endpoint, endpoint.version)
        if problem:
            fail(endpoint, [State.VALIDATING], *problem)
            return endpoint.state
        if not move(
            endpoint,
            [State.VALIDATING],
            State.PROVISIONING,
            _("Asking the pool for %(n)s replica(s) of %(units)s unit(s).")
            % {"n": endpoint.min_replicas, "units": endpoint.units_per_replica},
        ):
            return endpoint.state
    if endpoint.state == State.PROVISIONING:
        problem = provision(endpoint)
        drill("provisioning")  # replicas held, the step not yet recorded as done
        if problem:
            fail(endpoint, [State.PROVISIONING], *problem)
            return endpoint.state
        if not move(
            endpoint,
            [State.PROVISIONING],
            State.WARMING,
            _("Loading the model and running it once."),
        ):
            return endpoint.state
    if endpoint.state == State.WARMING:
        drill("warming")
        problem = warm(endpoint.version)
        if problem:
            fail(endpoint, [State.WARMING], *problem)
            return endpoint.state
        if move(
            endpoint,
            [State.WARMING],
            State.READY,
            _("Ready: applications can call it."),
            reason="",
            next_step="",
            attempts=0,
        ):
            audit(endpoint, "endpoint.ready", None, after={"version": endpoint.version.version})
    return endpoint.state


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


def provision(endpoint):
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


def warm(version):
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


def stop(endpoint, user):
    """Stop serving and give the units back; the keys and settings stay for a resume."""
    sources = [State.READY, State.FAILED, *Endpoint.IN_FLIGHT]
    with transaction.atomic():
        if endpoint.pool_id:
            replicas_release(endpoint=endpoint)
        if not move(endpoint, sources, State.STOPPED, _("Stopped."), next_version=None):
            raise ValidationError(_("Only a running or failed endpoint can be stopped."))
        audit(endpoint, "endpoint.stop", user)
    return endpoint


def resume(endpoint, user):
    """Deploy a stopped or failed endpoint again, from the start."""
    with transaction.atomic():
        if not move(
            endpoint,
            [State.STOPPED, State.FAILED],
            State.PENDING,
            _("Resume requested."),
            reason="",
            next_step="",
            attempts=0,
        ):
            raise ValidationError(_("Only a stopped or failed endpoint can be resumed."))
        audit(endpoint, "endpoint.resume", user)
        enqueue_deploy(endpoint)
    return endpoint


def delete(endpoint, user):
    """Stop it for good: units back, keys revoked. The row stays (state deleted) so its usage
    still counts on the grant's record; the name is free again."""
    with transaction.atomic():
        if endpoint.pool_id:
            replicas_release(endpoint=endpoint)
        sources = [s for s in State.values if s != State.DELETED]
        if not move(endpoint, sources, State.DELETED, _("Deleted."), next_version=None):
            raise ValidationError(_("This endpoint is already deleted."))
        endpoint.keys.filter(revoked_at__isnull=True).update(revoked_at=timezone.now())
        audit(endpoint, "endpoint.delete", user)
    return endpoint


def roll(endpoint, version, user):
    """Serve ``version`` instead, once it is validated and warm; the current version keeps
    serving meanwhile, and stays if the new one fails."""
    if endpoint.state != State.READY:
        raise ValidationError(_("Only a ready endpoint can be rolled to another version."))
    if version.pk == endpoint.version_id:
        raise ValidationError(_("The endpoint already serves this version."))
    if not deployable_versions(endpoint.company).filter(pk=version.pk).exists():
        raise ValidationError(_("This model version is not published or not available to you."))
    if version.family_id != endpoint.version.family_id:
        raise ValidationError(
            _("Roll to a version of the same model; deploy another model as a new endpoint.")
        )
    with transaction.atomic():
        rolled = Endpoint.objects.filter(
            pk=endpoint.pk, state=State.READY, next_version__isnull=True
        ).update(next_version=version, state_changed_at=timezone.now())
        if not rolled:
            raise ValidationError(_("A roll is already in progress."))
        endpoint.next_version = version
        EndpointEvent.objects.create(
            endpoint=endpoint,
            state=State.READY,
            message=_("Rolling to version %(version)s.") % {"version": version.version},
        )
        audit(
            endpoint,
            "endpoint.roll",
            user,
            before={"version": endpoint.version.version},
            after={"version": version.version},
        )
        enqueue_roll(endpoint)
    return endpoint


def rollback(endpoint, user):
    if endpoint.previous_version_id is None:
        raise ValidationError(_("There is no earlier version to roll back to."))
    return roll(endpoint, endpoint.previous_version, user)


def finish_roll(endpoint_id):
    """The roll task: validate and warm the next version, then switch in one update."""
    endpoint = (
        Endpoint.objects.select_related("version", "next_version", "pool", "company")
        .filter(pk=endpoint_id, next_version__isnull=False)
        .first()
    )
    if endpoint is None:
        return None
    target = endpoint.next_version
    problem = version_problem(endpoint, target) or warm(target)
    if problem:
        cleared = Endpoint.objects.filter(pk=endpoint.pk, next_version=target).update(
            next_version=None
        )
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
        EndpointEvent.objects.create(
            endpoint=endpoint,
            state=State.READY,
            message=_("Now serving version %(version)s (was %(old)s).")
            % {"version": target.version, "old": endpoint.version.version},
        )
        return target.version
    return endpoint.version.version


def scale(endpoint, user, *, min_replicas, max_replicas):
    """Change the replica range; a ready endpoint holds at least the new minimum at once."""
    grant = grant_for(endpoint)
    if grant is None:
        raise ValidationError(_("Your company holds no grant in force on this pool."))
    errors = replica_errors(min_replicas, max_replicas, endpoint.units_per_replica, grant)
    if errors:
        raise ValidationError(errors)
    before = {"min_replicas": endpoint.min_replicas, "max_replicas": endpoint.max_replicas}
    with transaction.atomic():
        if endpoint.state == State.READY:
            replicas = replicas_hold(endpoint=endpoint, count=min_replicas)
            if any(r.state == Workload.State.QUEUED for r in replicas):
                replicas_release(endpoint=endpoint, only_queued=True)
                raise ValidationError(
                    _("The pool cannot admit %(n)s replicas within your guarantee right now.")
                    % {"n": min_replicas}
                )
            replicas_release(endpoint=endpoint, keep=max_replicas)
        endpoint.min_replicas, endpoint.max_replicas = min_replicas, max_replicas
        endpoint.save(update_fields=["min_replicas", "max_replicas"])
        EndpointEvent.objects.create(
            endpoint=endpoint,
            state=endpoint.state,
            message=_("Replicas: %(min)s to %(max)s.") % {"min": min_replicas, "max": max_replicas},
        )
        audit(
            endpoint,
            "endpoint.scale",
            user,
            before=before,
            after={"min_replicas": min_replicas, "max_replicas": max_replicas},
        )
    return endpoint


def configure(endpoint, user, *, deadline_ms, batch_max_size, batch_max_delay_ms):
    """Request deadline and dynamic batching (a largest batch of 1 turns batching off)."""
    errors = {}
    if not 10 <= deadline_ms <= 60_000:
        errors["deadline_ms"] = _("The deadline goes from 10 ms to 60,000 ms.")
    if not 1 <= batch_max_size <= 256:
        errors["batch_max_size"] = _("The largest batch goes from 1 (off) to 256 requests.")
    if not 0 <= batch_max_delay_ms <= 100:
        errors["batch_max_delay_ms"] = _("The queue wait goes from 0 to 100 ms.")
    if errors:
        raise ValidationError(errors)
    fields = ("deadline_ms", "batch_max_size", "batch_max_delay_ms")
    before = {f: getattr(endpoint, f) for f in fields}
    endpoint.deadline_ms = deadline_ms
    endpoint.batch_max_size = batch_max_size
    endpoint.batch_max_delay_ms = batch_max_delay_ms
    after = {f: getattr(endpoint, f) for f in fields}
    if before != after:
        with transaction.atomic():
            endpoint.save(update_fields=fields)
            audit(endpoint, "endpoint.configure", user, before=before, after=after)
    return endpoint


def key_issue(endpoint, user, name):
    """(key, the full key): shown once to the person who asked."""
    if endpoint.state == State.DELETED:
        raise ValidationError(_("A deleted endpoint takes no new keys."))
    name = (name or "").strip() or _("key")
    with transaction.atomic():
        key, raw = EndpointKey.issue(endpoint, name=name[:100])
        audit(endpoint, "endpoint.key_issue", user, after={"key": str(key), "name": key.name})
    return key, raw


def key_revoke(key, user):
    with transaction.atomic():
        revoked = EndpointKey.objects.filter(pk=key.pk, revoked_at__isnull=True).update(
            revoked_at=timezone.now()
        )
        if revoked:
            forget_cached_keys()
            audit(key.endpoint, "endpoint.key_revoke", user, after={"key": str(key)})
    return bool(revoked)


def sweep(now=None):
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
                retried = move(
                    endpoint,
                    [endpoint.state],
                    State.PENDING,
                    _(
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
                retried = fail(
                    endpoint,
                    [endpoint.state],
                    _("The deployment stopped during “%(step)s” %(n)s times without finishing.")
                    % {"step": step, "n": settings.ONESTOP_DEPLOY_ATTEMPTS},
                    _("Resume it to try again; if it stops again, ask your consultant."),
                )
        if retried:
            touched.append(endpoint)
    rolling = Endpoint.objects.filter(
        state=State.READY, next_version__isnull=False, state_changed_at__lt=stale
    )
    for endpoint in rolling:
        cleared = Endpoint.objects.filter(pk=endpoint.pk, next_version=endpoint.next_version_id)
        if cleared.update(next_version=None, state_changed_at=now):
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


def autoscale(now=None, window_minutes=5, busy_share=0.6):
    """Each ready endpoint holds as many replicas as its recent compute time needs (each
    replica busy at most ``busy_share`` of the time), between its minimum and maximum."""
    from deployment.models import EndpointUsage

    now = now or timezone.now()
    since = now - timedelta(minutes=window_minutes)
    changed = []
    ranged = Endpoint.objects.filter(state=State.READY).exclude(max_replicas=1)
    for endpoint in ranged.select_related("pool", "company"):
        busy_ms = (
            EndpointUsage.objects.filter(
                endpoint=endpoint, period=EndpointUsage.Period.MINUTE, start__gte=since
            ).aggregate(ms=Sum("compute_ms"))["ms"]
            or 0
        )
        need = math.ceil(busy_ms / (window_minutes * 60_000 * busy_share))
        want = min(max(need, endpoint.min_replicas), endpoint.max_replicas)
        have = endpoint.replicas.exclude(state=Workload.State.DONE).count()
        if want > have:
            replicas = replicas_hold(endpoint=endpoint, count=want)
            replicas_release(endpoint=endpoint, only_queued=True)
            held = sum(r.state == Workload.State.RUNNING for r in replicas)
        elif want < have:
            replicas_release(endpoint=endpoint, keep=want)
            held = want
        else:
            continue
        if held != have:
            EndpointEvent.objects.create(
                endpoint=endpoint,
                state=endpoint.state,
                message=_("Scaled from %(have)s to %(held)s replica(s) for the load.")
                % {"have": have, "held": held},
            )
            changed.append(endpoint)
    return changed
