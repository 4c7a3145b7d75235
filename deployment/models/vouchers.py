"""Vouchers: a programme's budget lines besides unit-hours (software, data work, consulting),
the vouchers an officer grants a company from them, what vendors charge for their models,
what suppliers quote, and every charge a voucher paid. Money is whole won, never a float."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


def round_half_up(numerator, denominator):
    """``numerator / denominator`` rounded half up, in whole numbers (both non-negative)."""
    return (2 * numerator + denominator) // (2 * denominator)


class BudgetLine(models.Model):
    """Money a programme sets aside for one kind of help, and the company's share of each cost."""

    class Kind(models.TextChoices):
        SOFTWARE = "software", _("Software (model licences)")
        DATA = "data", _("Data work")
        CONSULTING = "consulting", _("Consulting")

    programme = models.ForeignKey(
        "onestop.Programme",
        on_delete=models.PROTECT,
        related_name="budget_lines",
        verbose_name=_("programme"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    total_won = models.PositiveBigIntegerField(_("budget (KRW)"))
    co_payment_percent = models.PositiveSmallIntegerField(
        _("company's co-payment (%)"),
        validators=[MaxValueValidator(100)],
        help_text=_("The share of every cost the company pays itself; the voucher pays the rest."),
    )

    class Meta:
        verbose_name = _("budget line")
        verbose_name_plural = _("budget lines")
        ordering = ["programme", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "kind"], name="budget_line_once_per_kind"),
            models.CheckConstraint(
                condition=Q(co_payment_percent__lte=100), name="budget_line_co_payment_percent"
            ),
        ]

    def __str__(self):
        return f"{self.programme} · {self.get_kind_display()}"

    def split(self, cost_won):
        """(subsidy, co-payment) of a cost: the co-payment is the company's percent rounded half
        up to the won, the subsidy the rest, so the two always add up to the cost."""
        co_payment = round_half_up(cost_won * self.co_payment_percent, 100)
        return cost_won - co_payment, co_payment


class Voucher(models.Model):
    """Money granted to one company from a budget line; the balance is what is left of it."""

    budget_line = models.ForeignKey(
        BudgetLine, on_delete=models.PROTECT, related_name="vouchers", verbose_name=_("budget line")
    )
    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.PROTECT,
        related_name="vouchers",
        verbose_name=_("company"),
    )
    application = models.ForeignKey(
        "onestop.Application",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="vouchers",
        verbose_name=_("application"),
    )
    granted_won = models.PositiveBigIntegerField(_("granted (KRW)"))
    balance_won = models.PositiveBigIntegerField(_("balance (KRW)"))
    issued_at = models.DateTimeField(_("issued"), default=timezone.now)
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )

    class Meta:
        verbose_name = _("voucher")
        verbose_name_plural = _("vouchers")
        ordering = ["issued_at", "pk"]
        constraints = [
            # The database refuses a balance below zero whatever the code above it does.
            models.CheckConstraint(
                condition=Q(balance_won__gte=0), name="voucher_balance_not_negative"
            ),
            models.CheckConstraint(
                condition=Q(balance_won__lte=F("granted_won")), name="voucher_balance_within_grant"
            ),
        ]

    def __str__(self):
        return f"{self.company} · {self.budget_line.get_kind_display()} · {self.granted_won:,}"

    @property
    def kind(self):
        return self.budget_line.kind

    @property
    def spent_won(self):
        return self.granted_won - self.balance_won


class ModelPrice(models.Model):
    """What a vendor charges for a model of its catalog: per 1,000 requests to an endpoint that
    serves it, per month of licence, or both. A licence keeps the prices it started with."""

    family = models.OneToOneField(
        "deployment.ModelFamily",
        on_delete=models.CASCADE,
        related_name="price",
        verbose_name=_("model"),
    )
    won_per_1000_requests = models.PositiveBigIntegerField(_("per 1,000 requests (KRW)"), default=0)
    won_per_month = models.PositiveBigIntegerField(_("per month (KRW)"), default=0)
    updated_at = models.DateTimeField(_("changed"), auto_now=True)

    class Meta:
        verbose_name = _("model price")
        verbose_name_plural = _("model prices")

    def __str__(self):
        return str(self.family)


