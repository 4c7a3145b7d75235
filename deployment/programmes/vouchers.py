"""Vouchers at work: an officer grants one from a programme's budget line; the company's owner
spends it on a supplier's quote or on the licence of a catalog model; each month the licence
and the requests its endpoints served are charged to it.

Every charge splits its cost into the company's co-payment (its percent, rounded half up) and
the subsidy (the rest), which the voucher pays. The voucher's row is locked while it pays, and
its balance never goes below zero: a quote the balance cannot pay is refused; a month of use,
which has already happened, takes what is left and the rest is the company's ("not
covered")."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from deployment.models import (
    BudgetLine,
    ModelLicence,
    ModelPrice,
    SupplierQuote,
    Voucher,
    VoucherCharge,
)
from deployment.models.vouchers import round_half_up
from deployment.programmes.months import month_bounds, month_of
from onestop.models import Company
from onestop.services.audit import audit_record, audit_snapshot
from onestop.services.notifications import (
    Kind,
    notify,
    notify_company,
    partner_members,
    site_language,
)

# Quotes one supplier may have waiting for one company's answer at a time.
MAX_OPEN_QUOTES = 3
NO_COMPANY_FOR_QUOTE = gettext_lazy(
    "No company on OneStop with this number holds a voucher for this kind of work."
)


def won(amount):
    return f"{amount:,}"


def budget_left(line):
    """What the budget line has not granted in vouchers yet."""
    return line.total_won - (line.vouchers.aggregate(total=Sum("granted_won"))["total"] or 0)


def voucher_issue(*, budget_line, company, granted_won, officer, application=None):
    """A voucher for ``company`` from the line, within what the line has left to grant."""
    if granted_won <= 0:
        raise ValidationError(_("Grant a voucher of at least 1 won."))
    if application is not None and (
        application.company_id != company.pk or application.programme_id != budget_line.programme_id
    ):
        raise ValidationError(_("The application is not this company's, under this programme."))
    with transaction.atomic():
        # Locked: two officers granting from the same line at once cannot overspend it.
        line = BudgetLine.objects.select_for_update().get(pk=budget_line.pk)
        left = budget_left(line)
        if granted_won > left:
            raise ValidationError(
                _("The budget line has %(left)s won left to grant; this voucher asks %(asked)s.")
                % {"left": won(left), "asked": won(granted_won)}
            )
        voucher = Voucher.objects.create(
            budget_line=line,
            company=company,
            application=application,
            granted_won=granted_won,
            balance_won=granted_won,
            issued_by=officer,
        )
        audit_record(
            action="voucher.issue",
            target=voucher,
            actor=officer,
            after=audit_snapshot(voucher),
            company=company,
        )
        with site_language():
            notify_company(
                company,
                _("A voucher of %(amount)s won") % {"amount": won(granted_won)},
                _(
                    "%(programme)s granted you a voucher for %(kind)s. It pays %(subsidy)s%% of "
                    "each cost; you pay the rest. Spend it on your vouchers page."
                )
                % {
                    "programme": line.programme,
                    "kind": line.get_kind_display(),
                    "subsidy": 100 - line.co_payment_percent,
                },
                kind=Kind.VOUCHER_ISSUED,
                url=reverse("vouchers"),
            )
    return voucher


def locked_voucher(voucher):
    return Voucher.objects.select_for_update().select_related("budget_line").get(pk=voucher.pk)


def shares(voucher, cost_won, *, whole):
    """(subsidy, co-payment, not covered) of a cost paid from a locked voucher. ``whole``: the
    voucher must pay its whole share or nothing."""
    subsidy, co_payment = voucher.budget_line.split(cost_won)
    if whole and subsidy > voucher.balance_won:
        raise ValidationError(
            _(
                "The voucher has %(balance)s won left; this needs %(subsidy)s won from it (the "
                "cost less your %(percent)s%% share). Pay it with another voucher, or ask the "
                "supplier for a smaller quote."
            )
            % {
                "balance": won(voucher.balance_won),
                "subsidy": won(subsidy),
                "percent": voucher.budget_line.co_payment_percent,
            }
        )
    paid = min(subsidy, voucher.balance_won)
    uncovered = subsidy - paid
    return paid, co_payment + uncovered, uncovered


def charge_record(voucher, *, cost_won, whole, once, **fields):
    """The charge of the item ``once`` names, paid from the voucher (locked by the caller);
    None when the item was already charged, from this voucher or another."""
    if VoucherCharge.objects.filter(**once).exists():
        return None
    subsidy, co_payment, uncovered = shares(voucher, cost_won, whole=whole)
    try:
        with transaction.atomic():
            charge = VoucherCharge.objects.create(
                voucher=voucher,
                cost_won=cost_won,
                subsidy_won=subsidy,
                co_payment_won=co_payment,
                uncovered_won=uncovered,
                **once,
                **fields,
            )
    except IntegrityError:
        if VoucherCharge.objects.filter(**once).exists():
            return None  # another voucher charged it a moment ago
        raise
    if subsidy:
        Voucher.objects.filter(pk=voucher.pk).update(balance_won=F("balance_won") - subsidy)
        voucher.balance_won -= subsidy
    return charge


def kind_check(voucher, kind):
    if voucher.budget_line.kind != kind:
        raise ValidationError(
            _("This voucher pays for %(voucher)s, not for %(item)s.")
            % {
                "voucher": voucher.budget_line.get_kind_display(),
                "item": BudgetLine.Kind(kind).label,
            }
        )


def voucher_spend_on_quote(*, quote, voucher, user):
    """1. Lock the quote, then the voucher (always in this order, so two spends never wait on
    each other in a circle). 2. Check the quote is open and the voucher is the company's and of
    the quote's kind. 3. Pay the whole subsidy or refuse. 4. Mark the quote accepted."""
    with transaction.atomic():
        quote = (
            SupplierQuote.objects.select_for_update().select_related("supplier").get(pk=quote.pk)
        )
        if not quote.is_open():
            raise ValidationError(_("This quote is no longer open."))
        voucher = locked_voucher(voucher)
        if voucher.company_id != quote.company_id:
            raise ValidationError(_("This voucher is another company's."))
        kind_check(voucher, quote.kind)
        charge = charge_record(
            voucher,
            cost_won=quote.amount_won,
            whole=True,
            once={"what": VoucherCharge.What.QUOTE, "quote": quote},
            supplier=quote.supplier,
            month=month_of(timezone.now()),
        )
        if charge is None:
            raise ValidationError(_("This quote is no longer open."))
        quote_answer(quote, user=user, state=SupplierQuote.State.ACCEPTED, charge=charge)
    return charge


