"""Real browser tests: Debian chromium driven by Playwright against a live server.

Screenshots go to var/screenshots/ (or $ONESTOP_SCREENSHOTS).
"""

import pytest

from tests.browser import shot

pytestmark = pytest.mark.browser


def test_sign_up_korean_dashboard_switch_to_english_and_log_out(page, live_server):
    page.goto(f"{live_server.url}/signup/")
    assert page.locator("html").get_attribute("lang") == "ko"
    form = page.get_by_test_id("signup-form")
    form.locator("#id_full_name").fill("김민준")
    form.locator("#id_email").fill("minjun@hanbit.example")
    form.locator("#id_password1").fill("steady-lathe-2026")
    form.locator("#id_password2").fill("steady-lathe-2026")
    form.locator("#id_name").fill("한빛정밀")
    form.locator("#id_registration_number").fill("220-81-62517")
    form.locator("#id_ksic_division").select_option("29")
    form.locator("#id_employee_band").select_option("50-99")
    form.locator("#id_region").select_option("gyeongnam")
    form.locator("#id_contact_name").fill("김민준")
    form.locator("#id_contact_email").fill("minjun@hanbit.example")
    shot(page, "01-signup-ko")
    form.locator("button[type=submit]").click()

    page.wait_for_url(f"{live_server.url}/dashboard/")
    title = page.get_by_test_id("dashboard-title")
    assert "한빛정밀" in title.inner_text()
    assert page.get_by_role("heading", name="AI 도입 단계").is_visible()
    assert "220-81-62517" in page.content()  # the company was stored, number normalised
    shot(page, "02-dashboard-ko")

    page.get_by_test_id("lang-en").click()
    page.wait_for_load_state()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", name="Your journey").is_visible()
    assert "한빛정밀 dashboard" in page.get_by_test_id("dashboard-title").inner_text()
    shot(page, "03-dashboard-en")

    page.get_by_test_id("logout").click()
    page.wait_for_url(f"{live_server.url}/")
    assert page.get_by_role("link", name="Log in").first.is_visible()
    shot(page, "04-logged-out-en")


def test_sign_up_shows_a_clear_error_for_a_wrong_registration_number(page, live_server):
    page.goto(f"{live_server.url}/signup/")
    form = page.get_by_test_id("signup-form")
    form.locator("#id_registration_number").fill("220-81-62518")
    form.locator("button[type=submit]").click()
    page.wait_for_load_state()
    error = page.locator(".field.has-error", has=page.locator("#id_registration_number"))
    assert "사업자등록번호" in error.inner_text()
    shot(page, "05-signup-error-ko")
