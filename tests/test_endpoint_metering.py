"""Metering: every inference request is counted per endpoint per minute (requests, errors,
latency percentiles, compute time), tallies from several processes merge, minutes roll up into
hours, the grant's unit-hour budget shows what the replicas used, and operators read it all as
Prometheus text at /metrics, which nobody else can."""

import json
import re
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest
from django.test import Client, override_settings
from django.utils import timezone

from deployment.models import EndpointUsage
from deployment.services import endpoint_usage
from deployment.serving import tallies as tally
from deployment.serving.sessions import clear
from deployment.serving.tallies import BUCKETS_MS, percentile
from tests import onnx_files as files
from tests.serving_factories import endpoint


@pytest.fixture(autouse=True)
def _fresh(db):
    clear()
    tally.flush()  # nothing left over from another test's requests
    EndpointUsage.objects.all().delete()
    yield
    clear()


@pytest.fixture
def served(world, tmp_path):
    created, key = endpoint(world.company_a, files.good(tmp_path / "m.onnx"))
    return created, {"HTTP_AUTHORIZATION": f"Bearer {key}"}


def post(client, headers, body):
    return client.post(
        "/v2/models/press-line-1/infer",
        data=json.dumps(body),
        content_type="application/json",
        **headers,
    )


GOOD = {"inputs": [{"name": "x", "shape": [1, 4], "datatype": "FP32", "data": [1, 2, 3, 4]}]}


def test_requests_and_errors_are_counted_per_minute(served):
    created, headers = served
    client = Client()
    for _ in range(3):
        assert post(client, headers, GOOD).status_code == 200
    assert post(client, headers, {"inputs": []}).status_code == 400
    # A stranger's request is not this endpoint's traffic.
    assert post(client, {"HTTP_AUTHORIZATION": "Bearer ep_x_y"}, GOOD).status_code == 401
    assert tally.flush() == 1
    row = EndpointUsage.objects.get(endpoint=created, period="minute")
    assert (row.requests, row.errors) == (4, 1)
    assert row.compute_ms > 0
    assert sum(row.latency_buckets) == 4
    assert row.start.second == 0


def test_tallies_from_several_processes_add_up(served):
    created, _headers = served
    # Two processes' flushes of the same minute: simulated by two flushes, since each empties
    # the process's tallies and the second adds to the row the first wrote.
    for latency in (0.0004, 0.003):
        tally.record(created.pk, ok=True, latency_s=latency, compute_s=0.0001)
        tally.flush()
    tally.record(created.pk, ok=False, latency_s=0.2)
    tally.flush()
    rows = EndpointUsage.objects.filter(endpoint=created, period="minute")
    assert sum(r.requests for r in rows) == 3
    assert sum(r.errors for r in rows) == 1
    assert round(sum(r.latency_ms for r in rows), 3) == 203.4


def test_a_deleted_endpoint_s_last_tallies_are_dropped_not_kept_forever(served):
    created, _headers = served
    tally.record(created.pk, ok=True, latency_s=0.001)
    created.delete()
    assert tally.flush() == 1
    assert tally.flush() == 0


def test_percentiles_from_buckets_stay_within_one_bucket_of_the_truth():
    rng = np.random.default_rng(7)
    latencies_ms = rng.lognormal(mean=1.5, sigma=0.8, size=5000)
    buckets = [0] * (len(BUCKETS_MS) + 1)
    for value in latencies_ms:
        buckets[int(np.searchsorted(BUCKETS_MS, value))] += 1
    for q in (0.5, 0.95, 0.99):
        truth = float(np.quantile(latencies_ms, q))
        index = int(np.searchsorted(BUCKETS_MS, truth))
        lower = BUCKETS_MS[index - 1] if index else 0
        assert lower <= percentile(buckets, q) <= BUCKETS_MS[index]
    assert percentile([0] * 15, 0.5) is None


def test_roll_up_makes_hours_and_is_the_same_when_run_twice(served):
    created, _headers = served
    hour = datetime(2026, 11, 28, 9, tzinfo=UTC)
    for minute, (requests, errors) in enumerate([(10, 1), (20, 0), (5, 5)]):
        EndpointUsage.objects.create(
            endpoint=created,
            period="minute",
            start=hour + timedelta(minutes=minute),
            requests=requests,
            errors=errors,
            compute_ms=1.5,
            latency_ms=10.0,
            latency_buckets=[0, 0, requests],
        )
    now = hour + timedelta(hours=1, minutes=5)
    assert endpoint_usage.roll_up(now) == 1
    assert endpoint_usage.roll_up(now) == 1
    rolled = EndpointUsage.objects.get(endpoint=created, period="hour")
    assert (rolled.start, rolled.requests, rolled.errors) == (hour, 35, 6)
    assert rolled.compute_ms == 4.5
    assert rolled.latency_buckets[:3] == [0, 0, 35]
    # Lifetime totals count the hour once, not the hour and its minutes.
    assert endpoint_usage.totals()[created.pk][0] == 35


