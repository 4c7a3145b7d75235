"""The officer's utilisation view: promised and used capacity per pool and company, idle
grants, approval-to-first-run time, the waitlist and the funnel, scoped to the desk member."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse

from deployment.models import AllocationEvent, Grant
from deployment.programmes.deciding import application_decide
from deployment.services.allocation import workload_submit
from diagnosis.officer import officer_overview
from tests import deployment_factories as make


@pytest.fixture
def busy(world):
    pool = make.pool(flavor="rbln-atom", name="ATOM", capacity_units=4)
    application = make.application(world.company_a, world.owner_a, units=4)
    application = application_decide(
        application=application, reviewer=world.officer, approve=True, score=90
    )
    grant = Grant.objects.get(company=world.company_a)
    workload = workload_submit(
        company=world.company_a, pool=pool, name="ep", kind="inference", units=2, priority=100
    )
    admit = AllocationEvent.objects.get(workload=workload, action="admit")
    # Running for the last 24 hours; the grant started three days ago.
    AllocationEvent.objects.filter(pk=admit.pk).update(at=admit.at - timedelta(hours=24))
    Grant.objects.filter(pk=grant.pk).update(starts_at=grant.starts_at - timedelta(days=3))
    application.decided_at -= timedelta(days=2)
    application.save()
    return pool


def test_the_overview_measures_promised_and_used_capacity(world, busy):
    data = officer_overview(world.officer)
    (pool,) = data["pools"]
    assert pool.promised_share == 0.5  # 2 of 4 units guaranteed (half at award)
    assert pool.running == 2
    # 2 units × 24 h of 4 units × 30 days.
    assert pool.used_share == pytest.approx(48 / (4 * 24 * 30), abs=1e-3)
    (row,) = data["companies"]
    assert row.grant.company == world.company_a
    assert row.idle_days == 2  # the two days before the endpoint started
    # 2 units × 24 h of a 2-unit guarantee over the last week, nothing before.
    assert row.weekly[-1] == pytest.approx(48 / (2 * 168), abs=1e-3)
    assert row.weekly[:-1] == [0.0] * 7
    assert row.days_to_first_run == pytest.approx(
        1.0, abs=0.01
    )  # approved 2 days ago, ran 1 day ago
    assert dict(data["funnel"])["grant"] == 1


def test_consultants_see_only_their_companies(world, busy):
    assert officer_overview(world.consultant_other)["companies"] == []
    assert len(officer_overview(world.consultant_a)["companies"]) == 1


def test_the_page_and_its_csv(world, busy):
    client = Client()
    client.force_login(world.officer)
    page = client.get(reverse("diagnosis:officer_overview")).content.decode()
    assert 'data-testid="pool-utilisation"' in page
    assert "ATOM" in page
    world.company_a.name = "=HYPERLINK(1)"
    world.company_a.save()
    text = client.get(reverse("diagnosis:officer_overview_csv")).content.decode("utf-8-sig")
    assert "'=HYPERLINK(1)" in text
