"""Vouchers: granted from a programme's budget line, spent on a supplier's quote or on a
catalog model's licence, and charged a month of metered use once; the balance never goes below
zero, and every charge's subsidy and co-payment add up to its cost."""

import re
from datetime import timedelta

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models import Sum
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from deployment.models import BudgetLine, ModelLicence, SupplierQuote, Voucher, VoucherCharge
from deployment.models.vouchers import round_half_up
from deployment.programmes.month_close import month_charge, month_close
from deployment.programmes.vouchers import (
    MAX_OPEN_QUOTES,
    NO_COMPANY_FOR_QUOTE,
    model_price_set,
    voucher_charge_metered_month,
    voucher_issue,
    voucher_spend_on_quote,
)
from onestop.models import Notification
from tests import deployment_factories as make
from tests import voucher_factories as v
from tests.test_concurrency import run_together


@pytest.fixture
def programme(db):
    return make.programme()


@pytest.fixture
def software(programme):
    return v.budget_line(programme, BudgetLine.Kind.SOFTWARE, percent=30)


@pytest.fixture
def data_line(programme):
    return v.budget_line(programme, BudgetLine.Kind.DATA, percent=20)


def test_subsidy_and_co_payment_add_up_to_the_cost_for_every_cost_and_share():
    line = BudgetLine(co_payment_percent=0)
    for percent in range(101):
        line.co_payment_percent = percent
        for cost in (*range(0, 400), 10**12 + 7):
            subsidy, co_payment = line.split(cost)
            assert subsidy + co_payment == cost
            assert subsidy >= 0
            assert co_payment >= 0
    line.co_payment_percent = 30
    assert line.split(5) == (3, 2)  # 1.5 won of co-payment rounds half up to 2
    assert line.split(15) == (10, 5)  # 4.5 → 5
    assert round_half_up(1499, 1000) == 1
    assert round_half_up(1500, 1000) == 2


def test_an_officer_grants_vouchers_within_the_budget_line(world, programme):
    line = v.budget_line(programme, total_won=1_000_000)
    first = voucher_issue(
        budget_line=line, company=world.company_a, granted_won=600_000, officer=world.officer
    )
    assert (first.granted_won, first.balance_won) == (600_000, 600_000)
    assert Notification.objects.filter(user=world.owner_a, kind="voucher_issued").exists()
    with pytest.raises(ValidationError, match="400,000"):
        voucher_issue(
            budget_line=line, company=world.company_b, granted_won=400_001, officer=world.officer
        )
    assert Voucher.objects.count() == 1


def test_a_quote_is_paid_with_a_voucher_of_its_kind(world, data_line):
    voucher = v.voucher(world.company_a, data_line, granted_won=1_000_000)
    quote = v.quote(world.partner_p, world.company_a, amount_won=500_001)

    charge = voucher_spend_on_quote(quote=quote, voucher=voucher, user=world.owner_a)

    # 20 % of 500,001 is 100,000.2: the company pays 100,000, the voucher 400,001.
    assert (charge.cost_won, charge.subsidy_won, charge.co_payment_won) == (
        500_001,
        400_001,
        100_000,
    )
    assert charge.supplier == world.partner_p
    assert charge.uncovered_won == 0
    voucher.refresh_from_db()
    quote.refresh_from_db()
    assert voucher.balance_won == 1_000_000 - 400_001
    assert (quote.state, quote.decided_by) == (SupplierQuote.State.ACCEPTED, world.owner_a)
    assert Notification.objects.filter(user=world.partner_member, kind="quote_answered").exists()
    with pytest.raises(ValidationError, match="이미 처리된 견적"):
        voucher_spend_on_quote(quote=quote, voucher=voucher, user=world.owner_a)
    assert VoucherCharge.objects.count() == 1


def test_a_quote_the_balance_cannot_pay_is_refused_with_what_is_left(world, data_line):
    voucher = v.voucher(world.company_a, data_line, granted_won=100_000)
    quote = v.quote(world.partner_q, world.company_a, amount_won=200_000)  # needs 160,000

    with pytest.raises(ValidationError) as refused:
        voucher_spend_on_quote(quote=quote, voucher=voucher, user=world.owner_a)

    assert "100,000" in refused.value.messages[0]
    assert "160,000" in refused.value.messages[0]
    voucher.refresh_from_db()
    quote.refresh_from_db()
    assert voucher.balance_won == 100_000
    assert quote.state == SupplierQuote.State.OFFERED
    assert not VoucherCharge.objects.exists()


