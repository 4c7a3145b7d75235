"""The consultant's workspace in a real browser: the consultant opens the client list, enters
the owner's diagnosis answers on a visit, writes a visit note and assigns a step of the action
plan to the owner; the owner signs in, finds the notice of it in the inbox, opens the step on
the company's plan and moves it on. The note stays on the desk.

Screenshots go to var/screenshots/ (or $ONESTOP_SCREENSHOTS)."""

from datetime import timedelta

import pytest
from django.utils import timezone

from tests import factories
from tests.browser import shot
from tests.diagnosis_factories import publish
from tests.test_browser_diagnosis import FILL, log_in
from tests.workspace_factories import step

pytestmark = pytest.mark.browser

NOTE = "2라인 프레스 진동 센서 교체 필요. 품질팀장이 데이터 담당."
STEP = "2라인 진동 데이터 3개월치 모으기"


@pytest.fixture
def client_company(transactional_db):
    """A company with its owner, and the consultant who looks after it."""
    owner = factories.make_user("owner@hanbit.example", full_name="김대표")
    company = factories.make_company(name="한빛정밀", owner=owner)
    consultant = factories.make_staff(companies=[company])
    consultant.full_name = "박컨설턴트"
    consultant.save(update_fields=["full_name"])
    # A step agreed at an earlier visit is overdue: the client list says so.
    step(company, consultant, owner=owner, due_in_days=-2, title="데이터 담당자 지정")
    publish()
    return {"owner": owner, "company": company, "consultant": consultant}


def test_consultant_visits_takes_notes_and_assigns_a_step_the_owner_sees(
    client_company, live_server, page
):
    base = live_server.url
    people = client_company
    due = (timezone.localdate() + timedelta(days=21)).isoformat()

    # The consultant opens the client list and the company's workspace.
    log_in(page, base, people["consultant"].email, lands_on="/consultant/")
    page.get_by_test_id("nav-clients").click()
    row = page.get_by_test_id("client").filter(has_text="한빛정밀")
    assert row.count() == 1
    assert row.get_by_test_id("reason").get_attribute("data-kind") == "steps_overdue"
    shot(page, "workspace-01-clients")
    row.get_by_test_id("open-workspace").click()
    page.get_by_test_id("visit").wait_for()

    # On the visit, the consultant enters the owner's answers: the diagnosis starts in the
    # company's name and the page says whose answers these are.
    page.get_by_test_id("visit-form").locator("select").select_option(
        label="김대표 (owner@hanbit.example)"
    )
    page.get_by_test_id("visit-start").click()
    page.wait_for_url("**/consultant/respondents/**/strategy/")
    assert "김대표" in page.get_by_test_id("on-behalf").inner_text()
    page.evaluate(FILL, 0.6)
    shot(page, "workspace-02-visit-answers")
    page.get_by_test_id("next").click()
    page.wait_for_url("**/shop_floor/")
    assert page.get_by_test_id("progress").get_attribute("aria-valuenow") != "0"

    # A visit note, private to the desk.
    page.goto(f"{base}/consultant/clients/")
    page.get_by_test_id("client").filter(has_text="한빛정밀").get_by_test_id(
        "open-workspace"
    ).click()
    page.get_by_test_id("tab-notes").click()
    page.fill("textarea[name=text]", NOTE)
    page.get_by_test_id("note-save").click()
    page.wait_for_load_state()
    assert NOTE in page.get_by_test_id("notes").inner_text()
    shot(page, "workspace-03-visit-note")

    # A step of the action plan, owned by the owner.
    page.get_by_test_id("tab-plan").click()
    form = page.get_by_test_id("step-add")
    form.locator("input[name=title]").fill(STEP)
    form.locator("select[name=owner]").select_option(label="김대표 (owner@hanbit.example)")
    form.locator("input[name=due_on]").fill(due)
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    assert STEP in page.get_by_test_id("plan-steps").inner_text()
    shot(page, "workspace-04-plan-desk")

    # The owner signs in, finds the notice of the step in the inbox, opens it and lands on the
    # company's plan, where the step carries their name.
    page.context.clear_cookies()
    log_in(page, base, "owner@hanbit.example")
    page.get_by_test_id("inbox-link").click()
    notice = page.get_by_test_id("notification").filter(has_text=STEP)
    assert notice.count() == 1
    assert notice.get_attribute("data-kind") == "desk_work"
    assert "박컨설턴트" in notice.inner_text()
    shot(page, "workspace-05-inbox")
    notice.get_by_test_id("notification-open").click()
    page.wait_for_url("**/plan/")
    mine = page.get_by_test_id("plan-step").filter(has_text=STEP)
    assert mine.count() == 1
    assert "김대표" in mine.get_by_test_id("step-owner").inner_text()
    assert NOTE not in page.content()  # the visit note stays on the desk
    mine.locator("select[name=status]").select_option("in_progress")
    mine.get_by_test_id("step-status-save").click()
    page.wait_for_load_state()
    mine = page.get_by_test_id("plan-step").filter(has_text=STEP)
    assert mine.locator("select[name=status]").input_value() == "in_progress"
    shot(page, "workspace-06-plan-owner")