class ModelLicence(models.Model):
    """A company's licence of a catalog model, paid from a software voucher at the prices of the
    day it started: its months, and its endpoints' requests, are charged to the voucher."""

    voucher = models.ForeignKey(
        Voucher, on_delete=models.PROTECT, related_name="licences", verbose_name=_("voucher")
    )
    # The voucher's company, kept here so the database can hold one open licence per model.
    company = models.ForeignKey(
        "onestop.Company", on_delete=models.PROTECT, related_name="+", verbose_name=_("company")
    )
    family = models.ForeignKey(
        "deployment.ModelFamily",
        on_delete=models.PROTECT,
        related_name="licences",
        verbose_name=_("model"),
    )
    won_per_1000_requests = models.PositiveBigIntegerField(_("per 1,000 requests (KRW)"))
    won_per_month = models.PositiveBigIntegerField(_("per month (KRW)"))
    started_at = models.DateTimeField(_("started"), default=timezone.now)
    ended_at = models.DateTimeField(_("ended"), null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )

    class Meta:
        verbose_name = _("model licence")
        verbose_name_plural = _("model licences")
        ordering = ["-started_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["company", "family"],
                condition=Q(ended_at__isnull=True),
                name="model_licence_one_open_per_model",
            )
        ]

    def __str__(self):
        return f"{self.company} · {self.family}"

    def active_between(self, start, end):
        """Whether the licence ran at some time in [start, end)."""
        return self.started_at < end and (self.ended_at is None or self.ended_at > start)


class SupplierQuote(models.Model):
    """A supplier's offer to a company, sent through the partner API; the company's owner
    accepts it by paying it with a voucher of the same kind, or declines it."""

    class State(models.TextChoices):
        OFFERED = "offered", _("Offered")
        ACCEPTED = "accepted", _("Accepted")
        DECLINED = "declined", _("Declined")

    supplier = models.ForeignKey(
        "onestop.Partner",
        on_delete=models.PROTECT,
        related_name="quotes",
        verbose_name=_("supplier"),
    )
    company = models.ForeignKey(
        "onestop.Company",
        on_delete=models.PROTECT,
        related_name="quotes",
        verbose_name=_("company"),
    )
    kind = models.CharField(_("kind"), max_length=12, choices=BudgetLine.Kind.choices)
    description = models.TextField(_("what is offered"))
    amount_won = models.PositiveBigIntegerField(_("amount (KRW)"))
    valid_until = models.DateField(_("valid until"))
    state = models.CharField(
        _("state"), max_length=10, choices=State.choices, default=State.OFFERED
    )
    created_at = models.DateTimeField(_("sent"), auto_now_add=True)
    decided_at = models.DateTimeField(_("answered"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("answered by"),
    )

    class Meta:
        verbose_name = _("supplier's quote")
        verbose_name_plural = _("suppliers' quotes")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_won__gt=0), name="supplier_quote_amount_positive"
            )
        ]

    def __str__(self):
        return f"{self.supplier} → {self.company} · {self.amount_won:,}"

    def is_open(self, today=None):
        return self.state == self.State.OFFERED and self.valid_until >= (
            today or timezone.localdate()
        )


class VoucherChargeQuerySet(models.QuerySet):
    def of_month(self, month):
        return self.filter(month=month)

    def for_statement(self):
        return self.select_related(
            "voucher__budget_line__programme",
            "voucher__company",
            "supplier",
            "quote",
            "licence__family",
            "endpoint",
        ).order_by("at", "pk")


