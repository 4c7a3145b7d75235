"""Monthly statements: each total is the sum of its lines, subsidy + co-payment = cost on every
line and in total, a programme's total reconciles with its companies' statements and the items
behind it; pages, CSV and PDF for the company, the partner and the officer, each for its own
tenant only."""

import io
from datetime import date, timedelta

import pytest
from django.db.models import Sum
from django.test import Client
from django.urls import reverse
from pypdf import PdfReader

from deployment.models import BudgetLine, Voucher, VoucherCharge
from deployment.programmes.month_close import month_close
from deployment.programmes.months import month_bounds, month_of, next_month
from deployment.programmes.statements import (
    Money,
    company_statement,
    partner_statement,
    programme_statement,
    provider_statement,
    supplier_statement,
)
from deployment.programmes.vouchers import voucher_spend_on_quote
from tests import deployment_factories as make
from tests import voucher_factories as v


@pytest.fixture
def month_of_use(world):
    """A programme with a software and a data line; A and B each license vendor P's model and
    serve it for a month, A pays a supplier's quote in the month; A's work holds units on a
    provider's pool."""
    programme = make.programme()
    software = v.budget_line(programme, BudgetLine.Kind.SOFTWARE, percent=30)
    data = v.budget_line(programme, BudgetLine.Kind.DATA, percent=15)
    family = v.priced_family(world.partner_p, per_month=33_333, per_1000=1_234)
    for company, per_hour in ((world.company_a, 100), (world.company_b, 7)):
        voucher = v.voucher(company, software, granted_won=200_000)
        v.licence(voucher, family)
        v.metered_month(v.endpoint(company, family, f"press-{company.pk}"), per_hour=per_hour)
    quote = v.quote(world.partner_q, world.company_a, amount_won=123_457)
    charge = voucher_spend_on_quote(
        quote=quote, voucher=v.voucher(world.company_a, data), user=world.owner_a
    )
    VoucherCharge.objects.filter(pk=charge.pk).update(month=v.MONTH)  # paid in that month
    provider = make.provider("Cloud K")
    pool = make.pool(provider, name="K pool", price_per_unit_hour=1_500)
    v.grant(world.company_a, pool)
    start, _end = month_bounds(v.MONTH)
    v.held_units(world.company_a, pool, start + timedelta(days=2), hours=10.5, units=2)
    # Held across the month's start: only the hours inside it count.
    v.held_units(world.company_a, pool, start - timedelta(hours=3), hours=5, units=1)
    Voucher.objects.update(issued_at=start - timedelta(days=20))  # granted before the month
    month_close(month=v.MONTH)
    return {"programme": programme, "provider": provider, "pool": pool}


def assert_adds_up(statement):
    total = Money()
    for line in statement.charges:
        money = line.money
        assert money.subsidy + money.co_payment == money.cost
        assert money.uncovered <= money.co_payment
        total += money
    assert statement.total == total
    assert statement.total.subsidy + statement.total.co_payment == statement.total.cost


def test_a_companys_statement_totals_are_the_sums_of_its_lines(world, month_of_use):
    statement = company_statement(world.company_a, v.MONTH)

    assert len(statement.charges) == 3  # licence month, metered requests, the quote
    assert_adds_up(statement)
    charged = VoucherCharge.objects.filter(voucher__company=world.company_a, month=v.MONTH)
    assert statement.total.cost == charged.aggregate(total=Sum("cost_won"))["total"]
    assert statement.total.cost == 33_333 + round(72_100 * 1.234) + 123_457
    (units,) = statement.units
    assert units.pool == month_of_use["pool"]
    assert units.unit_hours == 2 * 10.5 + 1 * 2  # 21 + the 2 hours inside the month
    assert units.value_won == 23 * 1_500
    assert statement.unit_hours_total == 23
    assert statement.units_value_total == 34_500


