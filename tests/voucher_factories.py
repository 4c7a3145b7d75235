"""Vouchers, prices, licences, quotes and a month of metered use, for tests."""

from datetime import date, timedelta

from django.utils import timezone

from deployment.models import (
    AllocationEvent,
    BudgetLine,
    Endpoint,
    EndpointUsage,
    Grant,
    ModelLicence,
    ModelPrice,
    SupplierQuote,
    Workload,
)
from deployment.programmes.months import month_bounds
from deployment.programmes.vouchers import voucher_issue
from tests import deployment_factories as make

# A month long past, whatever day the tests run: its statements are final.
MONTH = date(2026, 3, 1)


def budget_line(programme, kind=BudgetLine.Kind.SOFTWARE, total_won=100_000_000, percent=30):
    return BudgetLine.objects.create(
        programme=programme, kind=kind, total_won=total_won, co_payment_percent=percent
    )


def voucher(company, line, granted_won=1_000_000, officer=None):
    return voucher_issue(
        budget_line=line, company=company, granted_won=granted_won, officer=officer
    )


def priced_family(vendor, *, per_month=0, per_1000=0, name=None):
    family = make.family(vendor, **({"name": name} if name else {}))
    make.version(family)
    ModelPrice.objects.create(
        family=family, won_per_month=per_month, won_per_1000_requests=per_1000
    )
    return family


def licence(voucher, family, started_at=None):
    price = family.price
    return ModelLicence.objects.create(
        voucher=voucher,
        company=voucher.company,
        family=family,
        won_per_month=price.won_per_month,
        won_per_1000_requests=price.won_per_1000_requests,
        started_at=started_at or month_bounds(MONTH)[0] - timedelta(days=3),
    )


def endpoint(company, family, name):
    return Endpoint.objects.create(
        company=company,
        name=name,
        version=family.versions.first(),
        state=Endpoint.State.READY,
    )


def metered_month(endpoint, month=MONTH, per_hour=100):
    """A month of use: an hour row for every hour of the month but the last day, whose hours
    were not rolled up yet and are minute rows (one a minute for its first hour: per_hour of
    them in all); the rolled hours' own minutes are kept too and must not count twice.
    Returns the requests the month holds."""
    start, end = month_bounds(month)
    last_day = end - timedelta(days=1)
    hours = EndpointUsage.objects.bulk_create(
        EndpointUsage(
            endpoint=endpoint,
            period=EndpointUsage.Period.HOUR,
            start=start + timedelta(hours=n),
            requests=per_hour,
        )
        for n in range(int((last_day - start).total_seconds() // 3600))
    )
    minutes = [
        EndpointUsage(
            endpoint=endpoint,
            period=EndpointUsage.Period.MINUTE,
            start=moment + timedelta(minutes=n),
            requests=per_hour // 60 + (n < per_hour % 60),
        )
        for moment in (start, last_day)  # a rolled hour's minutes, and an unrolled hour
        for n in range(60)
    ]
    EndpointUsage.objects.bulk_create(minutes)
    # Use just outside the month is not the month's.
    EndpointUsage.objects.create(
        endpoint=endpoint, period=EndpointUsage.Period.HOUR, start=end, requests=999
    )
    EndpointUsage.objects.create(
        endpoint=endpoint,
        period=EndpointUsage.Period.HOUR,
        start=start - timedelta(hours=1),
        requests=999,
    )
    return len(hours) * per_hour + per_hour


def quote(supplier, company, *, kind=BudgetLine.Kind.DATA, amount_won=500_000, **fields):
    return SupplierQuote.objects.create(
        supplier=supplier,
        company=company,
        kind=kind,
        description=fields.pop("description", "불량 이미지 2,000장 라벨링"),
        amount_won=amount_won,
        valid_until=fields.pop("valid_until", timezone.localdate() + timedelta(days=30)),
        **fields,
    )


def held_units(company, pool, start, hours, units=2):
    """A job of the company that held ``units`` on the pool for ``hours`` from ``start``."""
    workload = Workload.objects.create(
        company=company, pool=pool, name="학습", kind=Workload.Kind.TRAINING, units=units
    )
    for action, at in (("admit", start), ("finish", start + timedelta(hours=hours))):
        event = AllocationEvent.objects.create(
            pool=pool, company=company, workload=workload, action=action
        )
        AllocationEvent.objects.filter(pk=event.pk).update(at=at)
    return workload


def grant(company, pool, month=MONTH):
    start, end = month_bounds(month)
    return Grant.objects.create(
        company=company,
        pool=pool,
        guarantee_units=2,
        starts_at=start - timedelta(days=10),
        ends_at=end + timedelta(days=300),
    )


class VoucherObjects:
    """For the authorisation matrix: a quote to A from partner P and one to B from partner Q,
    each with a data voucher of its company to pay it (``matrix_voucher``) and to be quoted
    again (``company_number``); a software voucher
    of A and of B with a priced model of P to license (``family_id``); an open licence of
    each."""

    def __init__(self, world):
        programme = make.programme()
        data = budget_line(programme, BudgetLine.Kind.DATA)
        software = budget_line(programme, BudgetLine.Kind.SOFTWARE)
        family = priced_family(world.partner_p, per_month=10_000, per_1000=100)
        other = priced_family(world.partner_p, per_month=20_000, name="P licensed model")
        self.quotes = []
        for company, supplier in (
            (world.company_a, world.partner_p),
            (world.company_b, world.partner_q),
        ):
            made = quote(supplier, company)
            made.matrix_voucher = voucher(company, data).pk
            made.company_number = company.registration_number  # a new quote's addressee
            self.quotes.append(made)
        self.software = []
        self.licences = []
        for company in (world.company_a, world.company_b):
            paying = voucher(company, software)
            paying.family_id = family.pk
            self.software.append(paying)
            self.licences.append(licence(paying, other))


def voucher_objects(world):
    if not hasattr(world, "_vouchers"):
        world._vouchers = VoucherObjects(world)
    return world._vouchers
