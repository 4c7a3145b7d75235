"""Continuous evaluation in a real browser: an owner whose endpoint's inputs drifted reads the
drift and accuracy charts, fills a progress report that opens with its measured facts, and
the officer scores it beside those facts; the owner pays a supplier's quote with a voucher and
the month's statements download as CSV and PDF.

Screenshots go to var/screenshots/ (or $ONESTOP_SCREENSHOTS)."""

import json
from datetime import timedelta

import numpy as np
import pytest
from django.test import Client
from django.utils import timezone

from deployment.demo import AI4I_INPUTS, ai4i_like, neural
from deployment.health import observe
from deployment.health.alerts import health_check
from deployment.health.reference import build_profile
from deployment.models import BudgetLine, Endpoint, EndpointKey, Grant
from deployment.serving import tallies
from deployment.serving.sessions import clear
from onestop.models import Application, Partner, StaffProfile
from tests import deployment_factories as make
from tests import factories
from tests import voucher_factories as vouchers
from tests.browser import SCREENSHOTS, shot
from tests.diagnosis_factories import screened
from tests.serving_factories import published
from tests.test_browser_diagnosis import log_in

pytestmark = [pytest.mark.browser]
TORQUE = 6


@pytest.fixture
def funded_plant(transactional_db, tmp_path):
    """A company 10 days into a funded CPU grant, serving its failure model: a day of requests
    whose torque drifted, and labels for 300 of them."""
    clear()
    owner = factories.make_user("owner@plant.example", full_name="김공장")
    company = factories.make_company(name="대한정밀", owner=owner)
    officer = factories.make_staff(StaffProfile.Role.OFFICER)
    screened(company, owner, kpi_priority={"downtime": 3, "quality": 1})
    programme = make.programme(flavors=["cpu"])
    application = make.application(
        company, owner, programme, flavor="cpu", quarterly_plan=[910] * 8
    )
    Application.objects.filter(pk=application.pk).update(state=Application.State.APPROVED)
    pool = make.pool(flavor="cpu", name="대전 CPU 풀", capacity_units=8)
    start = timezone.now() - timedelta(days=10)
    Grant.objects.create(
        company=company,
        pool=pool,
        guarantee_units=1,
        starts_at=start,
        ends_at=start + timedelta(days=730),
        application=application,
    )
    X, y = ai4i_like(2000, np.random.default_rng(21))
    onnx_bytes, metrics = neural(X, y, classifier=True, hidden=(16,))
    path = tmp_path / "failure.onnx"
    path.write_bytes(onnx_bytes)
    version = published(company, path, name="프레스 고장 예측")
    version.input_columns = AI4I_INPUTS
    version.claimed_metrics = metrics
    version.reference = build_profile(X, AI4I_INPUTS, source="training")
    version.save()
    endpoint = Endpoint.objects.create(
        company=company, name="press-failures", version=version, pool=pool, state="ready"
    )
    _key, raw = EndpointKey.issue(endpoint)
    client = Client()
    rows = X[np.random.default_rng(22).choice(len(X), 400, replace=False)].copy()
    rows[:, TORQUE] += 15  # a heavier product mix than the model learnt from
    for index, row in enumerate(rows):
        body = {
            "id": f"part-{index}",
            "inputs": [
                {"name": "input", "shape": [1, 8], "datatype": "FP32", "data": row.tolist()}
            ],
        }
        answer = client.post(
            "/v2/models/press-failures/infer",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_AUTHORIZATION=f"Bearer {raw}",
        )
        assert answer.status_code == 200
    tallies.flush()
    observe.flush()
    labels = [{"id": f"part-{i}", "label": int(i % 7 == 0)} for i in range(300)]
    sent = client.post(
        "/api/v1/endpoints/press-failures/feedback",
        data=json.dumps(labels),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {raw}",
    )
    assert sent.json() == {"recorded": 300}
    # The drift, and the accuracy the drift cost on the labels reported.
    assert sorted(alert.kind for alert in health_check(endpoint)) == ["accuracy", "drift"]
    # A data voucher (30 % co-payment) and a labelling supplier's quote to pay with it.
    line = vouchers.budget_line(programme, kind=BudgetLine.Kind.DATA, percent=30)
    vouchers.voucher(company, line, granted_won=1_000_000, officer=officer)
    supplier = factories.make_partner(name="라벨링코리아", kind=Partner.Kind.INTEGRATOR)
    vouchers.quote(supplier, company, amount_won=500_000)
    yield {
        "owner": owner,
        "officer": officer,
        "endpoint": endpoint,
        "application": application,
        "programme": programme,
    }
    clear()


