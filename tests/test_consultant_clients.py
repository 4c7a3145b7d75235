"""The client list: every company a desk member works on, the ones that need attention first,
each with why (reports overdue or due, applications and reports to review, endpoints failing
or drifting, grants idle, action-plan steps overdue) and a link to act on it."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deployment.models import AllocationEvent, Endpoint, Grant, HealthAlert, Workload
from onestop.models import Application
from tests import deployment_factories as make
from tests import factories
from tests.workspace_factories import step


def grant(company, pool, *, days_ago, application=None):
    start = timezone.now() - timedelta(days=days_ago)
    return Grant.objects.create(
        company=company,
        pool=pool,
        guarantee_units=1,
        starts_at=start,
        ends_at=start + timedelta(days=730),
        application=application,
    )


def funded(company, owner, pool, *, days_ago):
    """An approved application whose grant started ``days_ago`` days ago, with one job that
    keeps the grant busy (so only the reports speak)."""
    application = make.application(company, owner, make.programme(), flavor="rbln-atom")
    Application.objects.filter(pk=application.pk).update(state=Application.State.APPROVED)
    busy(grant(company, pool, days_ago=days_ago, application=application))
    return application


def busy(held):
    workload = Workload.objects.create(
        company=held.company, pool=held.pool, name="job", kind="training", units=1, state="running"
    )
    AllocationEvent.objects.create(
        workload=workload,
        company=held.company,
        pool=held.pool,
        action="admit",
        at=timezone.now() - timedelta(days=1),
    )


def endpoint(company, pool, state="ready"):
    return Endpoint.objects.create(
        company=company,
        name=f"press-{company.pk}",
        version=make.version(make.family(name=f"m{company.pk}")),
        pool=pool,
        state=state,
    )


@pytest.fixture
def desk(world):
    """One company per reason, and one that needs nothing."""
    pool = make.pool(name="대전 ATOM")
    made = {}
    for name in (
        "보고지연",
        "장애",
        "드리프트",
        "검토대기",
        "할일지연",
        "보고임박",
        "유휴",
        "평온",
    ):
        owner = factories.make_user()
        made[name] = (factories.make_company(name=name, owner=owner), owner)
    company, owner = made["보고지연"]
    funded(company, owner, pool, days_ago=40)  # the month-1 report was due 10 days ago
    company, owner = made["보고임박"]
    funded(company, owner, pool, days_ago=20)  # due in 10 days
    endpoint(made["장애"][0], pool, state=Endpoint.State.FAILED)
    HealthAlert.objects.create(
        endpoint=endpoint(made["드리프트"][0], pool),
        kind="drift",
        value=0.4,
        threshold=0.25,
        raised_at=timezone.now() - timedelta(days=2),
    )
    company, owner = made["검토대기"]
    make.application(company, owner, make.programme())
    company, owner = made["할일지연"]
    step(company, owner, owner=owner, due_in_days=-3)
    grant(made["유휴"][0], pool, days_ago=30)  # nothing ever ran on it
    return made


def rows(client, **params):
    return client.get(reverse("diagnosis:clients"), params).context["page"].object_list


def test_the_officer_sees_the_companies_that_need_attention_first_and_why(client, world, desk):
    client.force_login(world.officer)
    listed = rows(client)
    order = [row.company.name for row in listed]
    assert order[:7] == ["보고지연", "장애", "드리프트", "검토대기", "할일지연", "보고임박", "유휴"]
    kinds = {row.company.name: [r.kind for r in row.reasons] for row in listed}
    assert kinds["보고지연"] == ["report_overdue"]
    assert kinds["장애"] == ["endpoint_failing"]
    assert kinds["드리프트"] == ["drift"]
    assert kinds["검토대기"] == ["review"]
    assert kinds["할일지연"] == ["steps_overdue"]
    assert kinds["보고임박"] == ["report_due"]
    assert kinds["유휴"] == ["grant_idle"]
    assert kinds["평온"] == []
    # Each reason links to where the desk acts on it.
    page = client.get(reverse("diagnosis:clients")).content.decode()
    overdue = desk["보고지연"][0].applications.get()
    assert reverse("consultant_application", args=[overdue.pk]) in page
    assert reverse("diagnosis:consultant_plan", args=[desk["할일지연"][0].pk]) in page
    assert reverse("diagnosis:handover", args=[desk["드리프트"][0].pk]) + "#endpoints" in page


def test_a_consultant_sees_only_the_companies_assigned_to_them(client, world, desk):
    step(world.company_b, world.owner_b, owner=world.owner_b, due_in_days=-1)
    client.force_login(world.consultant_a)
    assert [row.company for row in rows(client)] == [world.company_a]
    client.force_login(world.consultant_other)
    assert rows(client) == []


def test_a_report_sent_waits_for_the_desk_and_an_accepted_one_needs_nothing(client, world):
    pool = make.pool()
    application = funded(world.company_a, world.owner_a, pool, days_ago=40)
    report = application.reports.create(month=1, kpis="불량률 감소", products="모델 1개")
    client.force_login(world.consultant_a)
    assert [r.kind for r in rows(client)[0].reasons] == ["review"]
    report.state = "accepted"
    report.save(update_fields=["state"])
    assert rows(client)[0].reasons == []


def test_a_grant_in_use_is_not_idle(client, world):
    held = grant(world.company_a, make.pool(), days_ago=30)
    client.force_login(world.consultant_a)
    assert [r.kind for r in rows(client)[0].reasons] == ["grant_idle"]
    busy(held)
    assert rows(client)[0].reasons == []


def test_a_done_step_is_not_overdue(client, world):
    from diagnosis.workspace.plan import item_update

    late = step(world.company_a, world.consultant_a, due_in_days=-5)
    client.force_login(world.consultant_a)
    assert [r.kind for r in rows(client)[0].reasons] == ["steps_overdue"]
    item_update(item=late, user=world.owner_a, status="done")
    assert rows(client)[0].reasons == []


def test_the_client_list_is_paginated(client, world):
    for _ in range(30):
        factories.make_company()
    client.force_login(world.officer)
    first = client.get(reverse("diagnosis:clients")).context["page"]
    assert first.paginator.count == 32
    assert len(first.object_list) == 25
    assert len(client.get(reverse("diagnosis:clients"), {"page": 2}).context["page"]) == 7


def test_the_client_list_costs_the_same_queries_for_many_companies(
    client, world, desk, django_assert_num_queries
):
    client.force_login(world.officer)
    # 1 session, 2 user, 3 staff profile, 4 the companies, 5–7 approved applications with
    # their grants and reports, 8 applications waiting for a decision, 9 endpoints failing,
    # 10 open health alerts, 11 grants in force, 12–14 the pool's work (allocation events,
    # the last rolled-up usage hour, busy hours and minutes), 15 overdue steps, 16 the layout's
    # current company (none for an officer), 17 the layout's partner link, 18 the unread
    # notifications.
    with django_assert_num_queries(18):
        client.get(reverse("diagnosis:clients"))
    for _ in range(10):
        company = factories.make_company()
        step(company, world.officer, due_in_days=-2)
    with django_assert_num_queries(18):
        client.get(reverse("diagnosis:clients"))
