"""The endpoint pages: deploying a model from the portal, following it to ready, trying it,
reading its usage, changing it, and managing its keys; members watch, owners change, and
another company's endpoint does not exist."""

import json

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation

from deployment.models import Endpoint, EndpointKey, EndpointUsage
from deployment.services.endpoints import lifecycle
from deployment.services.endpoints.keys import endpoint_key_issue
from deployment.serving import keys
from deployment.serving import tallies as tally
from deployment.serving.sessions import clear
from tests import onnx_files as files
from tests.serving_factories import granted, published

State = Endpoint.State


@pytest.fixture(autouse=True)
def _fresh(db):
    clear()
    keys.forget()
    tally.flush()  # nothing left over from another test's requests
    EndpointUsage.objects.all().delete()
    yield
    clear()
    keys.forget()


@pytest.fixture
def deployable(world, tmp_path):
    """Company A's own published model (input "x" [-1, 4] → "y") and a CPU grant of 4 units."""
    return published(world.company_a, files.good(tmp_path / "m.onnx")), granted(world.company_a)


@pytest.fixture
def member_client(world):
    client = Client()
    client.force_login(world.member_a)
    return client


def deploy(client, capture, version, grant, name="press-line-1", **fields):
    data = {
        "version": version.pk,
        "grant": grant.pk,
        "name": name,
        "min_replicas": 1,
        "max_replicas": 1,
        **fields,
    }
    with capture(execute=True):  # the deploy task runs inline once the request commits
        return client.post(reverse("endpoint_new"), data)


@pytest.fixture
def ready(owner_client, deployable, django_capture_on_commit_callbacks):
    version, grant = deployable
    response = deploy(owner_client, django_capture_on_commit_callbacks, version, grant)
    assert response.status_code == 302, response.content.decode()
    return Endpoint.objects.get(name="press-line-1")


def page(client, endpoint):
    response = client.get(reverse("endpoint_detail", args=[endpoint.pk]))
    assert response.status_code == 200
    return response.content.decode()


def try_it(client, endpoint, row):
    data = {f"x{i}": value for i, value in enumerate(row)}
    return client.post(reverse("endpoint_try", args=[endpoint.pk]), data)


# --- list and deploy ----------------------------------------------------------------------


def test_the_list_says_plainly_when_there_are_no_endpoints(owner_client, world):
    text = owner_client.get(reverse("endpoint_list")).content.decode()
    assert 'data-testid="no-endpoints"' in text
    assert reverse("programmes") in text


def test_a_match_link_preselects_the_model_a_free_name_and_the_grant(
    owner_client, deployable, world
):
    version, grant = deployable
    Endpoint.objects.create(company=world.company_b, name="press-line-model", version=version)
    response = owner_client.get(reverse("endpoint_new"), {"version": version.pk})
    form = response.context["form"]
    assert form.initial["version"] == version.pk
    assert form.initial["name"] == "press-line-model-2"  # the family's name, not yet taken
    assert form.initial["grant"] == grant.pk
    grant_option = (
        f'<option value="{grant.pk}" selected>{grant.pool.name} · CPU · '
        # The day it ends where the portal's people are, not in UTC (they differ at night).
        f"{timezone.localdate(grant.ends_at).isoformat()}까지 4단위 보장</option>"
    )
    assert grant_option in response.content.decode()


def test_deploying_from_the_form_reaches_ready_with_its_history(
    owner_client, deployable, django_capture_on_commit_callbacks
):
    version, grant = deployable
    response = deploy(owner_client, django_capture_on_commit_callbacks, version, grant)
    created = Endpoint.objects.get(name="press-line-1")
    assert response["Location"] == reverse("endpoint_detail", args=[created.pk])
    assert created.state == State.READY, created.reason
    assert created.pool_id == grant.pool_id
    text = page(owner_client, created)
    assert 'data-state="ready"' in text
    assert 'data-testid="ready-note"' in text
    assert text.count('class="badge state-') >= 5  # pending … ready in the history
    listed = owner_client.get(reverse("endpoint_list")).content.decode()
    assert 'data-testid="endpoint-row"' in listed
    assert "press-line-1" in listed


def test_without_a_grant_the_form_points_to_the_programmes(owner_client, world, tmp_path):
    published(world.company_a, files.good(tmp_path / "m.onnx"))
    text = owner_client.get(reverse("endpoint_new")).content.decode()
    assert 'data-testid="no-grant"' in text
    assert reverse("programmes") in text
    assert 'data-testid="deploy-form"' not in text