def test_the_grant_budget_counts_the_replicas_hours(
    world, tmp_path, django_capture_on_commit_callbacks
):
    from deployment.services.endpoints.pipeline import endpoint_create
    from tests.serving_factories import granted, published

    grant = granted(world.company_a, units=4)
    version = published(world.company_a, files.good(tmp_path / "b.onnx"))
    with django_capture_on_commit_callbacks(execute=True):
        created = endpoint_create(
            company=world.company_a,
            version=version,
            grant=grant,
            name="budgeted",
            user=world.owner_a,
            min_replicas=2,
            max_replicas=2,
        )
    later = timezone.now() + timedelta(hours=3)
    figures = endpoint_usage.budget(created, now=later)
    assert figures["budget"] == grant.unit_hours_budget
    assert figures["used"] == pytest.approx(2 * 3, abs=0.05)  # 2 replicas × 1 unit × 3 h


def parse(text):
    values = {}
    for line in text.splitlines():
        if line.startswith("#") or not line:
            continue
        match = re.fullmatch(r"([a-z_]+)(\{[^}]*\})? (\S+)", line)
        assert match, line
        values[match.group(1) + (match.group(2) or "")] = float(match.group(3))
    return values


@override_settings(ONESTOP_METRICS_TOKEN="scrape-me-0123456789")
def test_metrics_are_prometheus_text_for_operators_only(served, world):
    _created, headers = served
    client = Client()
    for _ in range(2):
        post(client, headers, GOOD)
    post(client, headers, {"inputs": "nope"})
    tally.flush()

    assert Client().get("/metrics").status_code == 401
    member = Client()
    member.force_login(world.owner_a)
    assert member.get("/metrics").status_code == 403
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer wrong").status_code == 401
    assert Client().get("/metrics", HTTP_AUTHORIZATION="Bearer té").status_code == 401

    scraped = Client().get("/metrics", HTTP_AUTHORIZATION="Bearer scrape-me-0123456789")
    officer = Client()
    officer.force_login(world.officer)
    for response in (scraped, officer.get("/metrics")):
        assert response.status_code == 200
        assert response["Content-Type"].startswith("text/plain; version=0.0.4")
        values = parse(response.content.decode())
        labels = '{endpoint="press-line-1",company="에이정밀"}'
        assert values[f"onestop_endpoint_requests_total{labels}"] == 3
        assert values[f"onestop_endpoint_errors_total{labels}"] == 1
        count = values[f"onestop_endpoint_request_seconds_count{labels}"]
        infinity = values[
            'onestop_endpoint_request_seconds_bucket{endpoint="press-line-1",company="에이정밀",le="+Inf"}'
        ]
        assert count == infinity == 3
        assert values['onestop_endpoints{state="ready"}'] == 1


def test_the_officer_dashboard_shows_each_endpoint_s_last_day(served, world):
    created, headers = served
    client = Client()
    for _ in range(4):
        post(client, headers, GOOD)
    tally.flush()
    officer = Client()
    officer.force_login(world.officer)
    page = officer.get("/consultant/utilisation/")
    assert page.status_code == 200
    rows = [r for r in page.context["endpoints"] if r["endpoint"] == created]
    assert rows[0]["requests"] == 4
    assert rows[0]["p95_ms"] is not None
    assert b'data-testid="endpoint-usage"' in page.content
    # A consultant sees only the companies assigned to them.
    outsider = Client()
    outsider.force_login(world.consultant_other)
    assert outsider.get("/consultant/utilisation/").context["endpoints"] == []


def test_after_a_roll_up_reads_use_the_hours_and_only_the_newer_minutes(served):
    created, _headers = served
    now = timezone.now()
    last_hour = endpoint_usage.hour_of(now) - timedelta(hours=1)
    for minute, requests in ((0, 10), (30, 20)):
        EndpointUsage.objects.create(
            endpoint=created,
            period="minute",
            start=last_hour + timedelta(minutes=minute),
            requests=requests,
            latency_buckets=[0, requests],
        )
    endpoint_usage.roll_up(now)
    assert endpoint_usage.rolled_until() == endpoint_usage.hour_of(now)
    # A request in the current hour, not rolled yet.
    EndpointUsage.objects.create(
        endpoint=created,
        period="minute",
        start=endpoint_usage.hour_of(now),
        requests=7,
        errors=1,
        latency_buckets=[0, 7],
    )
    assert endpoint_usage.totals()[created.pk][:2] == [37, 1]
    row = next(
        r for r in endpoint_usage.company_overview(hours=24, now=now) if r["endpoint"] == created
    )
    assert (row["requests"], row["errors"]) == (37, 1)
    # Rolled minutes are not counted twice, and the portal's own view reads the minutes.
    summary, points = endpoint_usage.last_day(created, now=now)
    assert summary["requests"] == 37
    assert sum(p["requests"] for p in points) == 37
    assert len(points) == 24


def test_totals_leave_deleted_endpoints_out(served):
    from deployment.services.endpoints.lifecycle import endpoint_delete

    created, _headers = served
    tally.record(created.pk, ok=True, latency_s=0.001)
    tally.flush()
    endpoint_delete(endpoint=created, user=None)
    assert created.pk not in endpoint_usage.totals()
