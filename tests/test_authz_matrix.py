"""Walk every URL pattern the project defines and check each against the matrix in
authz_matrix.yaml, for every persona, with objects of the persona's own tenant and of another.
"""

import fnmatch
from pathlib import Path

import pytest
import yaml
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from tests.datacheck_factories import datacheck_objects
from tests.deployment_factories import deployment_objects, programme_objects
from tests.diagnosis_factories import diagnosis_objects
from tests.skills_factories import skills_objects
from tests.voucher_factories import voucher_objects
from tests.workspace_factories import workspace_objects

MATRIX = yaml.safe_load((Path(__file__).parent / "authz_matrix.yaml").read_text())
PERSONAS = MATRIX["personas"]

# Object kinds: (object of tenant A / partner P, object of tenant B / partner Q).
OBJECTS = {
    "company": lambda w: (w.company_a, w.company_b),
    "membership": lambda w: (
        w.membership(w.member_a, w.company_a),
        w.membership(w.teammate_b, w.company_b),
    ),
    "invitation": lambda w: (w.invitation_a, w.invitation_b),
    "invitation_token": lambda w: (w.invitation_a, w.invitation_b),
    "api_key": lambda w: (w.key_p2, w.key_q),
    "api_key_public_id": lambda w: (w.key_p2, w.key_q),
    "assessment_open": lambda w: (diagnosis_objects(w).open_a, diagnosis_objects(w).open_b),
    "assessment_submitted": lambda w: (
        diagnosis_objects(w).submitted_a,
        diagnosis_objects(w).submitted_b,
    ),
    "diagnosis_share": lambda w: (diagnosis_objects(w).share_a, diagnosis_objects(w).share_b),
    "data_check": lambda w: (datacheck_objects(w).check_a, datacheck_objects(w).check_b),
    "data_study": lambda w: (datacheck_objects(w).study_a, datacheck_objects(w).study_b),
    "model_family": lambda w: (deployment_objects(w).family_p, deployment_objects(w).family_q),
    "model_version": lambda w: (deployment_objects(w).version_p, deployment_objects(w).version_q),
    "pool": lambda w: (deployment_objects(w).pool_x, deployment_objects(w).pool_y),
    # A company that shared its diagnosis with partner P (B with Q).
    "shared_company": lambda w: (
        diagnosis_objects(w).share_a.company,
        diagnosis_objects(w).share_b.company,
    ),
    "programme": lambda w: (programme_objects(w).programme, programme_objects(w).programme),
    "application": lambda w: (
        programme_objects(w).application_a,
        programme_objects(w).application_b,
    ),
    "approved_application": lambda w: (
        programme_objects(w).approved_a,
        programme_objects(w).approved_b,
    ),
    "report": lambda w: (programme_objects(w).report_a, programme_objects(w).report_b),
    "grant": lambda w: (programme_objects(w).grant_a, programme_objects(w).grant_b),
    "company_model": lambda w: (deployment_objects(w).private_a, deployment_objects(w).private_b),
    "endpoint": lambda w: endpoint_objects(w)[0],
    "training_job": lambda w: training_objects(w),
    "notification": lambda w: notifications_of(w),
    "scoring_job": lambda w: scoring_objects(w),
    "endpoint_key": lambda w: endpoint_objects(w)[1],
    # A's quote from partner P, B's from partner Q (each with ``matrix_voucher`` to pay it).
    "quote": lambda w: tuple(voucher_objects(w).quotes),
    # A software voucher of A and of B (``family_id``: a priced model of P to license).
    "software_voucher": lambda w: tuple(voucher_objects(w).software),
    "licence": lambda w: tuple(voucher_objects(w).licences),
    # People and skills: a staff member of A and of B, and a completed enrolment of each with
    # a PDF certificate.
    "staff_member": lambda w: (skills_objects(w).member_a, skills_objects(w).member_b),
    "enrolment": lambda w: (skills_objects(w).enrolment_a, skills_objects(w).enrolment_b),
    # The consultant's workspace: a step of A's plan owned by member A (B's by B's teammate),
    # each owner's consent to its consultant, a draft application each, the owner's
    # respondent on each open assessment.
    "action_item": lambda w: workspace_objects(w).steps,
    "upload_consent": lambda w: workspace_objects(w).consents,
    "application_draft": lambda w: workspace_objects(w).drafts,
    "respondent": lambda w: workspace_objects(w).respondents,
}


