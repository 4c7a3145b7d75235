"""Monthly statements: a company's, a supplier's, a compute provider's and a programme's. Each
is a plain object of lines whose totals are the sums of its lines, so the totals reconcile to
the won with the items behind them. ``tables()`` gives the same content as rows, for the page,
the CSV and the PDF alike."""

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Sum
from django.utils.translation import gettext as _

from deployment.models import ComputePool, Grant, VoucherCharge
from deployment.programmes.months import month_bounds, month_of
from deployment.programmes.usage import (
    events_until,
    intervals_of,
    unit_hours_between,
    used_unit_hours,
)
from onestop.dates import local_date
from onestop.models import Company

HUNDREDTH = Decimal("0.01")


@dataclass(frozen=True)
class Money:
    """A cost and who pays it: the voucher (subsidy) and the company (co-payment, which holds
    what the voucher could not cover)."""

    cost: int = 0
    subsidy: int = 0
    co_payment: int = 0
    uncovered: int = 0

    def __add__(self, other):
        return Money(
            self.cost + other.cost,
            self.subsidy + other.subsidy,
            self.co_payment + other.co_payment,
            self.uncovered + other.uncovered,
        )

    @classmethod
    def of(cls, charge):
        return cls(charge.cost_won, charge.subsidy_won, charge.co_payment_won, charge.uncovered_won)

    @classmethod
    def total(cls, items):
        return sum((item.money for item in items), cls())

    def cells(self):
        return [self.cost, self.subsidy, self.co_payment, self.uncovered]


def money_header():
    return [
        _("Cost (KRW)"),
        _("Subsidy (KRW)"),
        _("Co-payment (KRW)"),
        _("Of which not covered (KRW)"),
    ]


@dataclass(frozen=True)
class ChargeLine:
    """One charge of a voucher, as a statement lists it."""

    charge: object

    @property
    def money(self):
        return Money.of(self.charge)

    def cells(self, *, company=True, supplier=True):
        charge = self.charge
        return [
            local_date(charge.at),
            *([charge.voucher.company.name] if company else []),
            *([charge.supplier.name] if supplier else []),
            charge.get_what_display(),
            charge.item,
            charge.requests if charge.what == VoucherCharge.What.METERED else None,
            *self.money.cells(),
        ]


def charge_header(*, company=True, supplier=True):
    return [
        _("Date"),
        *([_("Company")] if company else []),
        *([_("Supplier")] if supplier else []),
        _("What"),
        _("Item"),
        _("Requests"),
        *money_header(),
    ]


