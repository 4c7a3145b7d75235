"""Closing a month: every licence's fee and every licensed endpoint's requests charged to
their vouchers, then the companies, suppliers and providers told their statements are ready.
Safe to run again: each item is charged once (the charges' unique constraints) and each notice
is sent once (its key)."""

import logging

from django.db.models import Q
from django.urls import reverse
from django.utils.translation import gettext as _

from deployment.models import Endpoint, Grant, ModelLicence, VoucherCharge
from deployment.programmes.months import month_bounds, month_key
from deployment.programmes.vouchers import (
    voucher_charge_licence_month,
    voucher_charge_metered_month,
)
from onestop.models import Company, Partner
from onestop.services.notifications import (
    Kind,
    notify,
    notify_company,
    partner_members,
    site_language,
)

logger = logging.getLogger(__name__)


def month_charge(*, month):
    """The month's licence fees and metered requests, each charged once. Returns the charges
    made by this run."""
    start, end = month_bounds(month)
    made = []
    licences = ModelLicence.objects.filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=start), started_at__lt=end
    ).select_related("voucher", "family")
    # Newest first: the month's fee and requests go to the licence in force at its end.
    for licence in licences.order_by("-started_at", "-pk"):
        try:
            made.append(voucher_charge_licence_month(licence=licence, month=month))
            endpoints = Endpoint.objects.filter(
                company=licence.company_id, version__family=licence.family
            )
            for endpoint in endpoints.order_by("pk"):
                made.append(
                    voucher_charge_metered_month(licence=licence, endpoint=endpoint, month=month)
                )
        except Exception:  # one licence's fault must not stop every other company's charges
            logger.exception("charging licence %s for %s failed", licence.pk, month)
    return [charge for charge in made if charge is not None]


def month_close(*, month):
    """Charge the month, then tell everyone with something on a statement."""
    charges = month_charge(month=month)
    with site_language():
        notices = statement_notices(month)
    return charges, notices


def statement_notices(month):
    start, end = month_bounds(month)
    key, label = month_key(month), f"{month:%Y-%m}"
    charged = VoucherCharge.objects.of_month(month)
    granted = Grant.objects.filter(starts_at__lt=end, ends_at__gt=start)
    companies = Company.objects.filter(
        Q(pk__in=charged.values("voucher__company")) | Q(pk__in=granted.values("company"))
    )
    sent = []
    for company in companies.order_by("pk"):
        sent += notify_company(
            company,
            _("Your statement for %(month)s") % {"month": label},
            _(
                "Units used, voucher spending, subsidy and your co-payment for %(month)s: on "
                "the page, or as CSV and PDF."
            )
            % {"month": label},
            kind=Kind.STATEMENT_READY,
            url=reverse("statement", args=[month]),
            key=f"statement:{key}:company:{company.pk}",
        )
    partners = Partner.objects.filter(
        Q(pk__in=charged.values("supplier")) | Q(pk__in=granted.values("pool__provider"))
    )
    for partner in partners.order_by("pk"):
        sent += notify(
            partner_members(partner),
            kind=Kind.STATEMENT_READY,
            subject=_("Your statement for %(month)s") % {"month": label},
            body=_(
                "What you are owed for %(month)s, from vouchers and companies, and the "
                "unit-hours companies used on your pools: on the page, or as CSV and PDF."
            )
            % {"month": label},
            url=reverse("partner_statement", args=[month]),
            partner=partner,
            key=f"statement:{key}:partner:{partner.pk}",
        )
    return sent