def test_a_supplier_sees_what_it_is_owed_and_a_provider_the_units_used(world, month_of_use):
    vendor = supplier_statement(world.partner_p, v.MONTH)
    assert {line.charge.what for line in vendor.charges} == {"licence", "metered"}
    assert {line.charge.voucher.company for line in vendor.charges} == {
        world.company_a,
        world.company_b,
    }
    assert_adds_up(vendor)
    quotes = supplier_statement(world.partner_q, v.MONTH)
    assert [line.charge.what for line in quotes.charges] == ["quote"]
    assert quotes.total.cost == 123_457

    provider = provider_statement(month_of_use["provider"], v.MONTH)
    assert [(line.company, line.unit_hours) for line in provider.units] == [(world.company_a, 23)]
    assert provider.units_value_total == sum(line.value_won for line in provider.units)
    assert partner_statement(world.partner_p, v.MONTH).units == []


def test_a_programmes_total_reconciles_with_its_companies_and_its_items(world, month_of_use):
    statement = programme_statement(month_of_use["programme"], v.MONTH)

    assert statement.total == Money.total(statement.lines) == statement.items_total
    companies = (
        company_statement(world.company_a, v.MONTH).total
        + company_statement(world.company_b, v.MONTH).total
    )
    assert statement.total == companies
    assert sum(line.items for line in statement.lines) == len(statement.charges) == 5
    assert statement.total.subsidy + statement.total.co_payment == statement.total.cost
    software = next(row for row in statement.budget if row.line.kind == "software")
    assert software.granted == 400_000
    assert software.spent == sum(
        line.money.subsidy
        for line in statement.charges
        if line.charge.voucher.budget_line_id == software.line.pk
    )
    # Another month has nothing.
    assert programme_statement(month_of_use["programme"], next_month(v.MONTH)).total == Money()


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_the_owner_reads_the_statement_as_a_page_a_csv_and_a_pdf(world, month_of_use):
    client = signed_in(world.owner_a)
    months = client.get(reverse("statements")).content.decode()
    assert reverse("statement", args=[v.MONTH]) == "/statements/2026-03/"
    assert "/statements/2026-03/" in months

    page = client.get("/statements/2026-03/")
    assert page.status_code == 200
    text = page.content.decode()
    total = company_statement(world.company_a, v.MONTH).total
    assert f"{total.cost:,}" in text
    assert f"{total.subsidy:,}" in text
    assert "K pool" in text
    assert world.company_b.name not in text

    csv = client.get("/statements/2026-03.csv")
    assert csv["Content-Type"].startswith("text/csv")
    body = csv.content.decode("utf-8-sig")
    assert f'"{total.cost}"' in body
    assert f'"{total.co_payment}"' in body
    assert "onestop-statement-company-2026-03.csv" in csv["Content-Disposition"]

    pdf = client.get("/statements/2026-03.pdf")
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    reader = PdfReader(io.BytesIO(pdf.content))
    assert len(reader.pages) >= 1
    extracted = "".join(p.extract_text() for p in reader.pages)
    assert f"{total.cost:,}" in extracted
    assert "에이정밀" in extracted


def test_csv_cells_that_look_like_formulas_are_escaped(world, month_of_use):
    from deployment.models import SupplierQuote

    SupplierQuote.objects.update(description='=HYPERLINK("http://x")')
    body = signed_in(world.owner_a).get("/statements/2026-03.csv").content.decode("utf-8-sig")
    assert "\"'=HYPERLINK" in body
    assert '"=HYPERLINK' not in body


def test_each_tenant_sees_only_its_own_statement(world, month_of_use):
    other = signed_in(world.owner_b).get("/statements/2026-03/").content.decode()
    mine = company_statement(world.company_b, v.MONTH)
    assert f"{mine.total.cost:,}" in other
    assert world.company_a.name not in other
    assert "K pool" not in other

    partner_page = signed_in(world.partner_member).get("/partner/statements/2026-03/")
    assert partner_page.status_code == 200
    text = partner_page.content.decode()
    owed = supplier_statement(world.partner_p, v.MONTH).total
    assert f"{owed.cost:,}" in text
    assert "123,457" not in text
    assert signed_in(world.owner_a).get("/partner/statements/2026-03/").status_code == 403
    assert signed_in(world.partner_member).get("/statements/2026-03/").status_code == 302