class VoucherCharge(models.Model):
    """One thing a voucher paid for: a quote, a month of a licence, or a month of metered
    requests to one endpoint. The voucher pays the subsidy; the company the co-payment, which
    includes what the voucher could not cover (``uncovered_won``) once its balance ran out."""

    class What(models.TextChoices):
        QUOTE = "quote", _("Supplier's quote")
        LICENCE_MONTH = "licence", _("Month of a model licence")
        METERED = "metered", _("Requests to a model")

    voucher = models.ForeignKey(
        Voucher, on_delete=models.PROTECT, related_name="charges", verbose_name=_("voucher")
    )
    supplier = models.ForeignKey(
        "onestop.Partner",
        on_delete=models.PROTECT,
        related_name="voucher_charges",
        verbose_name=_("supplier"),
    )
    what = models.CharField(_("what"), max_length=10, choices=What.choices)
    month = models.DateField(_("month"), help_text=_("The first day of the month it belongs to."))
    quote = models.ForeignKey(
        SupplierQuote,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charges",
        verbose_name=_("quote"),
    )
    licence = models.ForeignKey(
        ModelLicence,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="charges",
        verbose_name=_("licence"),
    )
    endpoint = models.ForeignKey(
        "deployment.Endpoint",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="voucher_charges",
        verbose_name=_("endpoint"),
    )
    requests = models.PositiveBigIntegerField(_("requests"), default=0)
    cost_won = models.PositiveBigIntegerField(_("cost (KRW)"))
    subsidy_won = models.PositiveBigIntegerField(_("paid by the voucher (KRW)"))
    co_payment_won = models.PositiveBigIntegerField(_("paid by the company (KRW)"))
    uncovered_won = models.PositiveBigIntegerField(
        _("not covered by the voucher (KRW)"),
        default=0,
        help_text=_("Part of the company's payment: the voucher's balance had run out."),
    )
    at = models.DateTimeField(_("charged"), default=timezone.now)

    objects = VoucherChargeQuerySet.as_manager()

    class Meta:
        verbose_name = _("voucher charge")
        verbose_name_plural = _("voucher charges")
        ordering = ["-at", "-pk"]
        constraints = [
            # A month of an endpoint's requests, a month of a licence, a quote: charged once.
            models.UniqueConstraint(
                fields=["endpoint", "month"],
                condition=Q(what="metered"),
                name="voucher_charge_metered_once",
            ),
            models.UniqueConstraint(
                fields=["licence", "month"],
                condition=Q(what="licence"),
                name="voucher_charge_licence_month_once",
            ),
            models.UniqueConstraint(
                fields=["quote"], condition=Q(what="quote"), name="voucher_charge_quote_once"
            ),
            models.CheckConstraint(
                condition=Q(cost_won=F("subsidy_won") + F("co_payment_won")),
                name="voucher_charge_shares_add_up",
            ),
            models.CheckConstraint(
                condition=Q(uncovered_won__lte=F("co_payment_won")),
                name="voucher_charge_uncovered_within_share",
            ),
            models.CheckConstraint(
                condition=Q(what="quote", quote__isnull=False)
                | Q(what="licence", licence__isnull=False)
                | Q(what="metered", licence__isnull=False, endpoint__isnull=False),
                name="voucher_charge_names_its_item",
            ),
        ]
        indexes = [
            # Statements: a company's and a programme's month (through the voucher), and a
            # supplier's month.
            models.Index(fields=["voucher", "month"], name="voucher_charge_month_idx"),
            models.Index(fields=["supplier", "month"], name="voucher_charge_supplier_idx"),
        ]

    def __str__(self):
        return f"{self.voucher} · {self.get_what_display()} · {self.cost_won:,}"

    @property
    def item(self):
        """What was bought, in a few words: the quote's text, or the model (and endpoint)."""
        if self.what == self.What.QUOTE:
            return self.quote.description
        if self.what == self.What.METERED:
            return f"{self.licence.family} · {self.endpoint}"
        return str(self.licence.family)