def test_another_company_s_grant_is_refused_on_the_form(
    owner_client, world, deployable, django_capture_on_commit_callbacks
):
    version, _grant = deployable
    theirs = granted(world.company_b)
    response = deploy(owner_client, django_capture_on_commit_callbacks, version, theirs)
    assert response.status_code == 400
    assert "grant" in response.context["form"].errors
    assert not Endpoint.objects.exists()


def test_a_name_in_use_is_refused_with_the_service_s_reason(
    owner_client, world, deployable, django_capture_on_commit_callbacks
):
    version, grant = deployable
    Endpoint.objects.create(company=world.company_b, name="press-line-1", version=version)
    response = deploy(owner_client, django_capture_on_commit_callbacks, version, grant)
    assert response.status_code == 400
    errors = response.context["form"].errors["name"]
    assert "press-line-1" in errors[0]
    assert 'class="field has-error"' in response.content.decode()


def test_more_replicas_than_the_grant_guarantees_are_refused(
    owner_client, deployable, django_capture_on_commit_callbacks
):
    version, grant = deployable  # 4 units guaranteed
    response = deploy(
        owner_client,
        django_capture_on_commit_callbacks,
        version,
        grant,
        min_replicas=5,
        max_replicas=5,
    )
    assert response.status_code == 400
    assert response.context["form"].errors["min_replicas"] == [
        "1단위 복제본 5개에는 5단위가 필요하지만, 할당에서 보장하는 단위는 4단위입니다."
    ]
    too_many = deploy(
        owner_client, django_capture_on_commit_callbacks, version, grant, max_replicas=9
    )
    assert "max_replicas" in too_many.context["form"].errors
    assert not Endpoint.objects.exists()


def test_members_watch_endpoints_but_do_not_deploy(member_client, ready):
    assert member_client.get(reverse("endpoint_new")).status_code == 403
    text = page(member_client, ready)
    assert 'data-testid="try-form"' in text
    assert 'data-testid="key-form"' not in text
    assert 'data-testid="scale-form"' not in text


# --- progress -----------------------------------------------------------------------------


def test_a_deployment_in_flight_shows_progress_and_the_status_view_follows_it(
    owner_client, world, deployable
):
    version, grant = deployable
    created = Endpoint.objects.create(
        company=world.company_a,
        name="press-line-1",
        version=version,
        pool=grant.pool,
        state=State.PROVISIONING,
    )
    created.events.create(state=State.PROVISIONING, message="Asking the pool for 1 replica.")
    text = page(owner_client, created)
    assert 'data-testid="deploy-progress"' in text
    assert 'aria-valuenow="50"' in text
    assert "data-following" in text
    assert 'data-testid="try-not-ready"' in text
    status = owner_client.get(reverse("endpoint_status", args=[created.pk])).json()
    assert (status["state"], status["progress"], status["in_flight"]) == ("provisioning", 50, True)
    assert "Asking the pool for 1 replica." in status["html"]


def test_a_failed_deployment_shows_its_reason_next_step_and_resume(owner_client, world, deployable):
    version, grant = deployable
    created = Endpoint.objects.create(
        company=world.company_a,
        name="press-line-1",
        version=version,
        pool=grant.pool,
        state=State.FAILED,
        reason="The pool could not admit 2 replicas.",
        next_step="Deploy with fewer replicas, then resume.",
    )
    text = page(owner_client, created)
    assert "The pool could not admit 2 replicas." in text
    assert "Deploy with fewer replicas, then resume." in text
    assert 'data-testid="resume"' in text
    assert "data-following" not in text
    status = owner_client.get(reverse("endpoint_status", args=[created.pk])).json()
    assert status["in_flight"] is False


# --- try it, snippets and usage -----------------------------------------------------------


def test_try_it_answers_with_the_model_s_outputs_and_counts_in_usage(owner_client, ready):
    text = page(owner_client, ready)
    assert 'data-testid="usage-empty"' in text
    response = try_it(owner_client, ready, [1, 2, 3, 4.5])
    assert response.status_code == 200, response.content
    assert response.json()["outputs"] == {"y": [[10.5, 10.5]]}  # x·ones(4, 2) + 0
    tally.flush()
    usage = EndpointUsage.objects.get(endpoint=ready, period="minute")
    assert (usage.requests, usage.errors) == (1, 0)
    text = page(owner_client, ready)
    assert 'data-testid="usage-requests">1<' in text
    assert 'data-testid="chart-requests"' in text
    assert 'data-testid="chart-latency"' in text
    assert 'data-testid="usage-budget"' in text