def test_a_month_still_to_come_has_no_statement(world, month_of_use):
    from django.utils import timezone

    later = next_month(month_of(timezone.now()))
    client = signed_in(world.owner_a)
    assert client.get(reverse("statement", args=[later])).status_code == 404
    assert client.get("/statements/2026-13/").status_code == 404
    assert client.get("/statements/0001-01/").status_code == 404


def test_a_long_quote_description_still_makes_a_pdf(world, month_of_use):
    """A supplier's description far taller than a page: the PDF keeps its start, the page and
    the CSV keep it whole."""
    from deployment.models import SupplierQuote

    SupplierQuote.objects.update(description="라벨링 " * 600)
    client = signed_in(world.owner_a)
    pdf = client.get("/statements/2026-03.pdf")
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")


def test_partner_statement_files_and_api(world, month_of_use, api_client):
    client = signed_in(world.partner_user)
    assert client.get("/partner/statements/").status_code == 200
    assert client.get("/partner/statements/2026-03.csv").status_code == 200
    assert client.get("/partner/statements/2026-03.pdf").content.startswith(b"%PDF")
    body = api_client.get("/api/v1/statements/2026-03").json()
    owed = supplier_statement(world.partner_p, v.MONTH).total
    assert body["owed"] == {
        "cost_won": owed.cost,
        "subsidy_won": owed.subsidy,
        "co_payment_won": owed.co_payment,
        "uncovered_won": owed.uncovered,
    }
    assert sum(c["money"]["cost_won"] for c in body["charges"]) == owed.cost
    assert len(body["charges"]) == 4


def test_the_officer_reads_the_programmes_statement(world, month_of_use):
    programme = month_of_use["programme"]
    url = reverse("programme_statement", args=[programme.pk, v.MONTH])
    assert url == f"/consultant/statements/{programme.pk}/2026-03/"
    officer = signed_in(world.officer)
    assert officer.get(reverse("programme_statements")).status_code == 200
    page = officer.get(url).content.decode()
    total = programme_statement(programme, v.MONTH).total
    assert f"{total.cost:,}" in page
    assert world.company_a.name in page
    assert world.company_b.name in page
    pdf = officer.get(f"/consultant/statements/{programme.pk}/2026-03.pdf")
    extracted = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    assert f"{total.cost:,}" in extracted
    csv = officer.get(f"/consultant/statements/{programme.pk}/2026-03.csv").content.decode(
        "utf-8-sig"
    )
    assert csv.count(f'"{total.cost}"') == 2  # the companies' total and the items' total
    assert signed_in(world.consultant_a).get(url).status_code == 403


def test_an_empty_month_says_so(world):
    page = signed_in(world.owner_a).get(reverse("statement", args=[date(2026, 1, 1)]))
    assert page.status_code == 200
    assert 'class="empty-state"' in page.content.decode()
    assert (
        'data-testid="statement-months"'
        not in signed_in(world.owner_a).get(reverse("statements")).content.decode()
    )


def test_a_statement_reads_few_queries_however_many_lines(
    world, month_of_use, django_assert_num_queries
):
    # 1. the pools of the company's grants in the month, 2. the one pool's allocation events,
    # 3. the month's charges with their vouchers, companies, suppliers, quotes, licences' models
    # and endpoints.
    with django_assert_num_queries(3):
        company_statement(world.company_a, v.MONTH).tables()
    # 1. the month's charges, 2. the programme's budget lines, then for each of the two: the
    # vouchers granted and the subsidy paid.
    with django_assert_num_queries(1 + 1 + 2 * 2):
        programme_statement(month_of_use["programme"], v.MONTH).tables()