def training_objects(world):
    """A training job of A and of B, waiting for units on a GPU pool, each on a data check of
    its company (records only: these routes never read the files)."""
    if not hasattr(world, "_training"):
        from django.utils import timezone

        from deployment.models import TrainingJob
        from diagnosis.models import DataCheck

        pool = deployment_objects(world).pool_x
        jobs = []
        for company in (world.company_a, world.company_b):
            check = DataCheck.objects.create(
                company=company,
                original_name="sample.csv",
                size=1,
                sha256="0" * 64,
                status="ready",
                expires_at=timezone.now() + timezone.timedelta(days=1),
            )
            jobs.append(
                TrainingJob.objects.create(
                    company=company,
                    data_check=check,
                    target="불량",
                    family="forest",
                    budget_unit_hours=1,
                    pool=pool,
                    steps=10,
                )
            )
        world._training = tuple(jobs)
    return world._training


def scoring_objects(world):
    """A batch scoring job of A and of B on their matrix endpoints, waiting for units."""
    if not hasattr(world, "_scoring"):
        from django.utils import timezone

        from deployment.models import ScoringJob

        world._scoring = tuple(
            ScoringJob.objects.create(
                company=endpoint.company,
                endpoint=endpoint,
                version=endpoint.version,
                original_name="press.csv",
                size=1,
                sha256="0" * 64,
                pool=endpoint.pool or deployment_objects(world).pool_x,
                expires_at=timezone.now() + timezone.timedelta(days=1),
            )
            for endpoint in endpoint_objects(world)[0]
        )
    return world._scoring


def endpoint_objects(world):
    """A ready endpoint of A and of B on a grant each (a catalog version, no model file), and
    a key of each: ((endpoint A, endpoint B), (key A, key B))."""
    if not hasattr(world, "_endpoints"):
        from deployment.models import Endpoint, EndpointKey

        grants = programme_objects(world).grant_a, programme_objects(world).grant_b
        version = deployment_objects(world).version_p
        made = [
            Endpoint.objects.create(
                company=grant.company,
                name=f"matrix-{grant.company_id}",
                version=version,
                pool=grant.pool,
                state=Endpoint.State.READY,
            )
            for grant in grants
        ]
        keys = [EndpointKey.issue(endpoint)[0] for endpoint in made]
        world._endpoints = (tuple(made), tuple(keys))
    return world._endpoints


def route_names(patterns=None, namespace=""):
    """Every route as 'namespace:name' (or its regex when it has no name)."""
    if patterns is None:
        patterns = get_resolver().url_patterns
    names = []
    for entry in patterns:
        if isinstance(entry, URLResolver):
            inner = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            names += route_names(entry.url_patterns, inner)
        elif isinstance(entry, URLPattern):
            names.append(f"{namespace}{entry.name or entry.pattern}")
    return names


def unmapped_routes(urlconf=None):
    """Routes of ``urlconf`` that no matrix entry (exact or glob) covers."""
    patterns = get_resolver(urlconf).url_patterns
    keys = list(MATRIX["routes"])
    return sorted(
        {
            name
            for name in route_names(patterns)
            if not any(fnmatch.fnmatchcase(name, key) for key in keys)
        }
    )


def test_every_route_is_in_the_matrix():
    assert unmapped_routes() == []


def test_a_route_missing_from_the_matrix_fails_the_build():
    assert unmapped_routes("tests.urls_with_unmapped_route") == ["forgotten_route"]


def test_the_matrix_has_no_stale_entries():
    names = route_names()
    stale = [key for key in MATRIX["routes"] if not fnmatch.filter(names, key)]
    assert stale == []