def test_try_it_runs_through_the_endpoint_s_batching_like_a_client(
    owner_client, ready, monkeypatch
):
    from deployment.serving import batching

    Endpoint.objects.filter(pk=ready.pk).update(batch_max_size=4, batch_max_delay_ms=1)
    batched = []
    real_run = batching.run
    monkeypatch.setattr(
        batching,
        "run",
        lambda endpoint, *rest: batched.append(endpoint.pk) or real_run(endpoint, *rest),
    )
    response = try_it(owner_client, ready, [1, 2, 3, 4.5])
    assert response.status_code == 200, response.content
    assert response.json()["outputs"] == {"y": [[10.5, 10.5]]}
    assert batched == [ready.pk]
    tally.flush()
    assert EndpointUsage.objects.get(endpoint=ready, period="minute").requests == 1


def test_try_it_refuses_what_is_not_a_number_with_a_readable_message(owner_client, ready):
    response = try_it(owner_client, ready, [1, "twelve", 3, 4])
    assert response.status_code == 400
    assert "x[1]" in response.json()["error"]  # the field, by the label the page shows
    assert try_it(owner_client, ready, [1, 2, 3]).status_code == 400  # a missing field
    assert try_it(owner_client, ready, [1, 2, 3, "nan"]).status_code == 400
    # Finite here, but infinite as the 32-bit float the model takes.
    assert try_it(owner_client, ready, [1, 2, 3, "1e39"]).status_code == 400
    assert tally.flush() == 0  # nothing reached the model, nothing counted


def test_try_it_labels_fields_with_the_model_s_input_columns(owner_client, ready):
    ready.version.input_columns = [
        {"name": "Torque", "type": "number", "unit": "Nm"},
        {"name": "Rotational speed", "type": "number", "unit": "rpm"},
        {"name": "Type", "type": "category", "value": "L"},
        {"name": "Tool wear", "type": "number", "unit": "min"},
    ]
    ready.version.save(update_fields=["input_columns"])
    text = page(owner_client, ready)
    assert "Torque (Nm)" in text
    assert 'name="c2"' in text  # the category is a choice, not a one-hot number


def with_machine_type(endpoint):
    """Two numbers and a category (Type: L or M) one-hot encoded in two columns."""
    endpoint.version.input_columns = [
        {"name": "Torque", "type": "number", "unit": "Nm"},
        {"name": "Rotational speed", "type": "number", "unit": "rpm"},
        {"name": "Type", "type": "category", "value": "L"},
        {"name": "Type", "type": "category", "value": "M"},
    ]
    endpoint.version.save(update_fields=["input_columns"])


