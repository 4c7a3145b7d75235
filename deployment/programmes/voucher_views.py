"""The company's vouchers: balances, suppliers' quotes to pay or decline, the catalog models a
software voucher may license, and the licences it pays. Owners only: this is money."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from deployment.models import BudgetLine, ModelFamily, ModelLicence, SupplierQuote, Voucher
from deployment.programmes import vouchers
from deployment.programmes.forms import VoucherChoiceForm
from onestop.confirm import ask_to_confirm, is_confirmed
from onestop.pagination import page_of
from onestop.views.access import company_owner_required

QUOTES_PER_PAGE = 20
MODELS_PER_PAGE = 25


def vouchers_of(company):
    return Voucher.objects.filter(company=company).select_related("budget_line__programme")


def priced_models():
    """Public catalog models whose vendor set a price."""
    return (
        ModelFamily.objects.filter(
            visibility=ModelFamily.Visibility.PUBLIC, vendor__isnull=False, price__isnull=False
        )
        .select_related("vendor", "price")
        .order_by("name", "pk")
    )


@company_owner_required
def vouchers_page(request):
    company = request.current.company
    owned = list(vouchers_of(company))
    quotes = page_of(
        request,
        SupplierQuote.objects.filter(company=company).select_related("supplier"),
        QUOTES_PER_PAGE,
    )
    for quote in quotes:
        quote.payers = [v for v in owned if v.budget_line.kind == quote.kind]
    return render(
        request,
        "vouchers/index.html",
        {
            "vouchers": owned,
            "quotes": quotes,
            "licences": ModelLicence.objects.filter(company=company, ended_at__isnull=True)
            .select_related("family__vendor", "voucher__budget_line")
            .order_by("family__name"),
        },
    )


@company_owner_required
def voucher_models(request):
    """The models a software voucher can pay for, with the vendor's prices."""
    company = request.current.company
    return render(
        request,
        "vouchers/models.html",
        {
            "page": page_of(request, priced_models(), MODELS_PER_PAGE),
            "vouchers": vouchers_of(company).filter(budget_line__kind=BudgetLine.Kind.SOFTWARE),
            "licensed": set(
                ModelLicence.objects.filter(company=company, ended_at__isnull=True).values_list(
                    "family_id", flat=True
                )
            ),
        },
    )


def chosen_voucher(request):
    """The company's voucher the form names, or None (with a message) when the form is empty."""
    form = VoucherChoiceForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a voucher to pay with."))
        return None
    return get_object_or_404(vouchers_of(request.current.company), pk=form.cleaned_data["voucher"])


def attempt(request, change, success):
    try:
        result = change()
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
        return None
    messages.success(request, success(result))
    return result


@company_owner_required
@require_POST
def quote_spend(request, pk):
    quote = get_object_or_404(SupplierQuote.objects.filter(company=request.current.company), pk=pk)
    voucher = chosen_voucher(request)
    if voucher is None:
        return redirect("vouchers")
    if not is_confirmed(request):
        subsidy, co_payment = voucher.budget_line.split(quote.amount_won)
        return ask_to_confirm(
            request,
            title=_("Pay %(supplier)s's quote with the voucher?") % {"supplier": quote.supplier},
            consequences=[
                _("%(amount)s won for: %(what)s")
                % {"amount": vouchers.won(quote.amount_won), "what": quote.description},
                _(
                    "The voucher pays %(subsidy)s won; its balance goes from %(before)s to "
                    "%(after)s."
                )
                % {
                    "subsidy": vouchers.won(subsidy),
                    "before": vouchers.won(voucher.balance_won),
                    "after": vouchers.won(max(0, voucher.balance_won - subsidy)),
                },
                _("Your company pays the supplier %(co_payment)s won itself.")
                % {"co_payment": vouchers.won(co_payment)},
                _("This cannot be undone."),
            ],
            action=_("Pay with the voucher"),
            cancel_url=reverse("vouchers"),
        )
    attempt(
        request,
        lambda: vouchers.voucher_spend_on_quote(quote=quote, voucher=voucher, user=request.user),
        lambda charge: (
            _("Paid: %(subsidy)s won from the voucher, %(share)s won is yours.")
            % {
                "subsidy": vouchers.won(charge.subsidy_won),
                "share": vouchers.won(charge.co_payment_won),
            }
        ),
    )
    return redirect("vouchers")