@dataclass(frozen=True)
class UnitLine:
    """Unit-hours a company's work held on a pool in the month, and their value at the pool's
    price (rounded half up to the won from the unit-hours as shown)."""

    company: object
    pool: object
    unit_hours: Decimal

    @property
    def value_won(self):
        value = self.unit_hours * self.pool.price_per_unit_hour
        return int(value.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def unit_hours(value):
    return Decimal(value).quantize(HUNDREDTH, rounding=ROUND_HALF_UP)


def unit_header():
    return [_("Company"), _("Pool"), _("Unit-hours"), _("Value at the pool's price (KRW)")]


def unit_cells(line):
    return [line.company.name, line.pool.name, line.unit_hours, line.value_won]


@dataclass(frozen=True)
class Table:
    title: str
    header: list
    rows: list
    total: list | None = None
    paged: bool = False  # the page shows its rows a page at a time


@dataclass
class Statement:
    """A month's charges and unit-hours for one company or one partner."""

    month: date
    name: str
    charges: list = field(default_factory=list)
    units: list = field(default_factory=list)
    show_company: bool = True
    show_supplier: bool = True
    charges_title: str = ""

    @property
    def total(self):
        return Money.total(self.charges)

    @property
    def unit_hours_total(self):
        return sum((line.unit_hours for line in self.units), Decimal(0))

    @property
    def units_value_total(self):
        return sum(line.value_won for line in self.units)

    def tables(self):
        columns = {"company": self.show_company, "supplier": self.show_supplier}
        before_money = len(charge_header(**columns)) - len(money_header())
        tables = [
            Table(
                self.charges_title or _("Voucher spending"),
                charge_header(**columns),
                [line.cells(**columns) for line in self.charges],
                [_("Total"), *[None] * (before_money - 1), *self.total.cells()],
                paged=True,
            )
        ]
        if self.units:
            tables.append(
                Table(
                    _("Units used"),
                    unit_header(),
                    [unit_cells(line) for line in self.units],
                    [_("Total"), None, self.unit_hours_total, self.units_value_total],
                )
            )
        return tables


def charges_of_month(month, **filters):
    return [
        ChargeLine(charge)
        for charge in VoucherCharge.objects.of_month(month).filter(**filters).for_statement()
    ]


def company_statement(company, month):
    """The company's voucher spending in the month and the unit-hours it used on its grants'
    pools."""
    start, end = month_bounds(month)
    pools = ComputePool.objects.filter(
        grants__company=company, grants__starts_at__lt=end, grants__ends_at__gt=start
    ).distinct()
    units = []
    for pool in pools.order_by("name", "pk"):
        used = unit_hours(used_unit_hours(company, pool, start, end))
        units.append(UnitLine(company, pool, used))
    return Statement(
        month=month,
        name=company.name,
        charges=charges_of_month(month, voucher__company=company),
        units=units,
        show_company=False,
    )


def supplier_statement(partner, month):
    """What the partner is owed for the month: each charge paid to it, the voucher's part and
    the company's."""
    return Statement(
        month=month,
        name=partner.name,
        charges=charges_of_month(month, supplier=partner),
        show_supplier=False,
        charges_title=_("What you are owed: vouchers' and companies' parts"),
    )


def provider_statement(partner, month):
    """Unit-hours each company's work held on the provider's pools in the month (one read of
    each pool's allocation events)."""
    start, end = month_bounds(month)
    held = []
    for pool in ComputePool.objects.filter(provider=partner):
        intervals = intervals_of(events_until(end, pool=pool), end)
        for company_id in {company_id for company_id, *_rest in intervals}:
            hours = unit_hours(unit_hours_between(intervals, start, end, company_id))
            if hours:
                held.append((pool, company_id, hours))
    companies = Company.objects.in_bulk({company_id for _pool, company_id, _hours in held})
    units = [UnitLine(companies[company_id], pool, hours) for pool, company_id, hours in held]
    units.sort(key=lambda line: (line.pool.name, line.pool.pk, line.company.name))
    return Statement(month=month, name=partner.name, units=units, show_supplier=False)


def partner_statement(partner, month):
    """A partner's statement: what it is owed as a supplier, and the unit-hours used on its
    pools as a provider (either part may be empty)."""
    owed = supplier_statement(partner, month)
    owed.units = provider_statement(partner, month).units
    return owed


@dataclass(frozen=True)
class ProgrammeLine:
    """One company's spending under one budget line of the programme in the month."""

    company: object
    line: object
    money: Money
    items: int

    def cells(self):
        return [self.company.name, self.line.get_kind_display(), self.items, *self.money.cells()]


@dataclass(frozen=True)
class BudgetRow:
    """A budget line as it stood at the end of the month."""

    line: object
    granted: int  # in vouchers issued by the end of the month
    spent: int  # subsidies paid up to the end of the month

    def cells(self):
        line = self.line
        return [
            line.get_kind_display(),
            line.total_won,
            f"{line.co_payment_percent}%",
            self.granted,
            self.spent,
            line.total_won - self.spent,
        ]


@dataclass
class ProgrammeStatement:
    """A programme's month: each company's spending per budget line, summing to the total,
    with every charge behind it; and each budget line's state."""

    programme: object
    month: date
    lines: list
    charges: list
    budget: list

    @property
    def name(self):
        return str(self.programme)

    @property
    def total(self):
        return Money.total(self.lines)

    @property
    def items_total(self):
        return Money.total(self.charges)

    def tables(self):
        header = [_("Company"), _("Budget line"), _("Items"), *money_header()]
        items = sum(line.items for line in self.lines)
        return [
            Table(
                _("Spending by company"),
                header,
                [line.cells() for line in self.lines],
                [_("Total"), None, items, *self.total.cells()],
            ),
            Table(
                _("Budget lines"),
                [
                    _("Budget line"),
                    _("Budget (KRW)"),
                    _("Co-payment"),
                    _("Granted in vouchers (KRW)"),
                    _("Paid by vouchers so far (KRW)"),
                    _("Budget not yet paid out (KRW)"),
                ],
                [row.cells() for row in self.budget],
            ),
            Table(
                _("Items"),
                charge_header(),
                [line.cells() for line in self.charges],
                [_("Total"), *[None] * 5, *self.items_total.cells()],
                paged=True,
            ),
        ]


def programme_statement(programme, month):
    charges = charges_of_month(month, voucher__budget_line__programme=programme)
    grouped = defaultdict(list)
    for line in charges:
        voucher = line.charge.voucher
        grouped[voucher.company, voucher.budget_line].append(line)
    lines = [
        ProgrammeLine(company, budget_line, Money.total(items), len(items))
        for (company, budget_line), items in sorted(
            grouped.items(), key=lambda item: (item[0][0].name, item[0][1].kind)
        )
    ]
    _start, end = month_bounds(month)
    budget = []
    for line in programme.budget_lines.order_by("kind"):
        vouchers = line.vouchers.filter(issued_at__lt=end)
        granted = vouchers.aggregate(total=Sum("granted_won"))["total"] or 0
        spent = VoucherCharge.objects.filter(voucher__budget_line=line, month__lte=month)
        budget.append(
            BudgetRow(line, granted, spent.aggregate(total=Sum("subsidy_won"))["total"] or 0)
        )
    return ProgrammeStatement(programme, month, lines, charges, budget)


def first_month_of_company(company):
    """The earliest month that may have something on the company's statement, or None."""
    return earliest_month(
        company.vouchers.order_by("issued_at").values_list("issued_at", flat=True).first(),
        Grant.objects.filter(company=company)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first(),
    )


def first_month_of_partner(partner):
    """The earliest month that may have something on the partner's statement, or None."""
    charged = (
        VoucherCharge.objects.filter(supplier=partner)
        .order_by("month")
        .values_list("month", flat=True)
        .first()
    )
    granted = (
        Grant.objects.filter(pool__provider=partner)
        .order_by("starts_at")
        .values_list("starts_at", flat=True)
        .first()
    )
    return min((m for m in (charged, earliest_month(granted)) if m is not None), default=None)


def earliest_month(*moments):
    months = [month_of(moment) for moment in moments if moment is not None]
    return min(months, default=None)