def test_try_it_takes_a_category_as_a_choice_and_sends_its_one_hot_columns(owner_client, ready):
    with_machine_type(ready)
    text = page(owner_client, ready)
    assert text.count('data-testid="try-choice"') == 1
    assert '<option value="M">M</option>' in text
    answer = owner_client.post(
        reverse("endpoint_try", args=[ready.pk]), {"x0": "1", "x1": "2", "c2": "M"}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["outputs"] == {"y": [[4.0, 4.0]]}  # 1 + 2 + (L 0) + (M 1)
    refused = owner_client.post(
        reverse("endpoint_try", args=[ready.pk]), {"x0": "1", "x1": "2", "c2": "Q"}
    )
    assert refused.status_code == 400
    assert "Type" in refused.json()["error"]


def test_the_answer_is_read_out_in_a_sentence():
    from django.utils import translation

    from deployment.views.try_reading import reading

    with translation.override("ko"):
        failure = reading(
            {"label": [1], "probabilities": [{"0": 0.16, "1": 0.84}]},
            ["predictive_maintenance"],
        )
        assert failure == "고장 가능성: 84 %"
        assert reading({"label": [0], "probabilities": [[0.9, 0.1]]}, []).endswith("10 %")
        assert reading({"y": [[12.25]]}, []) == "예측값: 12.25"
        assert reading({"y": [[1.0, 2.0]]}, []) == ""  # nothing a sentence can tell


def test_models_that_do_not_take_a_row_of_numbers_get_snippets_only(owner_client, ready):
    ready.version.signature = {
        "inputs": [{"name": "image", "type": "tensor(float)", "shape": [None, 3, 16, 16]}],
        "outputs": [{"name": "y", "type": "tensor(float)", "shape": [None, 2]}],
    }
    ready.version.save(update_fields=["signature"])
    text = page(owner_client, ready)
    assert 'data-testid="try-unsupported"' in text
    assert 'data-testid="try-form"' not in text
    assert "[1, 3, 16, 16]" in text  # the snippets still show the real shape
    assert try_it(owner_client, ready, [1, 2, 3, 4]).status_code == 400


def test_the_snippets_name_the_endpoint_its_input_and_this_host(owner_client, ready):
    response = owner_client.get(reverse("endpoint_detail", args=[ready.pk]))
    snippets = response.context["snippets"]
    assert "curl -X POST http://testserver/v2/models/press-line-1/infer" in snippets["curl"]
    body = json.loads(snippets["curl"].split("-d '")[1].rstrip("'"))
    assert body["inputs"][0] == {
        "name": "x",
        "shape": [1, 4],
        "datatype": "FP32",
        "data": [0.0] * 4,
    }
    assert 'InferenceServerClient(url="testserver")' in snippets["python"]
    assert 'InferInput("x", [1, 4], "FP32")' in snippets["python"]
    assert 'client.infer(\n    "press-line-1"' in snippets["python"]
    assert "Bearer ep_…" in snippets["python"]  # a placeholder: keys are never shown again


# --- changes ------------------------------------------------------------------------------


def post(client, name, endpoint, data=None):
    return client.post(reverse(name, args=[endpoint.pk]), data or {})


def test_stop_resume_and_delete_through_the_page(
    owner_client, ready, django_capture_on_commit_callbacks
):
    assert post(owner_client, "endpoint_stop", ready).status_code == 302
    ready.refresh_from_db()
    assert ready.state == State.STOPPED
    assert 'data-testid="resume"' in page(owner_client, ready)
    with django_capture_on_commit_callbacks(execute=True):
        post(owner_client, "endpoint_resume", ready)
    ready.refresh_from_db()
    assert ready.state == State.READY
    # Deleting asks first: the first POST only shows what will happen.
    asked = post(owner_client, "endpoint_delete", ready)
    assert asked.status_code == 200
    assert 'data-testid="confirm"' in asked.content.decode()
    ready.refresh_from_db()
    assert ready.state == State.READY
    response = post(owner_client, "endpoint_delete", ready, {"confirmed": "yes"})
    assert response["Location"] == reverse("endpoint_list")
    ready.refresh_from_db()
    assert ready.state == State.DELETED
    assert owner_client.get(reverse("endpoint_detail", args=[ready.pk])).status_code == 404


def test_a_refused_change_comes_back_with_the_service_s_reason(owner_client, ready):
    response = post(owner_client, "endpoint_resume", ready)  # it is not stopped
    assert response.status_code == 302
    refusal = list(response.wsgi_request._messages)[-1]
    assert refusal.level_tag == "error"
    with translation.override("ko"):  # the portal's language, as the request had it
        assert str(refusal) == translation.gettext(
            "Only a stopped or failed endpoint can be resumed."
        )
    ready.refresh_from_db()
    assert ready.state == State.READY


def test_roll_to_a_new_version_and_back(
    owner_client, world, ready, tmp_path, django_capture_on_commit_callbacks
):
    first = ready.version
    second = published(
        world.company_a, files.good(tmp_path / "m2.onnx"), version="2.0", family=first.family
    )
    with django_capture_on_commit_callbacks(execute=True):
        post(owner_client, "endpoint_roll", ready, {"version": second.pk})
    ready.refresh_from_db()
    assert (ready.version_id, ready.previous_version_id) == (second.pk, first.pk)
    assert 'data-testid="rollback"' in page(owner_client, ready)
    with django_capture_on_commit_callbacks(execute=True):
        post(owner_client, "endpoint_rollback", ready)
    ready.refresh_from_db()
    assert ready.version_id == first.pk


def test_scale_and_configure_through_the_page(owner_client, ready):
    post(owner_client, "endpoint_scale", ready, {"min_replicas": 2, "max_replicas": 3})
    ready.refresh_from_db()
    assert (ready.min_replicas, ready.max_replicas) == (2, 3)
    post(owner_client, "endpoint_scale", ready, {"min_replicas": 5, "max_replicas": 5})
    ready.refresh_from_db()
    assert ready.min_replicas == 2  # 5 × 1 unit is past the grant's 4
    post(
        owner_client,
        "endpoint_configure",
        ready,
        {"deadline_ms": 500, "batch_max_size": 8, "batch_max_delay_ms": 2},
    )
    ready.refresh_from_db()
    assert (ready.deadline_ms, ready.batch_max_size, ready.batch_max_delay_ms) == (500, 8, 2)
    post(
        owner_client,
        "endpoint_configure",
        ready,
        {"deadline_ms": 5, "batch_max_size": 8, "batch_max_delay_ms": 2},
    )
    ready.refresh_from_db()
    assert ready.deadline_ms == 500
    assert 'data-testid="deadline">500 ms' in page(owner_client, ready)


# --- keys ---------------------------------------------------------------------------------


def infer(raw_key, row=(1, 2, 3, 4)):
    body = {"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": list(row)}]}
    return Client().post(
        "/v2/models/press-line-1/infer",
        data=json.dumps(body),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw_key}",
    )