def quote_decline(*, quote, user):
    with transaction.atomic():
        quote = (
            SupplierQuote.objects.select_for_update().select_related("supplier").get(pk=quote.pk)
        )
        if quote.state != SupplierQuote.State.OFFERED:
            raise ValidationError(_("This quote is no longer open."))
        quote_answer(quote, user=user, state=SupplierQuote.State.DECLINED)
    return quote


def quote_answer(quote, *, user, state, charge=None):
    before = audit_snapshot(quote)
    quote.state, quote.decided_at, quote.decided_by = state, timezone.now(), user
    quote.save(update_fields=["state", "decided_at", "decided_by"])
    audit_record(
        action=f"quote.{state}",
        target=quote,
        actor=user,
        before=before,
        after=audit_snapshot(quote),
        company=quote.company,
        partner=quote.supplier,
    )
    with site_language():
        if charge is not None:
            body = _(
                "%(company)s accepted your quote of %(amount)s won: %(subsidy)s won is paid from "
                "its voucher and %(share)s won by the company. It is on your monthly statement."
            ) % {
                "company": quote.company,
                "amount": won(quote.amount_won),
                "subsidy": won(charge.subsidy_won),
                "share": won(charge.co_payment_won),
            }
        else:
            body = _("%(company)s declined your quote of %(amount)s won.") % {
                "company": quote.company,
                "amount": won(quote.amount_won),
            }
        notify(
            partner_members(quote.supplier),
            kind=Kind.QUOTE_ANSWERED,
            subject=_("Quote %(state)s") % {"state": quote.get_state_display()},
            body=body,
            url=reverse("partner_statements"),
            partner=quote.supplier,
        )


def quote_offer(*, supplier, company, kind, description, amount_won, valid_until, actor, api_key):
    """A supplier's quote, sent to the company's owners: only to a company holding a voucher
    that can pay for this kind of work, and never more than ``MAX_OPEN_QUOTES`` waiting from
    one supplier, so a partner cannot fill any firm's inbox by its registration number."""
    if valid_until < timezone.localdate():
        raise ValidationError(_("The quote's last day has passed."))
    payable = Voucher.objects.filter(
        company=company, budget_line__kind=kind, balance_won__gt=0
    ).exists()
    if not payable:
        # The same words whether the company is unknown or holds no such voucher: who takes
        # part in a programme is not told to any partner who asks.
        raise ValidationError(NO_COMPANY_FOR_QUOTE, code="company")
    with transaction.atomic():
        # Locked on the company: two quotes sent at once cannot both pass the count.
        Company.objects.select_for_update().filter(pk=company.pk).first()
        waiting = SupplierQuote.objects.filter(
            supplier=supplier,
            company=company,
            state=SupplierQuote.State.OFFERED,
            valid_until__gte=timezone.localdate(),
        ).count()
        if waiting >= MAX_OPEN_QUOTES:
            raise ValidationError(
                _(
                    "This company has %(count)d of your quotes still waiting for an answer; "
                    "send another once it has answered one."
                )
                % {"count": waiting},
                code="company",
            )
        quote = SupplierQuote.objects.create(
            supplier=supplier,
            company=company,
            kind=kind,
            description=description,
            amount_won=amount_won,
            valid_until=valid_until,
        )
    audit_record(
        action="quote.offer",
        target=quote,
        actor=actor,
        api_key=api_key,
        after=audit_snapshot(quote),
        company=company,
        partner=supplier,
    )
    with site_language():
        notify_company(
            company,
            _("A quote from %(supplier)s") % {"supplier": supplier},
            _(
                "%(supplier)s offers %(what)s for %(amount)s won, until %(until)s. Pay it with "
                "a voucher or decline it on your vouchers page."
            )
            % {
                "supplier": supplier,
                "what": description[:200],
                "amount": won(amount_won),
                "until": valid_until.isoformat(),
            },
            kind=Kind.QUOTE_RECEIVED,
            url=reverse("vouchers"),
        )
    return quote


