"""Shared personas and test policy.

Personas: the people a tenancy test needs — an owner and a member of company A, an owner of
company B, a consultant assigned to A, a consultant with no assignment, a programme officer,
a partner's member and a partner's API key.

Tests that need a real browser, a real broker or PostgreSQL skip with a reason on a machine
without them. CI sets ONESTOP_REQUIRE_SERVICES=1, which turns those skips into failures.
"""

import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest

from onestop.models import Membership, Partner, PartnerMembership, StaffProfile
from tests import factories
from tests.browser import CHROMIUM, SCREENSHOTS

REQUIRED_IN_CI = {"browser", "broker", "postgres", "ray"}


@pytest.fixture(autouse=True)
def _fast_and_quiet(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    settings.ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
    settings.LANGUAGE_CODE = "ko"


@pytest.fixture(autouse=True)
def _data_checks_in_a_temporary_folder(settings, tmp_path):
    """Uploaded files and everything derived land in the test's own folder."""
    settings.ONESTOP_DATA_ROOT = tmp_path / "data-checks"
    settings.ONESTOP_DROP_ROOT = tmp_path / "drop-folders"
    settings.ONESTOP_MODEL_ROOT = tmp_path / "models"
    settings.ONESTOP_DEMO_CREDENTIALS = tmp_path / "demo-credentials.json"
    settings.ONESTOP_CERTIFICATE_ROOT = tmp_path / "certificates"


@pytest.fixture(autouse=True)
def _tasks_run_inline(request):
    """Tasks run in the test's own process, except in the tests of the real broker."""
    from onestop.celery import app

    if request.node.get_closest_marker("broker"):
        yield
        return
    app.conf.task_always_eager, app.conf.task_eager_propagates = True, True
    yield
    app.conf.task_always_eager, app.conf.task_eager_propagates = False, False


@pytest.fixture
def postgres_only(transactional_db):
    """Row locks under real concurrency (with ``@pytest.mark.postgres``): SQLite serialises
    whole transactions, so such a test skips there."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: set DATABASE_URL=postgres://…")


@pytest.fixture(autouse=True)
def _clear_throttle_cache():
    from django.core.cache import cache

    cache.clear()


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if not (report.skipped and os.environ.get("ONESTOP_REQUIRE_SERVICES") == "1"):
        return
    needs = REQUIRED_IN_CI & {mark.name for mark in item.iter_markers()}
    if needs:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"{', '.join(sorted(needs))} test skipped where it must run: {reason}"


@dataclass
class World:
    """Two tenants, their people, consultants and two partners."""

    company_a: object
    company_b: object
    owner_a: object
    member_a: object
    owner_b: object
    teammate_b: object
    consultant_a: object
    consultant_other: object
    officer: object
    partner_p: object
    partner_q: object
    partner_user: object
    partner_member: object
    key_p: object
    raw_key_p: str
    key_p2: object
    key_q: object
    invitation_a: object
    invitation_b: object
    tokens: dict  # invitation pk → the raw token in its link

    def membership(self, user, company):
        return Membership.objects.get(user=user, company=company)


@pytest.fixture
def fresh_serving_caches():
    """Each serving test starts with no loaded model and no remembered key, and leaves none."""
    from deployment.serving import keys, sessions

    sessions.clear()
    keys.forget()
    yield
    sessions.clear()
    keys.forget()


@pytest.fixture
def world(db):
    owner_a = factories.make_user("owner.a@example.com", full_name="김에이")
    member_a = factories.make_user("member.a@example.com", full_name="이에이")
    owner_b = factories.make_user("owner.b@example.com", full_name="박비")
    teammate_b = factories.make_user("teammate.b@example.com", full_name="최비")
    company_a = factories.make_company(name="에이정밀", owner=owner_a)
    factories.add_member(company_a, member_a)
    company_b = factories.make_company(name="비금속", owner=owner_b)
    factories.add_member(company_b, teammate_b)
    partner_user = factories.make_user("vendor@example.com", full_name="윤파트너")
    partner_p = factories.make_partner(name="Vendor P", owner=partner_user)
    partner_member = factories.make_user("engineer@vendor.example", full_name="한파트너")
    PartnerMembership.objects.create(partner=partner_p, user=partner_member)
    partner_q = factories.make_partner(name="Vendor Q")
    key_p, raw_key_p = factories.make_api_key(partner_p, "persona key")
    key_p2, _ = factories.make_api_key(partner_p, "second key")
    key_q, _ = factories.make_api_key(partner_q, "other partner's key")
    invitation_a, token_a = factories.make_invitation(
        company_a, "new.a@example.com", invited_by=owner_a
    )
    invitation_b, token_b = factories.make_invitation(
        company_b, "new.b@example.com", invited_by=owner_b
    )
    return World(
        company_a=company_a,
        company_b=company_b,
        owner_a=owner_a,
        member_a=member_a,
        owner_b=owner_b,
        teammate_b=teammate_b,
        consultant_a=factories.make_staff(companies=[company_a]),
        consultant_other=factories.make_staff(),
        officer=factories.make_staff(StaffProfile.Role.OFFICER),
        partner_p=partner_p,
        partner_q=partner_q,
        partner_user=partner_user,
        partner_member=partner_member,
        key_p=key_p,
        raw_key_p=raw_key_p,
        key_p2=key_p2,
        key_q=key_q,
        invitation_a=invitation_a,
        invitation_b=invitation_b,
        tokens={invitation_a.pk: token_a, invitation_b.pk: token_b},
    )


@pytest.fixture
def owner_client(client, world):
    client.force_login(world.owner_a)
    return client


@pytest.fixture
def partner_owner_api(world):
    """The partner's owner, signed in: the only one who may create or revoke keys."""
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_login(world.partner_user)
    return api


@pytest.fixture
def provider(db):
    """A compute provider's API client (its key), with ``.partner``."""
    from rest_framework.test import APIClient

    partner = factories.make_partner(name="Cloud K", kind=Partner.Kind.COMPUTE_PROVIDER)
    _key, raw = factories.make_api_key(partner, "ops")
    client = APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}")
    client.partner = partner
    return client