def _cases():
    for key, checks in MATRIX["routes"].items():
        for index, check in enumerate(checks):
            sides = ("a", "b") if check.get("object") else (None,)
            for persona in PERSONAS:
                for side in sides:
                    label = f"{check.get('route', key)}-{check['method']}-{index}-{persona}"
                    yield pytest.param(
                        key, index, persona, side, id=label + (f"-{side}" if side else "")
                    )


def expected_outcome(check, persona, side):
    expect = check["expect"]
    outcome = expect.get(persona, expect.get("default"))
    assert outcome is not None, f"no outcome for {persona}"
    if isinstance(outcome, dict):
        outcome = outcome[side]
    return outcome


def client_for(persona, world):
    if persona == "partner_key":
        return Client(HTTP_AUTHORIZATION=f"Bearer {world.raw_key_p}")
    client = Client()
    if persona != "anonymous":
        client.force_login(getattr(world, persona))
    return client


def resolve_value(value, obj, world):
    """A kwarg or form value: an attribute of the object when there is one, an attribute path
    into the world ("world.partner_p.pk"), or a literal."""
    if isinstance(value, str) and value.startswith("world."):
        target = world
        for name in value.split(".")[1:]:
            target = getattr(target, name)
        return target
    if obj is None:
        return value
    if value == "token":
        return world.tokens[obj.pk]
    if not hasattr(obj, value):
        return value  # a literal, e.g. a dimension code
    return getattr(obj, value)


def notifications_of(world):
    """A notice in owner A's inbox and one in owner B's."""
    from onestop.models import Notification

    if not hasattr(world, "_notifications"):
        world._notifications = tuple(
            Notification.objects.create(
                user=owner, kind="report_due", subject="보고서", body="본문", url="/programmes/"
            )
            for owner in (world.owner_a, world.owner_b)
        )
    return world._notifications


def test_matrix_entries_name_every_persona_or_a_default():
    for key, checks in MATRIX["routes"].items():
        for check in checks:
            missing = [p for p in PERSONAS if p not in check["expect"]]
            assert not missing or "default" in check["expect"], (key, missing)


@pytest.mark.parametrize(("key", "index", "persona", "side"), list(_cases()))
def test_route_answers_persona_as_the_matrix_says(key, index, persona, side, world, settings):
    check = MATRIX["routes"][key][index]
    settings.API_THROTTLE_RATE = "10000/min"
    obj = None
    if side is not None:
        obj = OBJECTS[check["object"]](world)[0 if side == "a" else 1]
    kwargs = {k: resolve_value(v, obj, world) for k, v in check.get("kwargs", {}).items()}
    data = {k: resolve_value(v, obj, world) for k, v in check.get("data", {}).items()}
    url = reverse(check.get("route", key), kwargs=kwargs or None)
    client = client_for(persona, world)
    response = client.generic(
        check["method"],
        url,
        data=_encode(data),
        content_type="application/x-www-form-urlencoded",
    )
    outcome = expected_outcome(check, persona, side)
    location = response.get("Location", "")
    if outcome in ("login", "admin_login"):
        login_url = reverse("login" if outcome == "login" else "admin:login")
        assert response.status_code == 302, (response.status_code, location)
        assert location.startswith(login_url), location
    elif outcome == 302:
        assert response.status_code == 302, response.status_code
        assert not location.startswith(reverse("login")), location
    else:
        assert response.status_code == outcome, (response.status_code, location)


def _encode(data):
    from urllib.parse import urlencode

    return urlencode(data)


def test_every_admin_model_is_checked_in_the_matrix():
    """The admin glob covers routes Django generates; each registered model's list must still
    be tried for every persona, so a new admin model cannot slip in unchecked."""
    from django.contrib import admin

    checked = {check.get("route") for check in MATRIX["routes"]["admin:*"]}
    missing = sorted(
        f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist"
        for model in admin.site._registry
        if f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist" not in checked
    )
    assert missing == []
