"""Use it or lose it: each quarter of a grant is compared with the company's own plan after the
grace period; idle guarantees are cut by the programme's scale unless an officer exempted the
quarter, and the units go to the waitlist."""

from datetime import timedelta

import pytest
from django.utils import timezone

from deployment.models import AllocationEvent, Exemption, Grant, UsageReview
from deployment.programmes.deciding import application_decide
from deployment.programmes.usage import used_unit_hours
from deployment.programmes.usage_review import cut_for, review_usage
from deployment.services.allocation import workload_finish, workload_submit
from onestop.models import Application
from onestop.models.programme import NREL_SCALE
from tests import deployment_factories as make


@pytest.fixture
def granted(world):
    pool = make.pool(flavor="rbln-atom", name="ATOM", capacity_units=4)
    application = make.application(
        world.company_a, world.owner_a, units=8, quarterly_plan=[1000] * 8
    )
    application_decide(application=application, reviewer=world.officer, approve=True, score=80)
    grant = Grant.objects.get(company=world.company_a)
    return pool, grant


def backdate(grant, days):
    Grant.objects.filter(pk=grant.pk).update(
        starts_at=grant.starts_at - timedelta(days=days),
        ends_at=grant.ends_at - timedelta(days=days),
    )
    grant.refresh_from_db()


def test_the_nrel_scale():
    assert [cut_for(NREL_SCALE, s) for s in (0.9, 0.7, 0.6, 0.5, 0.3, 0.1)] == [
        0,
        0,
        0.2,
        0.35,
        0.55,
        0.8,
    ]


def test_usage_is_read_off_the_allocation_events(world, granted):
    pool, _grant = granted
    workload = workload_submit(
        company=world.company_a, pool=pool, name="ep", kind="inference", units=2, priority=100
    )
    admitted = AllocationEvent.objects.get(workload=workload, action="admit")
    AllocationEvent.objects.filter(pk=admitted.pk).update(at=admitted.at - timedelta(hours=10))
    workload_finish(workload=workload)
    now = timezone.now()
    assert used_unit_hours(world.company_a, pool, now - timedelta(days=1), now) == pytest.approx(
        20, abs=0.01
    )


def test_an_idle_quarter_is_cut_and_the_waitlist_gets_the_units(world, granted):
    _pool, grant = granted
    assert grant.guarantee_units == 4
    waiting = make.application(world.company_b, world.owner_b, grant.application.programme, units=2)
    waiting = application_decide(
        application=waiting, reviewer=world.officer, approve=True, score=70
    )
    assert waiting.state == "waitlisted"
    backdate(grant, 100)  # one quarter over, past the 60-day grace
    reviews = review_usage()
    assert [(r.quarter, r.used_share, r.cut_share) for r in reviews] == [(0, 0.0, 0.8)]
    grant.refresh_from_db()
    assert grant.guarantee_units == 1  # 4 − floor(3.2)
    assert Application.objects.get(pk=waiting.pk).state == "approved"
    assert review_usage() == []  # each quarter once


def test_an_accepted_exemption_keeps_the_guarantee(world, granted):
    _pool, grant = granted
    Exemption.objects.create(grant=grant, quarter=0, reason="설비 이전", state="accepted")
    backdate(grant, 100)
    (review,) = review_usage()
    assert review.exempted
    assert review.guarantee_after == 4
    grant.refresh_from_db()
    assert grant.guarantee_units == 4


def test_nothing_is_reviewed_inside_the_grace_period(world, granted):
    _pool, grant = granted
    programme = grant.application.programme
    programme.grace_days = 120
    programme.save()
    backdate(grant, 100)
    assert review_usage() == []
    assert not UsageReview.objects.exists()


def test_an_owner_asks_for_an_exemption_once(world, granted, owner_client):
    from django.urls import reverse

    _pool, grant = granted
    url = reverse("grant_exemption", args=[grant.pk])
    owner_client.post(url, {"reason": "설비 이전으로 3주 정지"})
    owner_client.post(url, {"reason": "again"})
    (exemption,) = Exemption.objects.all()
    assert (exemption.quarter, exemption.state) == (0, "requested")
    assert "설비 이전" in exemption.reason


def test_a_cut_is_mailed_to_the_owners_and_shown_as_events(
    world, granted, owner_client, django_capture_on_commit_callbacks
):
    from django.core import mail
    from django.urls import reverse

    pool, grant = granted
    workload_submit(company=world.company_a, pool=pool, name="야간 배치", kind="training", units=1)
    backdate(grant, 100)
    with django_capture_on_commit_callbacks(execute=True):
        review_usage()
    assert any("OneStop" in m.subject and world.owner_a.email in m.to for m in mail.outbox)
    page = owner_client.get(reverse("programmes")).content.decode()
    assert 'data-testid="allocation-events"' in page
    assert "야간 배치" in page


def held_by_endpoint(world, grant, days):
    """A ready endpoint on the grant's pool holding 2 units for the last ``days`` days."""
    from deployment.models import Endpoint
    from deployment.services.allocation import replicas_hold

    endpoint = Endpoint.objects.create(
        company=world.company_a,
        name="press-line-1",
        version=make.version(make.family(world.partner_p, name="P model")),
        pool=grant.pool,
        state=Endpoint.State.READY,
        units_per_replica=2,
    )
    (replica,) = replicas_hold(endpoint=endpoint, count=1)
    assert replica.state == "running"
    AllocationEvent.objects.filter(workload=replica).update(
        at=timezone.now() - timedelta(days=days)
    )
    return endpoint


def test_a_ready_endpoint_with_no_traffic_is_idle_in_the_review(world, granted):
    _pool, grant = granted
    held_by_endpoint(world, grant, days=100)
    backdate(grant, 100)
    (review,) = review_usage()
    # The units were held all quarter, but no request ran: nothing was used.
    assert review.used_share == 0.0
    assert review.cut_share == 0.8


def test_the_review_counts_the_time_an_endpoints_replicas_were_busy(world, granted):
    from deployment.models import EndpointUsage

    _pool, grant = granted
    endpoint = held_by_endpoint(world, grant, days=100)
    backdate(grant, 100)
    # 300 hours of compute in the first quarter, on replicas of 2 units: 600 unit-hours.
    EndpointUsage.objects.create(
        endpoint=endpoint,
        period=EndpointUsage.Period.HOUR,
        start=grant.starts_at + timedelta(days=30),
        requests=1_000_000,
        compute_ms=300 * 3_600_000,
    )
    (review,) = review_usage()
    assert review.used_unit_hours == pytest.approx(600, abs=0.01)
    assert review.used_share == pytest.approx(600 / 1000, abs=0.001)
