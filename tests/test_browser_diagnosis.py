"""The diagnosis in a real browser: two teammates answer (one through the skip rule), the owner
submits, the report shows the radar chart and the roadmap, and the PDF downloads.

Screenshots go to var/screenshots/ (or $ONESTOP_SCREENSHOTS)."""

import io

import pytest
from pypdf import PdfReader

from tests import factories
from tests.browser import shot
from tests.diagnosis_factories import publish, submitted_assessment
from tests.walk import Walk, report

pytestmark = pytest.mark.browser

FILL = """(level) => {
  for (const q of document.querySelectorAll('.question:not([hidden])')) {
    const groups = {};
    for (const r of q.querySelectorAll('input[type=radio]')) (groups[r.name] ||= []).push(r);
    for (const g of Object.values(groups)) {
      if (g.some(r => r.checked)) continue;
      g[Math.min(g.length - 1, Math.round(level * (g.length - 1)))].click();
    }
    q.querySelectorAll('input[type=checkbox]:not([name^=na_])').forEach((b, i) => {
      if (i % 2 === 0 && !b.checked) b.click();
    });
    for (const n of q.querySelectorAll('input[type=number]')) if (!n.value) n.value = n.min || 1;
    for (const t of q.querySelectorAll('input[type=text]')) if (!t.value) t.value = '테스트';
  }
}"""


@pytest.fixture
def people(transactional_db):
    """A company with an owner and a teammate, and five submitted peers to compare with."""
    owner = factories.make_user("owner@factory.example", full_name="김대표")
    engineer = factories.make_user("engineer@factory.example", full_name="이엔지")
    company = factories.make_company(name="한빛정밀", owner=owner, region="gyeongnam")
    factories.add_member(company, engineer)
    publish()
    for n in range(5):
        peer_owner = factories.make_user()
        peer = factories.make_company(owner=peer_owner, region="gyeongnam")
        submitted_assessment(peer, peer_owner, seed=50 + n, maturity=0.3 + 0.1 * n)
    return owner, engineer


def log_in(page, base, email, lands_on="/dashboard/"):
    """Sign in; a company member lands on the dashboard, a desk member on ``/consultant/``."""
    page.goto(f"{base}/login/")
    page.fill("#id_username", email)
    page.fill("#id_password", factories.PASSWORD)
    page.locator("main button[type=submit]").click()
    page.wait_for_url(f"{base}{lands_on}")


# What a person does on one page of the questionnaire: the questions shown, and the
# free-text answers (a sentence of about 60 characters each).
ASKED = """() => ({
  questions: document.querySelectorAll('.question:not([hidden])').length,
  texts: document.querySelectorAll('.question:not([hidden]) input[type=text]').length,
})"""


def answer_everything(page, level, *, data_collected, screenshot=None, walk=None):
    """Go through every page of the questionnaire, answering what is asked; a ``walk`` counts
    what a person would have done."""
    while True:
        if page.locator("[name=q_data_collected_digitally]").count():
            page.check(f"[name=q_data_collected_digitally][value={data_collected}]")
            gated = page.locator("#question-data_sources")
            if data_collected == "no":
                assert gated.is_hidden()  # the skip rule hides the data-source questions
            else:
                assert gated.is_visible()
            if screenshot:
                shot(page, screenshot)
        page.evaluate(FILL, level)
        page.evaluate(FILL, level)  # questions revealed by the first pass
        if walk is not None:
            asked = page.evaluate(ASKED)
            walk.arrive(page.url.rstrip("/").rsplit("/", 1)[-1])
            walk.questions += asked["questions"]
            walk.chars += 60 * asked["texts"]
        if page.get_by_test_id("finish").count():
            page.get_by_test_id("finish").click()
            return
        page.get_by_test_id("next").click()
        page.wait_for_load_state()


def test_two_respondents_answer_the_owner_submits_and_gets_the_report(
    people, browser_context, live_server
):
    base = live_server.url
    owner_page = browser_context()
    log_in(owner_page, base, "owner@factory.example")
    # The dashboard proposes the quick start; the full diagnosis is one link further.
    owner_page.get_by_test_id("step-diagnose").click()
    owner_page.get_by_test_id("go-full-diagnosis").click()
    owner_page.get_by_test_id("start-assessment").click()
    owner_page.wait_for_url("**/answer/strategy/")
    shot(owner_page, "10-diagnosis-first-page-ko")
    walk = Walk(owner_page, "full-diagnosis")
    answer_everything(
        owner_page, 0.6, data_collected="yes", screenshot="11-data-page-yes-ko", walk=walk
    )
    assert owner_page.get_by_test_id("respondents").is_visible()
    assessment_url = owner_page.url

    engineer_page = browser_context()
    log_in(engineer_page, base, "engineer@factory.example")
    engineer_page.goto(assessment_url)
    engineer_page.get_by_test_id("join").click()
    engineer_page.wait_for_url("**/answer/**")
    answer_everything(
        engineer_page, 0.2, data_collected="no", screenshot="12-data-page-skip-rule-ko"
    )

    owner_page.goto(assessment_url)
    progress = owner_page.get_by_test_id("respondents").inner_text()
    assert "김대표" in progress
    assert "이엔지" in progress
    assert owner_page.get_by_test_id("consensus").is_visible()
    shot(owner_page, "13-assessment-two-respondents-ko")
    owner_page.get_by_test_id("submit-assessment").click()
    # Submitting cannot be undone, so the page asks first and says what will happen.
    assert "더 이상 바꿀 수 없습니다" in owner_page.get_by_test_id("confirm").inner_text()
    shot(owner_page, "14-submit-confirm-ko")
    owner_page.get_by_test_id("confirm-yes").click()
    owner_page.wait_for_url("**/report/")
    walk.arrive("report")
    figures = walk.figures()
    report(figures)
    assert figures["person_active_minutes"] < 30  # the page promises about 20 minutes

    assert owner_page.get_by_test_id("radar").locator("polygon.series-company").is_visible()
    assert owner_page.get_by_test_id("radar").locator("polygon.series-cohort").is_visible()
    roadmap = owner_page.get_by_test_id("roadmap")
    assert roadmap.is_visible()
    assert roadmap.locator("li").count() >= 1
    assert "스마트공장 수준" in owner_page.get_by_test_id("level").inner_text()
    shot(owner_page, "14-report-ko")

    with owner_page.expect_download() as download:
        owner_page.get_by_test_id("pdf").click()
    pdf = open(download.value.path(), "rb").read()  # noqa: SIM115
    assert pdf.startswith(b"%PDF-")
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "한빛정밀" in text

    owner_page.get_by_test_id("lang-en").click()
    owner_page.wait_for_load_state()
    assert "diagnosis report" in owner_page.get_by_test_id("report-title").inner_text()
    assert "Smart-factory level" in owner_page.get_by_test_id("level").inner_text()
    shot(owner_page, "15-report-en")
