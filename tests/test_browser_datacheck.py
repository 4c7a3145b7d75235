"""The data check in a real browser, with a real Celery worker: upload the AI4I file, watch the
job's progress, read the profile, run the feasibility study and read its result.

Screenshots go to var/screenshots/ (or $ONESTOP_SCREENSHOTS)."""

import pytest

from tests import datacheck_files as files
from tests import factories
from tests.browser import shot
from tests.test_browser_diagnosis import log_in
from tests.workers import worker_on

# The worker consumes the broker the settings name (kombu's filesystem transport without
# services, Redis in CI), so jobs really queue and report progress while the page watches.
pytestmark = [pytest.mark.browser, pytest.mark.broker]


@pytest.fixture
def worker(transactional_db):
    with worker_on("profiling"):
        yield


@pytest.fixture
def owner(transactional_db):
    user = factories.make_user("plant@factory.example", full_name="박공장")
    factories.make_company(name="대한정밀", owner=user, region="gyeongnam")
    return user


def test_upload_profile_and_feasibility_in_the_browser(owner, worker, live_server, page):
    base = live_server.url
    log_in(page, base, owner.email)
    page.goto(f"{base}/data/")
    page.set_input_files("#upload-file", str(files.AI4I))
    shot(page, "datacheck-1-upload")
    page.get_by_test_id("upload-submit").click()
    page.wait_for_url(f"{base}/data/*/")
    # The page follows the job until the profile is in.
    page.get_by_test_id("rows").wait_for(timeout=60_000)
    assert page.get_by_test_id("rows").inner_text() == "10,000"
    assert page.get_by_test_id("columns").inner_text() == "14"
    assert page.locator("[data-testid=column-table] tbody tr").count() == 14
    assert page.locator("svg.histogram").count() == 5
    score = int(page.get_by_test_id("readiness-score").inner_text())
    assert 0 < score < 100
    shot(page, "datacheck-2-profile")

    assert page.locator("#study-target").input_value() == "Machine_failure"
    page.get_by_test_id("study-submit").click()
    progress = page.get_by_test_id("job-progress")
    progress.wait_for()
    shot(page, "datacheck-3-study-progress")
    summary = page.get_by_test_id("study-summary")
    summary.wait_for(timeout=120_000)
    assert "ROC-AUC" in summary.inner_text()
    page.get_by_test_id("study-numbers").locator("summary").click()
    leaks = page.get_by_test_id("leaks").inner_text()
    for mode in ("TWF", "HDF", "PWF", "OSF", "RNF"):
        assert mode in leaks
    shot(page, "datacheck-4-study-result")
    with page.expect_download() as download:
        page.get_by_role("link", name=".onnx").click()
    assert download.value.suggested_filename.endswith(".onnx")