def test_a_quote_needs_a_voucher_of_its_kind_of_its_company_while_it_is_open(
    world, software, data_line
):
    mine = v.voucher(world.company_a, software)
    theirs = v.voucher(world.company_b, data_line)
    quote = v.quote(world.partner_q, world.company_a)
    with pytest.raises(ValidationError, match="쓸 수 없습니다"):
        voucher_spend_on_quote(quote=quote, voucher=mine, user=world.owner_a)
    with pytest.raises(ValidationError, match="다른 기업의 바우처"):
        voucher_spend_on_quote(quote=quote, voucher=theirs, user=world.owner_a)
    late = v.quote(
        world.partner_q, world.company_a, valid_until=timezone.localdate() - timedelta(days=1)
    )
    with pytest.raises(ValidationError, match="이미 처리된 견적"):
        voucher_spend_on_quote(
            quote=late, voucher=v.voucher(world.company_a, data_line), user=world.owner_a
        )


def test_a_month_of_metered_use_is_charged_once(world, software):
    voucher = v.voucher(world.company_a, software, granted_won=1_000_000)
    family = v.priced_family(world.partner_p, per_month=50_000, per_1000=1_500)
    licence = v.licence(voucher, family)
    first, second = (
        v.endpoint(world.company_a, family, "press-1"),
        v.endpoint(world.company_a, family, "press-2"),
    )
    requests = v.metered_month(first, per_hour=100)
    assert requests == (30 * 24) * 100 + 100  # March: 31 days, the last one not rolled up
    v.metered_month(second, per_hour=7)
    other = v.endpoint(world.company_b, family, "not-licensed")  # B has no licence
    v.metered_month(other)

    charges, notices = month_close(month=v.MONTH)

    metered = VoucherCharge.objects.get(endpoint=first)
    assert (metered.what, metered.month, metered.requests) == ("metered", v.MONTH, requests)
    assert metered.cost_won == round_half_up(requests * 1_500, 1000) == 108_150
    assert metered.subsidy_won + metered.co_payment_won == metered.cost_won
    assert metered.co_payment_won == round_half_up(108_150 * 30, 100) == 32_445
    fee = VoucherCharge.objects.get(what="licence")
    assert (fee.licence, fee.cost_won, fee.supplier) == (licence, 50_000, world.partner_p)
    assert len(charges) == 3
    assert not VoucherCharge.objects.filter(endpoint=other).exists()
    voucher.refresh_from_db()
    paid = VoucherCharge.objects.aggregate(total=Sum("subsidy_won"))["total"]
    assert voucher.balance_won == 1_000_000 - paid

    # Run again (the beat runs on the 1st to the 3rd): nothing more is charged or sent.
    assert month_close(month=v.MONTH) == ([], [])
    assert VoucherCharge.objects.count() == 3
    assert {n.user for n in notices} == {world.owner_a, world.partner_user, world.partner_member}
    assert voucher_charge_metered_month(licence=licence, endpoint=first, month=v.MONTH) is None


def test_metered_use_past_the_balance_is_the_companys_and_the_balance_stops_at_zero(
    world, software
):
    voucher = v.voucher(world.company_a, software, granted_won=10_000)
    family = v.priced_family(world.partner_p, per_1000=1_000)
    v.licence(voucher, family)
    v.metered_month(v.endpoint(world.company_a, family, "press-1"), per_hour=100)

    (charge,) = month_charge(month=v.MONTH)

    assert charge.cost_won == 72_100  # 72,100 requests at 1 won each
    assert charge.subsidy_won == 10_000  # all the voucher had
    assert charge.uncovered_won == 72_100 - round_half_up(72_100 * 30, 100) - 10_000
    assert charge.co_payment_won == charge.cost_won - charge.subsidy_won
    voucher.refresh_from_db()
    assert voucher.balance_won == 0


def test_the_month_in_progress_is_not_charged(world, software):
    voucher = v.voucher(world.company_a, software)
    family = v.priced_family(world.partner_p, per_month=10_000, per_1000=100)
    v.licence(voucher, family, started_at=timezone.now() - timedelta(days=40))
    from deployment.programmes.months import month_of

    assert month_charge(month=month_of(timezone.now())) == []


def test_a_licence_ended_before_the_month_is_not_charged(world, software):
    voucher = v.voucher(world.company_a, software)
    family = v.priced_family(world.partner_p, per_month=10_000)
    licence = v.licence(voucher, family)
    ModelLicence.objects.filter(pk=licence.pk).update(ended_at=licence.started_at + timedelta(1))
    assert month_charge(month=v.MONTH) == []


