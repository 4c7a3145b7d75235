"""Deploying in a real browser, with a real Celery worker: an SME with a grant deploys a match,
watches the deployment reach ready, tries the model with a row of its own numbers and sees the
request in the endpoint's usage.

Screenshots go to var/screenshots/ (or $ONESTOP_SCREENSHOTS)."""

import threading

import pytest

from deployment.serving import tallies
from deployment.serving.sessions import clear
from onestop.models import Partner
from tests import deployment_factories as make
from tests import factories
from tests.browser import shot
from tests.matching_factories import published, trained_onnx
from tests.serving_factories import granted
from tests.test_browser_diagnosis import log_in
from tests.workers import worker_on

pytestmark = [pytest.mark.browser, pytest.mark.broker]


@pytest.fixture
def worker(transactional_db):
    with worker_on("deployment"):
        yield


@pytest.fixture
def plant(transactional_db, monkeypatch):
    """A company with a CPU grant, and a vendor's published maintenance model."""
    clear()
    # Hold the provisioning step a little, so the page has a deployment to follow.
    monkeypatch.setenv("ONESTOP_DEPLOY_DRILL", "provisioning:3")
    owner = factories.make_user("plant@factory.example", full_name="박공장")
    company = factories.make_company(name="대한정밀", owner=owner, region="gyeongnam")
    granted(company, units=4, flavor="cpu", name="Daejeon CPU")
    vendor = factories.make_partner(name="K-Vision AI", kind=Partner.Kind.MODEL_VENDOR)
    family = make.family(vendor, name="Press failure", use_cases=["predictive_maintenance"])
    published(family, trained_onnx())
    yield owner
    clear()


def flush_usage():
    """Write the live server's request tallies now (they share this process). From a thread of
    its own: Playwright's event loop runs in the test's thread, where the ORM may not."""
    flusher = threading.Thread(target=tallies.flush)
    flusher.start()
    flusher.join()


def test_deploy_a_match_watch_it_get_ready_try_it_and_see_usage(plant, worker, live_server, page):
    base = live_server.url
    log_in(page, base, plant.email)
    page.goto(f"{base}/matching/")
    match = page.get_by_test_id("match").filter(has_text="Press failure").first
    match.get_by_test_id("deploy").click()
    page.wait_for_url(f"{base}/endpoints/new/*")
    assert page.locator("#id_name").input_value() == "press-failure"
    assert "Daejeon CPU" in page.locator("#id_grant option:checked").inner_text()
    shot(page, "endpoints-1-deploy-form")

    page.get_by_test_id("deploy-submit").click()
    page.wait_for_url(f"{base}/endpoints/*/")
    # The bar moves as the worker takes each step; provisioning is held, so it shows.
    page.locator("[data-testid=deploy-progress][aria-valuenow='50']").wait_for(timeout=30_000)
    shot(page, "endpoints-2-progress")
    # The page follows the deployment and reloads when it is ready.
    page.locator("[data-testid=endpoint-state][data-state=ready]").wait_for(timeout=60_000)
    # pending, validating, provisioning, warming, ready
    assert page.get_by_test_id("events").locator("li").count() == 5
    shot(page, "endpoints-3-ready")

    inputs = page.get_by_test_id("try-input")
    assert inputs.count() == 2
    assert "(Nm)" in page.locator("label[for=try-x0]").inner_text()
    inputs.nth(0).fill("65")
    inputs.nth(1).fill("1250")
    page.get_by_test_id("try-submit").click()
    outputs = page.get_by_test_id("try-output")
    outputs.first.wait_for(timeout=15_000)
    assert outputs.count() == 2  # the label and the probabilities
    assert outputs.first.inner_text() in ("[0]", "[1]")
    shot(page, "endpoints-4-try-it")

    flush_usage()
    page.reload()
    assert page.get_by_test_id("usage-requests").inner_text() == "1"
    assert page.locator("[data-testid=chart-requests] rect").count() == 24
    assert page.locator("[data-testid=chart-latency] circle").count() == 1
    page.get_by_test_id("usage").scroll_into_view_if_needed()
    shot(page, "endpoints-5-usage")