def model_price_set(*, family, won_per_1000_requests, won_per_month, actor=None, api_key=None):
    """The vendor's price for its model; licences already running keep theirs."""
    before = audit_snapshot(ModelPrice.objects.filter(family=family).first())
    price, _created = ModelPrice.objects.update_or_create(
        family=family,
        defaults={"won_per_1000_requests": won_per_1000_requests, "won_per_month": won_per_month},
    )
    audit_record(
        action="model.price",
        target=price,
        actor=actor,
        api_key=api_key,
        before=before,
        after=audit_snapshot(price),
        partner=family.vendor,
    )
    return price


def licence_start(*, family, voucher, user, price_shown=None):
    """A licence of the catalog model paid from a software voucher, at the price the owner was
    shown (``price_shown``: won a month, won per 1,000 requests): refused if the vendor has
    changed it since, so nobody licenses at a price they never saw."""
    public = family.visibility == family.Visibility.PUBLIC
    kind_check(voucher, BudgetLine.Kind.SOFTWARE)
    try:
        with transaction.atomic():
            # Locked: a price the vendor sets now waits until this licence has read it.
            price = ModelPrice.objects.select_for_update().filter(family=family).first()
            if family.vendor_id is None or not public or price is None:
                raise ValidationError(_("This model's vendor has not set a price."))
            now = (price.won_per_month, price.won_per_1000_requests)
            if price_shown is not None and tuple(price_shown) != now:
                raise ValidationError(
                    _(
                        "The vendor changed its price after you were shown it: it is now "
                        "%(month)s won a month and %(requests)s won per 1,000 requests. Nothing "
                        "was licensed; license again to accept the new price."
                    )
                    % {"month": won(now[0]), "requests": won(now[1])}
                )
            licence = ModelLicence.objects.create(
                voucher=voucher,
                company=voucher.company,
                family=family,
                won_per_1000_requests=price.won_per_1000_requests,
                won_per_month=price.won_per_month,
                started_by=user,
            )
    except IntegrityError:
        raise ValidationError(_("A voucher already pays for this model.")) from None
    audit_record(
        action="licence.start",
        target=licence,
        actor=user,
        after=audit_snapshot(licence),
        company=voucher.company,
        partner=family.vendor,
    )
    return licence


def licence_end(*, licence, user):
    """From now on the model is no longer paid from the voucher; this month is still charged."""
    ended = ModelLicence.objects.filter(pk=licence.pk, ended_at__isnull=True).update(
        ended_at=timezone.now()
    )
    if ended:
        audit_record(action="licence.end", target=licence, actor=user, company=licence.company)
    return bool(ended)


def voucher_charge_licence_month(*, licence, month):
    """The month's licence fee, once; None when there is nothing (more) to charge."""
    start, end = month_bounds(month)
    if end > timezone.now() or not licence.won_per_month or not licence.active_between(start, end):
        return None  # a month is charged once it is over
    if VoucherCharge.objects.filter(
        what=VoucherCharge.What.LICENCE_MONTH,
        month=month,
        licence__company=licence.company_id,
        licence__family=licence.family_id,
    ).exists():
        return None  # a licence ended and started again within the month: one fee
    with transaction.atomic():
        return charge_record(
            locked_voucher(licence.voucher),
            cost_won=licence.won_per_month,
            whole=False,
            once={"what": VoucherCharge.What.LICENCE_MONTH, "licence": licence, "month": month},
            supplier=licence.family.vendor,
        )


def voucher_charge_metered_month(*, licence, endpoint, month):
    """The month's requests to one endpoint that serves the licensed model, once."""
    from deployment.services.endpoint_usage import usage_between

    start, end = month_bounds(month)
    if end > timezone.now() or not licence.won_per_1000_requests:
        return None  # a month is charged once it is over
    if not licence.active_between(start, end):
        return None
    # Only the licence's own days, and only answered requests: a refused or failed request
    # is metered as an error, not sold.
    start = max(start, licence.started_at)
    end = min(end, licence.ended_at or end)
    requests, errors = usage_between([endpoint], start, end)[:2]
    requests -= errors
    cost = round_half_up(requests * licence.won_per_1000_requests, 1000)
    if not cost:
        return None
    with transaction.atomic():
        return charge_record(
            locked_voucher(licence.voucher),
            cost_won=cost,
            whole=False,
            once={"what": VoucherCharge.What.METERED, "endpoint": endpoint, "month": month},
            supplier=licence.family.vendor,
            licence=licence,
            requests=requests,
        )