# --- under real concurrency (PostgreSQL) -----------------------------------------------


@pytest.fixture
def postgres_only(transactional_db):
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL row locks: set DATABASE_URL=postgres://…")


@pytest.mark.postgres
def test_concurrent_charges_never_take_a_voucher_below_zero(postgres_only):
    from tests import factories

    owner = factories.make_user()
    company = factories.make_company(owner=owner)
    vendor = factories.make_partner(name="Vendor V")
    supplier = factories.make_partner(name="Supplier S")
    line = v.budget_line(make.programme(), BudgetLine.Kind.SOFTWARE, percent=30)
    voucher = v.voucher(company, line, granted_won=100_000)
    family = v.priced_family(vendor, per_1000=1_000)
    licence = v.licence(voucher, family)
    endpoints = [v.endpoint(company, family, f"press-{n}") for n in range(8)]
    for endpoint in endpoints:
        v.metered_month(endpoint, per_hour=30)  # 21,630 won a month each: 15,141 subsidy
    quotes = [
        v.quote(supplier, company, kind=BudgetLine.Kind.SOFTWARE, amount_won=40_000)
        for _n in range(4)
    ]  # 28,000 subsidy each

    outcomes = run_together(
        *[
            lambda e=e: voucher_charge_metered_month(licence=licence, endpoint=e, month=v.MONTH)
            for e in endpoints
        ],
        # The same month charged twice at once: once only.
        lambda: voucher_charge_metered_month(licence=licence, endpoint=endpoints[0], month=v.MONTH),
        *[lambda q=q: voucher_spend_on_quote(quote=q, voucher=voucher, user=owner) for q in quotes],
    )

    voucher.refresh_from_db()
    assert voucher.balance_won >= 0
    charges = VoucherCharge.objects.filter(voucher=voucher)
    subsidies = charges.aggregate(total=Sum("subsidy_won"))["total"]
    assert subsidies == voucher.granted_won - voucher.balance_won
    assert charges.filter(what="metered").count() == len(endpoints)
    assert all(c.subsidy_won + c.co_payment_won == c.cost_won for c in charges)
    refused = [o for o in outcomes if isinstance(o, ValidationError)]
    # More was asked of the voucher than it held: the limit was met.
    assert refused or charges.filter(uncovered_won__gt=0).exists()
    accepted = charges.filter(what="quote").count()
    assert accepted + len(refused) == len(quotes)
    unexpected = [o for o in outcomes if isinstance(o, Exception) and o not in refused]
    assert unexpected == []


@pytest.mark.postgres
def test_two_officers_granting_from_one_line_at_once_never_overspend_it(postgres_only):
    from tests import factories

    officer = factories.make_staff("officer")
    companies = [factories.make_company() for _n in range(2)]
    line = v.budget_line(make.programme(), total_won=1_000_000)
    outcomes = run_together(
        *[
            lambda c=c: voucher_issue(
                budget_line=line, company=c, granted_won=600_000, officer=officer
            )
            for c in companies
        ]
    )
    assert Voucher.objects.count() == 1
    assert sum(isinstance(o, ValidationError) for o in outcomes) == 1


# --- the owner's pages -----------------------------------------------------------------


def test_the_owner_pays_a_quote_after_confirming(world, owner_client, data_line):
    voucher = v.voucher(world.company_a, data_line)
    quote = v.quote(world.partner_q, world.company_a, description="=HYPERLINK(1) 라벨링")
    page = owner_client.get(reverse("vouchers")).content.decode()
    assert 'data-testid="quote-spend"' in page
    assert "라벨링" in page

    url = reverse("quote_spend", args=[quote.pk])
    asked = owner_client.post(url, {"voucher": voucher.pk})
    assert asked.status_code == 200
    assert 'data-testid="confirm"' in asked.content.decode()
    assert not VoucherCharge.objects.exists()

    done = owner_client.post(url, {"voucher": voucher.pk, "confirmed": "yes"})
    assert done.status_code == 302
    assert done["Location"] == reverse("vouchers")
    assert VoucherCharge.objects.get().quote == quote


