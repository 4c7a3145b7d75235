"""An endpoint's life: deployed step by step on granted quota, refused with a reason and a next
step, stopped, resumed, deleted, rolled to a new version and back, scaled, swept when its
worker vanished, and every change audited."""

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.test import override_settings
from django.utils import timezone
from django.utils.translation import override

from deployment.models import Endpoint, EndpointKey, EndpointUsage, Workload
from deployment.services.endpoints import keys, lifecycle, pipeline, transitions
from deployment.serving.sessions import clear
from onestop.models import AuditEntry
from tests import onnx_files as files
from tests.serving_factories import granted, published

State = Endpoint.State


@pytest.fixture(autouse=True)
def _fresh_sessions():
    clear()
    yield
    clear()


@pytest.fixture(autouse=True)
def _commits(django_capture_on_commit_callbacks):
    """Tasks are queued on commit; here each service call commits at once, as in a view."""
    global ACT

    def act(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    ACT = act
    return


def do(function, *args, **kwargs):
    return ACT(function, *args, **kwargs)


@pytest.fixture
def ready_to_deploy(world, tmp_path):
    return published(world.company_a, files.good(tmp_path / "m.onnx")), granted(world.company_a)


def deploy(world, version, grant, name="press-line-1", **fields):
    created = do(
        pipeline.endpoint_create,
        company=world.company_a,
        version=version,
        grant=grant,
        name=name,
        user=world.owner_a,
        **fields,
    )
    created.refresh_from_db()
    return created


def live_replicas(endpoint):
    return list(endpoint.replicas.exclude(state=Workload.State.DONE))


def test_deploy_walks_every_step_to_ready_on_running_replicas(world, ready_to_deploy):
    version, grant = ready_to_deploy
    created = deploy(world, version, grant, min_replicas=2, max_replicas=3)
    created.refresh_from_db()
    assert created.state == State.READY, created.reason
    steps = list(created.events.order_by("at", "pk").values_list("state", flat=True))
    assert steps == ["pending", "validating", "provisioning", "warming", "ready"]
    replicas = live_replicas(created)
    assert [r.state for r in replicas] == ["running", "running"]
    assert all(r.kind == "inference" and r.pool_id == grant.pool_id for r in replicas)
    actions = set(
        AuditEntry.objects.filter(target_id=str(created.pk)).values_list("action", flat=True)
    )
    assert {"endpoint.create", "endpoint.ready"} <= actions


def test_running_a_step_twice_does_it_once(world, ready_to_deploy):
    version, grant = ready_to_deploy
    created = deploy(world, version, grant, min_replicas=2, max_replicas=2)
    # A duplicate delivery of the task finds the endpoint ready and does nothing.
    assert pipeline.endpoint_deploy(endpoint_id=created.pk) == State.READY
    assert len(live_replicas(created)) == 2
    assert created.events.filter(state="ready").count() == 1


def test_a_model_the_pool_cannot_run_fails_with_a_reason_and_next_step(world, tmp_path):
    version = published(world.company_a, files.good(tmp_path / "m.onnx"))
    grant = granted(world.company_a)
    # The vendor's version was later withdrawn: validation finds it no longer published.
    version.state = "rejected"
    version.reason = "Withdrawn by the vendor."
    version.save()
    created = Endpoint.objects.create(
        company=world.company_a, name="late", version=version, pool=grant.pool
    )
    with override("en"):
        assert pipeline.endpoint_deploy(endpoint_id=created.pk) == State.FAILED
    created.refresh_from_db()
    assert "not published" in created.reason
    assert "Withdrawn" in created.reason
    assert created.next_step
    assert live_replicas(created) == []


def test_replicas_beyond_the_guarantee_fail_and_give_the_units_back(world, ready_to_deploy):
    version, grant = ready_to_deploy  # 4 units guaranteed
    first = deploy(world, version, grant, name="first", min_replicas=3, max_replicas=3)
    with override("en"):  # reasons are written in the language of the worker
        second = deploy(world, version, grant, name="second", min_replicas=2, max_replicas=2)
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.state == State.READY
    assert second.state == State.FAILED
    with override("en"):
        second_reason = Endpoint.objects.get(pk=second.pk).reason
    assert "could not admit 2 replica(s)" in second_reason
    assert live_replicas(second) == []
    assert len(live_replicas(first)) == 3


def test_the_form_level_refusals(world, ready_to_deploy, tmp_path):
    version, grant = ready_to_deploy
    deploy(world, version, grant)
    other_grant = granted(world.company_b)
    with override("en"), pytest.raises(ValidationError) as refused:
        pipeline.endpoint_create(
            company=world.company_a,
            version=version,
            grant=other_grant,
            name="press-line-1",
            user=world.owner_a,
            min_replicas=5,
            max_replicas=3,
        )
    messages = refused.value.message_dict
    assert "already exists" in messages["name"][0]
    assert "grant your company holds" in messages["grant"][0]
    assert "minimum cannot exceed the maximum" in messages["min_replicas"][0]
    # Company B cannot deploy company A's private model.
    with pytest.raises(ValidationError) as hidden:
        pipeline.endpoint_create(
            company=world.company_b,
            version=version,
            grant=other_grant,
            name="b",
            user=world.owner_b,
        )
    assert "version" in hidden.value.message_dict


def test_stop_resume_and_delete(world, ready_to_deploy):
    version, grant = ready_to_deploy
    created = deploy(world, version, grant)
    _key, _raw = keys.endpoint_key_issue(endpoint=created, user=world.owner_a, name="line app")
    lifecycle.endpoint_stop(endpoint=created, user=world.owner_a)
    assert created.state == State.STOPPED
    assert live_replicas(created) == []
    with pytest.raises(ValidationError):
        lifecycle.endpoint_stop(endpoint=created, user=world.owner_a)
    do(lifecycle.endpoint_resume, endpoint=created, user=world.owner_a)
    created.refresh_from_db()
    assert created.state == State.READY
    assert len(live_replicas(created)) == 1
    lifecycle.endpoint_delete(endpoint=created, user=world.owner_a)
    assert created.state == State.DELETED
    assert live_replicas(created) == []
    assert not EndpointKey.objects.filter(endpoint=created, revoked_at__isnull=True).exists()
    # The name is free again; the deleted endpoint's record stays.
    again = deploy(world, version, grant)
    assert again.pk != created.pk
    actions = list(
        AuditEntry.objects.filter(target_id=str(created.pk)).values_list("action", flat=True)
    )
    for action in ("endpoint.stop", "endpoint.resume", "endpoint.delete", "endpoint.key_issue"):
        assert action in actions


def test_roll_to_a_new_version_and_back(world, ready_to_deploy, tmp_path):
    version, grant = ready_to_deploy
    created = deploy(world, version, grant)
    newer = published(
        world.company_a,
        files.good(tmp_path / "m2.onnx", opset=14),
        version="2.0",
        family=version.family,
    )
    do(lifecycle.endpoint_roll, endpoint=created, version=newer, user=world.owner_a)
    created.refresh_from_db()
    assert (created.version, created.previous_version, created.next_version) == (
        newer,
        version,
        None,
    )
    do(lifecycle.endpoint_roll_back, endpoint=created, user=world.owner_a)
    created.refresh_from_db()
    assert (created.version, created.previous_version) == (version, newer)
    assert created.state == State.READY


def test_a_roll_that_fails_keeps_the_current_version_serving(world, ready_to_deploy, tmp_path):
    version, grant = ready_to_deploy
    created = deploy(world, version, grant)
    broken = published(
        world.company_a,
        files.good(tmp_path / "m3.onnx", opset=15),
        version="3.0",
        family=version.family,
    )
    broken.artifact_path.write_bytes(b"not a model any more")
    with override("en"):
        do(lifecycle.endpoint_roll, endpoint=created, version=broken, user=world.owner_a)
    created.refresh_from_db()
    assert created.state == State.READY
    assert (created.version, created.next_version) == (version, None)
    with override("en"):
        note = created.events.first().message
    assert "was not rolled out" in note
    assert "could not be loaded" in note


def test_scale_holds_the_new_minimum_and_refuses_more_than_the_guarantee(world, ready_to_deploy):
    version, grant = ready_to_deploy
    created = deploy(world, version, grant, min_replicas=1, max_replicas=1)
    lifecycle.endpoint_scale(endpoint=created, user=world.owner_a, min_replicas=3, max_replicas=4)
    assert len(live_replicas(created)) == 3
    with pytest.raises(ValidationError):
        lifecycle.endpoint_scale(
            endpoint=created, user=world.owner_a, min_replicas=5, max_replicas=5
        )
    assert len(live_replicas(created)) == 3
    lifecycle.endpoint_scale(endpoint=created, user=world.owner_a, min_replicas=1, max_replicas=1)
    assert len(live_replicas(created)) == 1


def test_autoscale_follows_compute_time_within_the_range(world, ready_to_deploy):
    version, grant = ready_to_deploy
    created = deploy(world, version, grant, min_replicas=1, max_replicas=3)
    now = timezone.now()
    # Five minutes in which the model ran 8 minutes in all: two replicas' worth at 60 % busy
    # would not do, three would.
    for minute in range(5):
        EndpointUsage.objects.create(
            endpoint=created,
            period="minute",
            start=now - timedelta(minutes=minute + 1),
            requests=1000,
            compute_ms=96_000,
        )
    assert lifecycle.endpoints_autoscale(now=now) == [created]
    assert len(live_replicas(created)) == 3
    EndpointUsage.objects.all().delete()
    lifecycle.endpoints_autoscale(now=now)
    assert len(live_replicas(created)) == 1


@override_settings(ONESTOP_DEPLOY_STEP_SECONDS=60, ONESTOP_DEPLOY_ATTEMPTS=2)
def test_the_sweeper_retries_an_abandoned_step_then_fails_it(world, ready_to_deploy):
    version, grant = ready_to_deploy
    stuck = Endpoint.objects.create(
        company=world.company_a,
        name="stuck",
        version=version,
        pool=grant.pool,
        state=State.PROVISIONING,
        state_changed_at=timezone.now() - timedelta(minutes=5),
    )
    # A fresh step is left alone: its worker may still be on it.
    fresh = Endpoint.objects.create(
        company=world.company_a, name="fresh", version=version, pool=grant.pool, state="warming"
    )
    assert do(pipeline.endpoints_sweep) == [stuck]
    stuck.refresh_from_db()
    fresh.refresh_from_db()
    assert stuck.state == State.READY
    assert stuck.attempts == 0
    assert fresh.state == State.WARMING

    Endpoint.objects.filter(pk=stuck.pk).update(
        state=State.WARMING, attempts=1, state_changed_at=timezone.now() - timedelta(minutes=5)
    )
    with override("en"):
        do(pipeline.endpoints_sweep)
    stuck.refresh_from_db()
    assert stuck.state == State.FAILED
    assert "stopped during" in stuck.reason
    assert stuck.next_step
    assert live_replicas(stuck) == []


def test_keys_are_per_endpoint_and_revocable(world, ready_to_deploy):
    version, grant = ready_to_deploy
    created = deploy(world, version, grant)
    key, raw = keys.endpoint_key_issue(endpoint=created, user=world.owner_a, name="MES")
    assert EndpointKey.find(raw) == key
    assert keys.endpoint_key_revoke(key=key, user=world.owner_a)
    assert EndpointKey.find(raw) is None
    assert not keys.endpoint_key_revoke(key=key, user=world.owner_a)  # twice is harmless


def test_a_failure_that_lost_the_race_leaves_the_replicas_alone(world, ready_to_deploy):
    version, grant = ready_to_deploy
    created = deploy(world, version, grant, min_replicas=2, max_replicas=2)
    # The sweeper thought it was still warming; it has become ready meanwhile.
    assert not transitions.endpoint_fail(
        endpoint=created, sources=[State.WARMING], reason="late", next_step="nothing"
    )
    created.refresh_from_db()
    assert created.state == State.READY
    assert len(live_replicas(created)) == 2


def test_a_stopped_endpoint_takes_no_replicas_from_a_late_worker(world, ready_to_deploy):
    from deployment.services.allocation import replicas_hold

    version, grant = ready_to_deploy
    created = deploy(world, version, grant)
    lifecycle.endpoint_stop(endpoint=created, user=world.owner_a)
    # A worker that claimed provisioning before the stop now asks for its replicas.
    assert replicas_hold(endpoint=created, count=2) == []
    assert live_replicas(created) == []


def test_a_pool_that_cannot_take_work_is_named_with_its_reason_before_deploying(
    world, ready_to_deploy
):
    version, grant = ready_to_deploy
    reason = "The Ray dashboard refused the connection: is the cluster running?"
    type(grant.pool).objects.filter(pk=grant.pool_id).update(unavailable_reason=reason)
    grant.pool.refresh_from_db()
    with override("en"), pytest.raises(ValidationError) as refused:
        pipeline.endpoint_create(
            company=world.company_a, version=version, grant=grant, name="line", user=world.owner_a
        )
    assert refused.value.message_dict["grant"] == [
        f"The pool {grant.pool.name} cannot take work now: {reason} Deploy when it is back, or "
        "on another grant."
    ]
    assert not Endpoint.objects.filter(name="line").exists()
