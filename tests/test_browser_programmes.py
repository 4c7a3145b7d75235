"""Applying for accelerator time in a real browser: the owner applies, the consultant approves,
and the grant shows on the company's dashboard. Screenshots go to var/screenshots/."""

import pytest

from onestop.models import ConsultantAssignment, StaffProfile
from tests import deployment_factories as make
from tests import factories
from tests.browser import shot
from tests.test_browser_diagnosis import log_in

pytestmark = pytest.mark.browser


@pytest.fixture
def people(transactional_db):
    owner = factories.make_user("plant@factory.example", full_name="박공장")
    company = factories.make_company(name="대한정밀", owner=owner, region="gyeongnam")
    consultant = factories.make_user("advisor@onestop.example", full_name="최컨설", staff=True)
    StaffProfile.objects.create(user=consultant, role=StaffProfile.Role.CONSULTANT)
    ConsultantAssignment.objects.create(consultant=consultant, company=company)
    make.programme()
    make.pool(flavor="rbln-atom", name="ATOM 추론 풀", capacity_units=8)
    return owner, consultant


def test_apply_approve_and_see_the_grant(people, live_server, browser_context):
    owner, consultant = people
    base = live_server.url
    sme = browser_context()
    log_in(sme, base, owner.email)
    sme.goto(f"{base}/programmes/")
    sme.get_by_test_id("apply").first.click()
    sme.select_option("#id_flavor", "rbln-atom")
    sme.fill("#id_units", "4")
    sme.fill("#id_quarterly_plan", "300, 600, 900, 900, 900, 900, 900, 900")
    sme.fill("#id_purpose", "설비 고장 예측 모델을 국산 NPU 엔드포인트로 운영합니다.")
    shot(sme, "programmes-1-apply")
    sme.get_by_test_id("submit-application").click()
    sme.wait_for_url(f"{base}/programmes/")
    state = sme.get_by_test_id("applications").locator("tbody td").nth(3)
    assert state.inner_text() == "제출 완료"

    desk = browser_context()
    desk.goto(f"{base}/login/")
    desk.fill("#id_username", consultant.email)
    desk.fill("#id_password", factories.PASSWORD)
    desk.locator("main button[type=submit]").click()
    desk.goto(f"{base}/consultant/applications/")
    desk.get_by_role("link", name="대한정밀").click()
    desk.fill("#id_score", "85")
    desk.fill("#id_comment", "계획이 구체적입니다.")
    desk.select_option("#id_decision", "approve")
    shot(desk, "programmes-2-review")
    desk.get_by_test_id("decide").click()
    desk.get_by_test_id("application-state").wait_for()
    assert desk.get_by_test_id("application-state").inner_text() == "승인됨"

    sme.goto(f"{base}/dashboard/")
    assert "ATOM 추론 풀" in sme.content()
    shot(sme, "programmes-3-dashboard")


@pytest.fixture
def busy_desk(transactional_db):
    from deployment.programmes.deciding import application_decide
    from deployment.services.allocation import workload_submit

    officer = factories.make_user("officer@onestop.example", full_name="정담당", staff=True)
    StaffProfile.objects.create(user=officer, role=StaffProfile.Role.OFFICER)
    pool = make.pool(flavor="rbln-atom", name="ATOM 추론 풀", capacity_units=8)
    for n, name in enumerate(("대한정밀", "한빛금속")):
        owner = factories.make_user(full_name=f"대표{n}")
        company = factories.make_company(name=name, owner=owner)
        application = make.application(
            company, owner, make.programme() if n == 0 else None, units=4
        )
        application_decide(application=application, reviewer=officer, approve=True, score=80)
        if n == 0:
            workload_submit(
                company=company, pool=pool, name="ep", kind="inference", units=2, priority=100
            )
    return officer


def test_the_officer_sees_the_utilisation_charts(busy_desk, live_server, page):
    base = live_server.url
    page.goto(f"{base}/login/")
    page.fill("#id_username", busy_desk.email)
    page.fill("#id_password", factories.PASSWORD)
    page.locator("main button[type=submit]").click()
    page.goto(f"{base}/consultant/utilisation/")
    pools = page.get_by_test_id("pool-utilisation")
    assert "ATOM 추론 풀" in pools.inner_text()
    assert pools.locator("svg.histogram").count() == 1
    companies = page.get_by_test_id("company-utilisation").inner_text()
    assert "대한정밀" in companies
    assert "한빛금속" in companies
    assert page.get_by_test_id("funnel").locator("tr").count() == 4
    shot(page, "programmes-4-utilisation")