def test_another_companys_quote_or_voucher_is_not_found(world, owner_client, data_line):
    mine = v.voucher(world.company_a, data_line)
    theirs = v.voucher(world.company_b, data_line)
    their_quote = v.quote(world.partner_q, world.company_b)
    my_quote = v.quote(world.partner_q, world.company_a)
    data = {"voucher": mine.pk, "confirmed": "yes"}
    assert owner_client.post(reverse("quote_spend", args=[their_quote.pk]), data).status_code == 404
    assert owner_client.post(reverse("quote_decline", args=[their_quote.pk])).status_code == 404
    data = {"voucher": theirs.pk, "confirmed": "yes"}
    assert owner_client.post(reverse("quote_spend", args=[my_quote.pk]), data).status_code == 404
    assert not VoucherCharge.objects.exists()


def test_the_owner_licenses_a_priced_model_and_ends_the_licence(world, owner_client, software):
    voucher = v.voucher(world.company_a, software)
    family = v.priced_family(world.partner_p, per_month=30_000, per_1000=500, name="예지보전 P")
    page = owner_client.get(reverse("voucher_models")).content.decode()
    assert "예지보전 P" in page
    assert "30,000" in page
    url = reverse("licence_start", args=[family.pk])

    def confirmed_form():
        """The fields the confirmation page posts back, with what it showed."""
        page = owner_client.post(url, {"voucher": voucher.pk}).content.decode()
        fields = dict(re.findall(r'type="hidden" name="(\w+)" value="([^"]*)"', page))
        fields.pop("csrfmiddlewaretoken", None)
        return page, fields

    page, fields = confirmed_form()
    assert "30,000" in page
    # The vendor raises its price while the owner reads the page: what they confirm is refused.
    model_price_set(family=family, won_per_1000_requests=500, won_per_month=45_000)
    refused = owner_client.post(url, fields, follow=True).content.decode()
    with translation.override(settings.LANGUAGE_CODE):
        told = gettext(
            "The vendor changed its price after you were shown it: it is now %(month)s won a "
            "month and %(requests)s won per 1,000 requests. Nothing was licensed; license "
            "again to accept the new price."
        ) % {"month": "45,000", "requests": "500"}
    assert told in refused
    assert not ModelLicence.objects.exists()

    page, fields = confirmed_form()
    assert "45,000" in page
    owner_client.post(url, fields)
    licence = ModelLicence.objects.get()
    assert (licence.family, licence.won_per_month, licence.company) == (
        family,
        45_000,
        world.company_a,
    )
    # A running licence keeps its price when the vendor changes it.
    family.price.won_per_month = 90_000
    family.price.save()
    licence.refresh_from_db()
    assert licence.won_per_month == 45_000
    owner_client.post(reverse("licence_end", args=[licence.pk]), {"confirmed": "yes"})
    licence.refresh_from_db()
    assert licence.ended_at is not None


def test_a_member_cannot_spend(world, data_line):
    from django.test import Client

    client = Client()
    client.force_login(world.member_a)
    voucher = v.voucher(world.company_a, data_line)
    quote = v.quote(world.partner_q, world.company_a)
    assert client.get(reverse("vouchers")).status_code == 403
    response = client.post(
        reverse("quote_spend", args=[quote.pk]), {"voucher": voucher.pk, "confirmed": "yes"}
    )
    assert response.status_code == 403


def test_an_officer_grants_a_voucher_on_the_application_page(world, programme):
    from django.test import Client

    from tests.deployment_factories import application

    line = v.budget_line(programme, total_won=5_000_000)
    approved = application(world.company_a, world.owner_a, programme)
    approved.state = "approved"
    approved.save(update_fields=["state"])
    client = Client()
    client.force_login(world.officer)
    page = client.get(reverse("consultant_application", args=[approved.pk])).content.decode()
    assert 'data-testid="voucher-issue-form"' in page
    url = reverse("application_voucher_issue", args=[approved.pk])
    client.post(url, {"budget_line": line.pk, "granted_won": "2000000"})
    voucher = Voucher.objects.get()
    assert (voucher.company, voucher.application, voucher.issued_by) == (
        world.company_a,
        approved,
        world.officer,
    )
    consultant = Client()
    consultant.force_login(world.consultant_a)
    assert consultant.post(url, {"budget_line": line.pk, "granted_won": "1"}).status_code == 403


# --- the partner API ------------------------------------------------------------------


def test_a_vendor_sets_its_models_price(world, api_client):
    family = make.family(world.partner_p)
    url = reverse("deployment_api:model_price", args=[family.pk])
    assert api_client.get(url).status_code == 404
    response = api_client.put(
        url, {"won_per_1000_requests": 1200, "won_per_month": 50000}, format="json"
    )
    assert response.status_code == 200, response.content
    assert family.price.won_per_month == 50000
    assert api_client.get(url).json()["won_per_1000_requests"] == 1200
    theirs = make.family(world.partner_q)
    response = api_client.put(
        reverse("deployment_api:model_price", args=[theirs.pk]),
        {"won_per_1000_requests": 1, "won_per_month": 1},
        format="json",
    )
    assert response.status_code == 404