@company_owner_required
@require_POST
def quote_decline(request, pk):
    quote = get_object_or_404(SupplierQuote.objects.filter(company=request.current.company), pk=pk)
    if not is_confirmed(request):
        return ask_to_confirm(
            request,
            title=_("Decline %(supplier)s's quote?") % {"supplier": quote.supplier},
            consequences=[
                _("The supplier is told; to buy later, ask it for a new quote."),
            ],
            action=_("Decline the quote"),
            cancel_url=reverse("vouchers"),
        )
    attempt(
        request,
        lambda: vouchers.quote_decline(quote=quote, user=request.user),
        lambda _quote: _("Quote declined."),
    )
    return redirect("vouchers")


@company_owner_required
@require_POST
def licence_start(request, pk):
    family = get_object_or_404(priced_models(), pk=pk)
    voucher = chosen_voucher(request)
    if voucher is None:
        return redirect("voucher_models")
    price = family.price
    shown = shown_price(request)
    if not is_confirmed(request) or shown is None:
        return ask_to_confirm(
            request,
            title=_("License %(model)s with the voucher?") % {"model": family.name},
            consequences=[
                _(
                    "%(vendor)s charges %(month)s won a month and %(requests)s won per 1,000 "
                    "requests."
                )
                % {
                    "vendor": family.vendor,
                    "month": vouchers.won(price.won_per_month),
                    "requests": vouchers.won(price.won_per_1000_requests),
                },
                _(
                    "After each month, the month and your endpoints' requests to the model are "
                    "charged to the voucher; your company pays %(percent)s%% of each charge, and "
                    "all of what the voucher's balance no longer covers."
                )
                % {"percent": voucher.budget_line.co_payment_percent},
                _("You can end the licence at any time; the month it ends in is still charged."),
            ],
            action=_("License the model"),
            cancel_url=reverse("voucher_models"),
            shown=[
                (SHOWN_PER_MONTH, price.won_per_month),
                (SHOWN_PER_1000, price.won_per_1000_requests),
            ],
        )
    attempt(
        request,
        lambda: vouchers.licence_start(
            family=family, voucher=voucher, user=request.user, price_shown=shown
        ),
        lambda licence: _("%(model)s is now paid from the voucher.") % {"model": family.name},
    )
    return redirect("vouchers")


SHOWN_PER_MONTH, SHOWN_PER_1000 = "shown_won_per_month", "shown_won_per_1000"


def shown_price(request):
    """(won a month, won per 1,000 requests) the confirmation page showed, or None."""
    try:
        return int(request.POST[SHOWN_PER_MONTH]), int(request.POST[SHOWN_PER_1000])
    except (KeyError, ValueError):
        return None


@company_owner_required
@require_POST
def licence_end(request, pk):
    licence = get_object_or_404(
        ModelLicence.objects.filter(
            company=request.current.company, ended_at__isnull=True
        ).select_related("family"),
        pk=pk,
    )
    if not is_confirmed(request):
        return ask_to_confirm(
            request,
            title=_("End the licence of %(model)s?") % {"model": licence.family.name},
            consequences=[
                _(
                    "This month, with your endpoints' requests to the model, is still charged to "
                    "the voucher; later months are not."
                ),
                _("Endpoints serving the model keep running."),
            ],
            action=_("End the licence"),
            cancel_url=reverse("vouchers"),
        )
    vouchers.licence_end(licence=licence, user=request.user)
    messages.success(request, _("Licence ended."))
    return redirect("vouchers")