def issue_key(client, endpoint, name):
    """Issue a key through the page: the POST redirects to the page that shows it once."""
    response = post(client, "endpoint_key_issue", endpoint, {"name": name})
    assert response.status_code == 302
    return client.get(response["Location"])


def test_a_key_is_shown_once_then_only_its_prefix(owner_client, ready):
    response = issue_key(owner_client, ready, "line 3 gateway")
    assert response.status_code == 200
    raw = response.context["raw_key"]
    text = response.content.decode()
    assert raw.startswith("ep_")
    assert raw in text
    assert f"Bearer {raw}" in response.context["snippets"]["curl"]
    key = EndpointKey.objects.get(endpoint=ready, name="line 3 gateway")
    later = page(owner_client, ready)
    assert raw not in later
    assert str(key) in later


def test_reloading_the_new_key_s_page_issues_no_second_key_and_hides_the_first(owner_client, ready):
    shown = issue_key(owner_client, ready, "line 3 gateway")
    reloaded = owner_client.get(shown.wsgi_request.path)
    assert reloaded.status_code == 200
    text = reloaded.content.decode()
    assert shown.context["raw_key"] not in text
    assert 'data-testid="key-already-shown"' in text
    assert EndpointKey.objects.filter(endpoint=ready).count() == 1


def test_a_revoked_key_no_longer_opens_the_endpoint(owner_client, ready):
    raw = issue_key(owner_client, ready, "app").context["raw_key"]
    assert infer(raw).status_code == 200
    key = EndpointKey.objects.get(endpoint=ready, name="app")
    response = owner_client.post(reverse("endpoint_key_revoke", args=[key.pk]))
    assert response["Location"] == reverse("endpoint_detail", args=[ready.pk])
    key.refresh_from_db()
    assert key.revoked_at is not None
    assert infer(raw).status_code == 401


def test_members_cannot_issue_or_revoke_keys(member_client, ready):
    assert post(member_client, "endpoint_key_issue", ready, {"name": "mine"}).status_code == 403
    key = EndpointKey.issue(ready)[0]
    assert member_client.post(reverse("endpoint_key_revoke", args=[key.pk])).status_code == 403
    key.refresh_from_db()
    assert key.revoked_at is None
    assert post(member_client, "endpoint_stop", ready).status_code == 403


def test_another_company_s_endpoint_does_not_exist(world, ready):
    other = Client()
    other.force_login(world.owner_b)
    key = EndpointKey.issue(ready)[0]
    for name in ("endpoint_detail", "endpoint_status"):
        assert other.get(reverse(name, args=[ready.pk])).status_code == 404
    for name in ("endpoint_try", "endpoint_stop", "endpoint_delete", "endpoint_key_issue"):
        assert post(other, name, ready).status_code == 404
    assert other.post(reverse("endpoint_key_revoke", args=[key.pk])).status_code == 404
    assert "press-line-1" not in other.get(reverse("endpoint_list")).content.decode()


# --- the journey --------------------------------------------------------------------------


def test_the_dashboard_s_deploy_step_follows_the_endpoints(owner_client, world, ready):
    from deployment.journey import deploy_step

    assert deploy_step(world.company_b)[0] == "todo"
    state, url, _status = deploy_step(world.company_a)
    assert (state, url) == ("done", reverse("endpoint_list"))
    lifecycle.endpoint_stop(endpoint=ready, user=world.owner_a)
    assert deploy_step(world.company_a)[0] == "in_progress"


def test_a_deleted_endpoint_s_keys_are_not_found(owner_client, ready, world):
    key, _raw = endpoint_key_issue(endpoint=ready, user=world.owner_a, name="old app")
    lifecycle.endpoint_delete(endpoint=ready, user=world.owner_a)
    response = owner_client.post(reverse("endpoint_key_revoke", args=[key.pk]))
    assert response.status_code == 404


def test_try_it_takes_a_category_value_the_model_never_learned(owner_client, ready):
    with_machine_type(ready)
    answer = owner_client.post(
        reverse("endpoint_try", args=[ready.pk]), {"x0": "1", "x1": "2", "c2": ""}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["outputs"] == {"y": [[3.0, 3.0]]}  # 1 + 2, and Type all zeros