def test_a_supplier_sends_a_quote_the_company_sees(world, api_client, programme):
    until = (timezone.localdate() + timedelta(days=14)).isoformat()

    def send(number, kind="consulting", key=None):
        headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
        return api_client.post(
            reverse("deployment_api:quotes"),
            {
                "company_registration_number": number,
                "kind": kind,
                "description": "공정 데이터 수집 컨설팅",
                "amount_won": 3_000_000,
                "valid_until": until,
            },
            format="json",
            **headers,
        )

    # No voucher that pays for consulting yet: refused in the same words as an unknown
    # number, so no partner learns who takes part in a programme by asking.
    number = world.company_a.registration_number
    refused = send(number)
    unknown = send("0000000000")
    assert refused.status_code == unknown.status_code == 400
    said = refused.json()["error"]["fields"]["company_registration_number"]
    assert said == unknown.json()["error"]["fields"]["company_registration_number"]
    with translation.override(settings.LANGUAGE_CODE):
        assert said == [str(NO_COMPANY_FOR_QUOTE)]
    assert not SupplierQuote.objects.exists()

    v.voucher(world.company_a, v.budget_line(programme, BudgetLine.Kind.CONSULTING))
    response = send(number, key="quote-1")
    assert response.status_code == 201, response.content
    quote = SupplierQuote.objects.get()
    assert (quote.supplier, quote.company, quote.amount_won) == (
        world.partner_p,
        world.company_a,
        3_000_000,
    )
    assert Notification.objects.filter(user=world.owner_a, kind="quote_received").exists()
    assert api_client.get(reverse("deployment_api:quote", args=[quote.pk])).status_code == 200
    assert send(number, kind="data").status_code == 400  # its vouchers do not pay for data

    # At most MAX_OPEN_QUOTES wait for one company's answer from one supplier.
    while SupplierQuote.objects.count() < MAX_OPEN_QUOTES:
        assert send(number).status_code == 201
    flooding = send(number)
    assert flooding.status_code == 400
    told = flooding.json()["error"]["fields"]["company_registration_number"][0]
    assert str(MAX_OPEN_QUOTES) in told  # how many of its quotes are waiting
    assert told != said[0]
    assert SupplierQuote.objects.count() == MAX_OPEN_QUOTES


def test_a_partner_never_sees_another_partners_quote(world):
    from rest_framework.test import APIClient

    from tests import factories

    quote = v.quote(world.partner_p, world.company_a)
    _key, raw = factories.make_api_key(world.partner_q, "q")
    other = APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert other.get(reverse("deployment_api:quote", args=[quote.pk])).status_code == 404
    assert other.get(reverse("deployment_api:quotes")).json()["results"] == []


def test_the_beat_task_closes_the_month_that_just_ended(world, software):
    from deployment.programmes.months import month_of, previous_month
    from deployment.tasks import close_previous_month

    ended = previous_month(month_of(timezone.now()))
    voucher = v.voucher(world.company_a, software)
    family = v.priced_family(world.partner_p, per_month=10_000, per_1000=1_000)
    v.licence(voucher, family, started_at=timezone.now() - timedelta(days=70))
    v.metered_month(v.endpoint(world.company_a, family, "press-1"), month=ended, per_hour=1)

    assert close_previous_month.delay().get()["charges"] == 2
    assert close_previous_month.delay().get() == {"charges": 0, "notices": 0}
    assert set(VoucherCharge.objects.values_list("month", flat=True)) == {ended}


def test_an_officer_grants_a_voucher_in_the_admin_within_the_line(world, programme):
    from django.test import Client

    line = v.budget_line(programme, BudgetLine.Kind.CONSULTING, total_won=1_000_000)
    client = Client()
    client.force_login(world.officer)
    url = reverse("admin:deployment_voucher_add")
    form = {"budget_line": line.pk, "company": world.company_a.pk, "granted_won": "700000"}
    assert client.post(url, form).status_code == 302
    voucher = Voucher.objects.get()
    assert (voucher.balance_won, voucher.issued_by) == (700_000, world.officer)
    refused = client.post(url, {**form, "granted_won": "300001"})
    assert refused.status_code == 200
    assert "300,000" in refused.content.decode()
    assert Voucher.objects.count() == 1
