"""A progress report opens with what its period measurably achieved: requests served,
availability and p95 latency of the company's endpoints on the grant's pool, unit-hours used
against the plan and the KPI the firm chose; the report keeps them as sent, with the owner's
KPI before and after, and the officer scores with them beside the text."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from deployment.models import Endpoint, EndpointUsage, Grant
from deployment.serving.tallies import BUCKETS_MS
from onestop.models import Application, ProgressReport
from onestop.registry import report_facts
from tests import deployment_factories as make
from tests.diagnosis_factories import screened


def buckets(at_ms, count):
    """Latency buckets with ``count`` requests at ``at_ms``."""
    import bisect

    row = [0] * (len(BUCKETS_MS) + 1)
    row[bisect.bisect_left(BUCKETS_MS, at_ms)] = count
    return row


@pytest.fixture
def funded(world):
    """Company A 40 days into a CPU grant, with an endpoint on the grant's pool."""
    screened(world.company_a, world.owner_a, kpi_priority={"downtime": 3, "quality": 1})
    programme = make.programme(flavors=["cpu"])
    application = make.application(
        world.company_a, world.owner_a, programme, flavor="cpu", quarterly_plan=[910] * 8
    )
    Application.objects.filter(pk=application.pk).update(state=Application.State.APPROVED)
    application.refresh_from_db()
    pool = make.pool(flavor="cpu", name="대전 CPU 풀", capacity_units=8)
    start = timezone.now() - timedelta(days=40)
    Grant.objects.create(
        company=world.company_a,
        pool=pool,
        guarantee_units=1,
        starts_at=start,
        ends_at=start + timedelta(days=730),
        application=application,
    )
    version = make.version(make.family(company=world.company_a, name="own"))
    endpoint = Endpoint.objects.create(
        company=world.company_a,
        name="press-line-1",
        version=version,
        pool=pool,
        state=Endpoint.State.READY,
    )
    hour = (start + timedelta(days=2)).replace(minute=0, second=0, microsecond=0)
    rows = [
        # A rolled-up hour, and the minute rows it was rolled from: counted once.
        ("hour", hour, 100, 2, buckets(8, 100)),
        ("minute", hour + timedelta(minutes=5), 60, 1, buckets(8, 60)),
        ("minute", hour + timedelta(minutes=6), 40, 1, buckets(8, 40)),
        # Minutes of an hour not rolled up yet: counted.
        ("minute", hour + timedelta(days=1, minutes=3), 10, 0, buckets(300, 10)),
        # After the month-1 report's period: not counted in it.
        ("hour", start + timedelta(days=35), 999, 0, buckets(2, 999)),
    ]
    for period, at, requests, errors, latency in rows:
        EndpointUsage.objects.create(
            endpoint=endpoint,
            period=period,
            start=at,
            requests=requests,
            errors=errors,
            latency_buckets=latency,
        )
    return application


def test_the_facts_of_a_period_count_each_request_once(funded):
    facts = report_facts(funded, 1)
    assert facts["requests"] == 110
    assert facts["availability"] == round(1 - 2 / 110, 4)
    assert 250 < facts["p95_ms"] <= 500  # 10 of 110 requests took 300 ms: the slowest 5 %
    # 30 days of a 910-unit-hour, 91-day quarter are planned: 300 unit-hours.
    assert facts["unit_hours_planned"] == 300.0
    assert facts["unit_hours_used"] == 0.0
    assert facts["kpi"]["code"] == "downtime"
    later = report_facts(funded, 3)
    assert later["requests"] == 999  # the month-3 report covers days 30 to 90


def test_the_report_opens_with_the_facts_keeps_them_and_the_officer_sees_them(
    funded, owner_client, world, client
):
    url = reverse("report_edit", args=[funded.pk, 1])
    page = owner_client.get(url).content.decode()
    assert 'data-testid="report-facts"' in page
    assert 'data-testid="fact-requests">110<' in page
    assert "설비 정지" in page  # the KPI the firm rated most important, by name
    half = owner_client.post(
        url, {"kpis": "정지 시간 감소", "products": "모델 1개", "kpi_before": "12"}
    )
    assert half.status_code == 200
    assert "측정 방법과 같이" in half.content.decode()
    sent = owner_client.post(
        url,
        {
            "kpis": "정지 시간 감소",
            "products": "모델 1개",
            "kpi_before": "12",
            "kpi_after": "7.5",
            "kpi_evidence": "3라인 설비 정지 일지, 10~11월",
        },
    )
    assert sent.status_code == 302
    report = ProgressReport.objects.get(application=funded, month=1)
    assert report.facts["requests"] == 110
    assert (report.kpi_before, report.kpi_after) == (12.0, 7.5)
    client.force_login(world.officer)
    review = client.get(reverse("consultant_application", args=[funded.pk])).content.decode()
    assert 'data-testid="report-facts"' in review
    assert "이전 12.0, 현재 7.5" in review


def test_the_officer_sees_outcomes_per_programme_summed_from_the_reports(
    funded, owner_client, world, client
):
    owner_client.post(
        reverse("report_edit", args=[funded.pk, 1]),
        {
            "kpis": "정지 시간 감소",
            "products": "모델 1개",
            "kpi_before": "12",
            "kpi_after": "7.5",
            "kpi_evidence": "3라인 설비 정지 일지",
        },
    )
    owner_client.post(
        reverse("report_edit", args=[funded.pk, 3]), {"kpis": "진행 중", "products": "모델 1개"}
    )
    client.force_login(world.officer)
    page = client.get(reverse("diagnosis:officer_overview"))
    (outcome,) = page.context["outcomes"]
    assert (outcome.reports, outcome.companies, outcome.kpis_reported) == (2, 1, 1)
    assert outcome.requests == 110 + 999
    assert outcome.availability == round(1 - 2 / 1109, 4)
    assert 'data-testid="outcome-requests">1,109<' in page.content.decode()


def test_the_facts_carry_accuracy_on_reported_labels_and_health_alerts(
    funded, owner_client, world, client
):
    from deployment.models import HealthAlert, PredictionRecord

    endpoint = Endpoint.objects.get(name="press-line-1")
    at = funded.grants.get().starts_at + timedelta(days=3)
    for index in range(20):
        PredictionRecord.objects.create(
            endpoint=endpoint,
            request_id=f"r{index}",
            at=at,
            predicted="1" if index < 15 else "0",
            label="1",  # 15 of the 20 answers were right
            labelled_at=at,
        )
    PredictionRecord.objects.create(
        endpoint=endpoint, request_id="unlabelled", at=at, predicted="1"
    )
    HealthAlert.objects.create(
        endpoint=endpoint, kind="drift", value=0.4, threshold=0.25, inputs=["x"], raised_at=at
    )
    facts = report_facts(funded, 1)
    assert (facts["labels"], facts["labels_right"], facts["accuracy"]) == (20, 15, 0.75)
    assert (facts["drift_alerts"], facts["accuracy_alerts"]) == (1, 0)
    page = owner_client.get(reverse("report_edit", args=[funded.pk, 1])).content.decode()
    assert "75" in page.split('data-testid="fact-accuracy">')[1].split("</dd>")[0]
    owner_client.post(
        reverse("report_edit", args=[funded.pk, 1]),
        {"kpis": "정지 시간 감소", "products": "모델 1개"},
    )
    client.force_login(world.officer)
    overview = client.get(reverse("diagnosis:officer_overview")).content.decode()
    assert "75" in overview.split('data-testid="outcome-accuracy">')[1].split("</td>")[0]