@pytest.fixture
def api_client(world):
    from rest_framework.test import APIClient

    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Bearer {world.raw_key_p}")
    return api


# --- real browser ------------------------------------------------------------------------


@pytest.fixture
def browser_context(live_server, transactional_db):
    """A function that opens a new page in its own browser context (a separate person)."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        pytest.skip(f"Debian chromium not found at {CHROMIUM} (apt-get install chromium)")
    sync_api = pytest.importorskip("playwright.sync_api")
    # Playwright's sync API runs an event loop in this thread, so the test checks what the
    # browser shows and makes no ORM calls of its own while the browser is open.
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--disable-gpu",
                "--disable-background-networking",
                "--no-first-run",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
            ],
        )
        contexts = []

        def open_page():
            context = browser.new_context(
                locale="ko-KR", viewport={"width": 1280, "height": 900}, accept_downloads=True
            )
            contexts.append(context)
            new_page = context.new_page()
            new_page.set_default_timeout(15000)
            return new_page

        yield open_page
        for context in contexts:
            context.close()
        browser.close()


@pytest.fixture
def page(browser_context):
    return browser_context()


@pytest.fixture(autouse=True, scope="session")
def _tallies_written_only_when_a_test_asks():
    """No background writer of request tallies: tests flush when they mean to, and nothing is
    written after the test database is gone."""
    from django.conf import settings

    from deployment.serving import tallies

    settings.ONESTOP_METERING_FLUSH_SECONDS = 0
    yield
    tallies.discard()


@pytest.fixture(autouse=True)
def _no_tallies_from_earlier_tests():
    """Request tallies live in process memory; a test starts with none, so one left by an
    earlier test (whose endpoint may have had the same id) never counts as this test's."""
    from deployment.health import observe
    from deployment.serving import tallies

    tallies.discard()
    observe.discard()


# --- a real local Ray cluster ------------------------------------------------------------


@pytest.fixture(scope="session")
def ray_cluster(tmp_path_factory):
    """One local Ray head for the session's ``ray`` tests, with 2 RBLN and 2 GPU units."""
    from tests.ray_cluster import start_cluster, stop_cluster

    cluster = start_cluster(tmp_path_factory.mktemp("ray"), units=2, gpus=2)
    yield cluster
    stop_cluster(cluster)
