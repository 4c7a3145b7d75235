"""Matching in a real browser: an SME with a finished diagnosis and a data check of its plant
sees ranked matches from the demo catalog with reasons and cost, measures the best candidate
on its own data, and picks a match.

Screenshots go to var/screenshots/ (or $ONESTOP_SCREENSHOTS)."""

import re

import pytest

from deployment.demo import seed_demo_catalog, seed_demo_programme
from onestop.models import Partner
from tests import datacheck_files as files
from tests import factories
from tests.browser import shot
from tests.datacheck_factories import uploaded_check
from tests.diagnosis_factories import publish, submitted_assessment
from tests.test_browser_diagnosis import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def plant(transactional_db):
    owner = factories.make_user("plant@factory.example", full_name="박공장")
    company = factories.make_company(name="대한정밀", owner=owner, region="gyeongnam")
    publish()
    submitted_assessment(company, owner, maturity=0.6, seed=11)
    uploaded_check(company, owner, content=files.AI4I.read_bytes(), name="ai4i2020.csv")
    factories.make_partner(name="K-Vision AI", kind=Partner.Kind.MODEL_VENDOR)
    factories.make_partner(name="Korea NPU Cloud", kind=Partner.Kind.COMPUTE_PROVIDER)
    seed_demo_catalog()
    seed_demo_programme()
    return owner


def test_ranked_matches_with_reasons_and_cost_and_a_pick(plant, live_server, page):
    base = live_server.url
    log_in(page, base, plant.email)
    page.goto(f"{base}/matching/")
    matches = page.get_by_test_id("match")
    assert matches.count() >= 5
    first = matches.first
    assert re.fullmatch(r"₩\d{1,3}(,\d{3})*", first.get_by_test_id("match-cost").inner_text())
    assert first.locator("table.parts tr").count() == 7  # one readable reason per part
    shot(page, "matching-1-ranked")

    maintenance = matches.filter(has_text="Predictive maintenance").first
    inputs_reason = maintenance.locator("table.parts tr").nth(2).locator("td").nth(1)
    assert inputs_reason.inner_text() == "입력 8개가 모두 데이터에 있습니다."
    maintenance.get_by_test_id("evaluate").click()
    page.wait_for_url(f"{base}/matching/")
    measured = page.get_by_test_id("match").filter(has_text="Predictive maintenance").first
    measured.get_by_text("ROC-AUC").first.wait_for(timeout=60_000)
    accuracy = measured.locator("table.parts tr").nth(3).locator("td").nth(1).inner_text()
    assert re.fullmatch(r"귀사 데이터로 측정: 10,000행 기준 ROC-AUC 0\.\d{3}", accuracy), accuracy
    shot(page, "matching-2-measured")

    cost = measured.get_by_test_id("match-cost").inner_text()
    measured.get_by_test_id("choose").click()
    page.wait_for_url(f"{base}/matching/")
    chosen = page.get_by_test_id("chosen-match").locator("p").first.inner_text()
    assert chosen.endswith(f"의 설비 고장 예측 (Predictive maintenance) 1.0 · 월 약 {cost}"), chosen
    shot(page, "matching-3-chosen")
