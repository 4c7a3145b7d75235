"""Training in a real browser, with a real Celery worker: from a finished data check an owner
starts a training job that borrows idle GPU units, watches it work through its checkpoints,
deploys its NPU-ready model on the company's ATOM grant and tries it with a row of numbers.

Screenshots go to var/screenshots/ (or $ONESTOP_SCREENSHOTS)."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from deployment.services import allocation
from deployment.serving.sessions import clear
from diagnosis.services import datachecks
from tests import deployment_factories as make
from tests import factories
from tests.browser import shot
from tests.serving_factories import granted
from tests.test_browser_diagnosis import log_in
from tests.workers import worker_on

pytestmark = [pytest.mark.browser, pytest.mark.broker]
AI4I = Path(__file__).parent / "data" / "ai4i2020.csv"


@pytest.fixture
def worker(transactional_db):
    with worker_on("profiling", "training", "validation", "deployment"):
        yield


@pytest.fixture
def plant(transactional_db, settings):
    """A company with an ATOM grant and the AI4I file checked; the only GPU pool's units are
    all another company's guarantee, idle."""
    clear()
    settings.ONESTOP_TRAINING_STEPS = 10
    owner = factories.make_user("plant@factory.example", full_name="박공장")
    company = factories.make_company(name="대한정밀", owner=owner, region="gyeongnam")
    granted(company, units=2, flavor="rbln-atom", name="대전 ATOM")
    gpu = make.pool(
        name="H200 대전", flavor="nvidia-h200", purpose="training", capacity_units=2, local=True
    )
    lender = factories.make_company(name="한빛금속", owner=factories.make_user("l@x.example"))
    now = timezone.now()
    allocation.grant_create(
        company=lender,
        pool=gpu,
        guarantee_units=2,
        starts_at=now - timedelta(days=1),
        ends_at=now + timedelta(days=300),
    )
    upload = SimpleUploadedFile("ai4i2020.csv", AI4I.read_bytes())
    check = datachecks.data_check_create(company=company, user=owner, upload=upload)
    datachecks.data_check_profile(check.pk)
    yield owner, check
    clear()


def test_train_on_borrowed_gpus_deploy_the_npu_ready_model_and_try_it(
    plant, worker, live_server, page
):
    owner, check = plant
    base = live_server.url
    log_in(page, base, owner.email)
    page.goto(f"{base}/data/{check.pk}/")
    form = page.get_by_test_id("training-form")
    form.scroll_into_view_if_needed()
    assert "H200 대전" in page.get_by_test_id("training-where").inner_text()
    page.select_option("#id_target", "Machine_failure")
    page.select_option("#id_family", "forest")
    page.fill("#id_budget_unit_hours", "1")
    shot(page, "training-1-start")
    page.get_by_test_id("training-submit").click()
    page.wait_for_url(f"{base}/training/*/")

    # The page follows the job: its scores, then its checkpoints, then the end.
    page.locator("[data-step]:not(:text-is('0'))").wait_for(timeout=120_000)
    shot(page, "training-2-progress")
    page.locator("[data-testid=job-state][data-state=ready]").wait_for(timeout=180_000)
    events = page.get_by_test_id("job-events").inner_text()
    assert "빌려" in events  # it ran on borrowed units, and says so
    scores = page.get_by_test_id("job-scores")
    assert "ROC-AUC(구분 능력)" in scores.inner_text()  # the metric named, not its code
    assert "100번 중" in scores.get_by_test_id("metric-sentences").inner_text()

    deploy = page.get_by_test_id("deploy-npu")
    for _ in range(30):  # the NPU-ready form is validated by the catalog's worker
        if deploy.count():
            break
        page.wait_for_timeout(1000)
        page.reload()
    shot(page, "training-3-finished")
    deploy.click()
    page.wait_for_url(f"{base}/endpoints/new/*")
    assert "대전 ATOM" in page.locator("#id_grant option:checked").inner_text()
    chosen = page.locator("#id_version option:checked").inner_text()
    assert re.search(r"학습 작업 \d+ · NPU용", chosen), chosen
    page.get_by_test_id("deploy-submit").click()
    page.wait_for_url(f"{base}/endpoints/*/")
    page.locator("[data-testid=endpoint-state][data-state=ready]").wait_for(timeout=120_000)

    inputs = page.get_by_test_id("try-input")
    values = {"Air_temperature": "303", "Process_temperature": "312", "Torque": "65"}
    for index in range(inputs.count()):
        field = inputs.nth(index)
        label = page.locator(f"label[for={field.get_attribute('id')}]").inner_text()
        field.fill(next((v for k, v in values.items() if k in label), "1"))
    page.get_by_test_id("try-submit").click()
    outputs = page.get_by_test_id("try-output")
    outputs.first.wait_for(timeout=15_000)
    assert outputs.first.inner_text() in ("[0]", "[1]")
    assert "가능성" in page.get_by_test_id("try-reading").inner_text()
    shot(page, "training-4-try-it")
