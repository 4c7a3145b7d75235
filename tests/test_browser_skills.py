"""People and skills in a real browser: an owner whose diagnosis scored the people dimension low
opens the learning path from the menu, reads why an AI champion comes first, enrols a staff
member in a suggested course from the path, sees the enrolment, marks it completed with its
certificate, and finds the person's level raised on the people page.

Screenshots go to var/screenshots/ (or $ONESTOP_SCREENSHOTS)."""

import pytest

from diagnosis.models import SkillRole
from tests import factories
from tests import skills_factories as make
from tests.browser import SCREENSHOTS, shot
from tests.test_browser_diagnosis import log_in

pytestmark = [pytest.mark.browser]


@pytest.fixture
def plant(transactional_db):
    owner = factories.make_user("owner@skills.example", full_name="김공장")
    company = factories.make_company(name="대한정밀", owner=owner)
    make.diagnosed(company, owner, overrides=make.WEAK_PEOPLE)
    make.staff(company, "박반장", job_title="3라인 작업반장")
    make.staff(company, "최품질", job_title="품질 담당")
    make.course(
        "현장 AI 리더 과정",
        roles=[SkillRole.CHAMPION],
        level=2,
        provider="데모 교육기관",
        is_demo=True,
    )
    make.course("모델 운영 과정", roles=[SkillRole.OPERATOR], level=2)
    return {"owner": owner}


def test_the_owner_enrols_a_staff_member_from_the_learning_path(plant, live_server, page):
    base = live_server.url
    log_in(page, base, plant["owner"].email)

    # The path, from the menu: the AI champion first, because of the people dimension.
    page.get_by_test_id("nav-skills").click()
    page.wait_for_url(f"{base}/skills/path/")
    first = page.get_by_test_id("path-item").first
    assert first.get_attribute("data-role") == "champion"
    assert first.get_attribute("data-filled") == "no"
    assert "인력과 역량" in first.get_by_test_id("path-reasons").inner_text()
    assert "현장 AI 리더 과정" in first.get_by_test_id("path-courses").inner_text()
    shot(page, "skills-learning-path")

    # Enrol 박반장 in the suggested course, straight from the path.
    form = first.get_by_test_id("enrol-form").first
    form.get_by_test_id("enrol-person").select_option(label="박반장")
    form.get_by_test_id("enrol").click()
    page.wait_for_url(f"{base}/skills/enrolments/")
    row = page.locator('[data-testid="enrolment"][data-person="박반장"]')
    assert row.get_attribute("data-status") == "enrolled"
    assert "현장 AI 리더 과정" in row.inner_text()
    assert row.get_by_test_id("demo-course").is_visible()
    shot(page, "skills-enrolled")

    # Completed today, with the certificate.
    row.get_by_test_id("complete").click()
    page.wait_for_load_state()
    row = page.locator('[data-testid="enrolment"][data-person="박반장"]')
    assert row.get_attribute("data-status") == "completed"
    certificate = SCREENSHOTS / "skills-certificate.pdf"
    certificate.write_bytes(make.PDF)
    row.locator("input[type=file]").set_input_files(str(certificate))
    row.get_by_test_id("certificate-form").locator("button[type=submit]").click()
    page.wait_for_load_state()
    row = page.locator('[data-testid="enrolment"][data-person="박반장"]')
    assert row.get_by_test_id("certificate-link").is_visible()
    shot(page, "skills-completed")

    # The people page shows the level the course gave, and the path the role filled.
    page.goto(f"{base}/skills/people/")
    person = page.locator('[data-testid="person"][data-name="박반장"]')
    assert person.locator('[data-role="champion"]').get_attribute("data-level") == "2"
    shot(page, "skills-people")
    page.goto(f"{base}/skills/path/")
    champion = page.locator('[data-testid="path-item"][data-role="champion"]')
    assert champion.get_attribute("data-filled") == "yes"