def test_health_charts_a_prefilled_report_scored_by_the_officer(funded_plant, live_server, page):
    base = live_server.url
    plant = funded_plant
    log_in(page, base, plant["owner"].email)

    # The owner reads the model's health: drift per input, answers, accuracy on labels.
    page.goto(f"{base}/endpoints/{plant['endpoint'].pk}/")
    page.get_by_test_id("health-link").locator("a").click()
    page.get_by_test_id("chart-drift-inputs").wait_for()
    torque = page.locator('[data-testid="drift-input"][data-name="Torque"]')
    assert torque.get_attribute("data-level") == "shifted"
    wear = page.locator('[data-testid="drift-input"][data-name="Tool wear"]')
    assert wear.get_attribute("data-level") == "stable"
    assert page.get_by_test_id("health-alert").count() == 2
    assert page.get_by_test_id("chart-predictions").is_visible()
    assert page.get_by_test_id("chart-accuracy").is_visible()
    assert page.get_by_test_id("accuracy-labelled").inner_text() == "300"
    shot(page, "health-drift-and-accuracy")

    # The month-1 progress report opens with what was measured, the owner adds the KPI.
    page.goto(f"{base}/programmes/applications/{plant['application'].pk}/reports/1/")
    facts = page.get_by_test_id("report-facts")
    assert facts.get_by_test_id("fact-requests").inner_text() == "400"
    assert "300" in facts.get_by_test_id("fact-accuracy").inner_text()
    assert facts.get_by_test_id("fact-alerts").inner_text().count("1") == 2
    page.fill("#id_kpis", "3라인 설비 정지 시간이 줄었습니다")
    page.fill("#id_products", "프레스 고장 예측 엔드포인트 1개")
    page.fill("#id_kpi_before", "12")
    page.fill("#id_kpi_after", "7.5")
    page.fill("#id_kpi_evidence", "3라인 설비 정지 일지, 11월")
    shot(page, "report-prefilled")
    page.locator("main form button[type=submit]").last.click()
    page.wait_for_load_state()

    # The owner pays the supplier's quote with the voucher, and this month's statement says
    # so; it downloads as CSV and PDF.
    month = timezone.localdate().strftime("%Y-%m")
    page.goto(f"{base}/vouchers/")
    page.get_by_test_id("quote-spend").click()
    page.get_by_test_id("confirm-yes").click()
    page.wait_for_load_state()
    page.goto(f"{base}/statements/{month}/")
    totals = page.get_by_test_id("statement-total").all_inner_texts()
    spending = [t for t in totals if "500,000" in t]
    assert spending, totals
    assert "350,000" in spending[0], spending  # the voucher's 70 %
    assert "150,000" in spending[0], spending  # the company's 30 %
    shot(page, "statement-company")
    downloads = {}
    for kind in ("csv", "pdf"):
        with page.expect_download() as info:
            page.get_by_test_id(f"statement-{kind}").click()
        path = SCREENSHOTS / f"statement-{month}.{kind}"
        info.value.save_as(path)
        downloads[kind] = path.read_bytes()
    assert "350000" in downloads["csv"].decode("utf-8-sig").replace(",", "")
    assert downloads["pdf"].startswith(b"%PDF")

    # The officer scores it with the facts beside the text.
    page.context.clear_cookies()
    page.goto(f"{base}/login/")
    page.fill("#id_username", plant["officer"].email)
    page.fill("#id_password", factories.PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_load_state()
    page.goto(f"{base}/consultant/applications/{plant['application'].pk}/")
    report = page.get_by_test_id("report").first
    assert (
        report.get_by_test_id("report-facts").get_by_test_id("fact-requests").inner_text() == "400"
    )
    assert "12" in report.get_by_test_id("report-kpi").inner_text()
    form = report.get_by_test_id("evaluate-report")
    form.locator("input[name=score]").fill("82")
    form.locator("input[name=evaluation]").fill("정지 시간 감소가 측정으로 확인됨")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert "82 / 100" in page.get_by_test_id("report").first.inner_text()
    shot(page, "report-scored")

    # The programme's total for the month reconciles with the company's statement.
    page.goto(f"{base}/consultant/statements/{plant['programme'].pk}/{month}/")
    assert "350,000" in page.get_by_test_id("statement-total").first.inner_text()
    shot(page, "statement-programme")
