"""Vouchers in the desk's admin. Officers set a programme's budget lines and grant vouchers
(through ``voucher_issue``: within the line's budget, audited, the company told); balances,
licences, quotes and charges change only through the services, so the admin shows them."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Sum
from django.utils.translation import gettext_lazy as _

from deployment.admin import ReadOnly
from deployment.models import (
    BudgetLine,
    ModelLicence,
    ModelPrice,
    SupplierQuote,
    Voucher,
    VoucherCharge,
)
from deployment.programmes.vouchers import budget_left, voucher_issue
from onestop.admin import CompanyScopedAdmin, DeskAdmin


@admin.register(BudgetLine)
class BudgetLineAdmin(DeskAdmin):
    list_display = ["programme", "kind", "total_won", "co_payment_percent", "granted_won"]
    list_filter = ["kind", "programme"]
    list_select_related = ["programme"]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(granted=Sum("vouchers__granted_won"))

    @admin.display(description=_("granted in vouchers (KRW)"), ordering="granted")
    def granted_won(self, obj):
        return obj.granted or 0

    def has_delete_permission(self, request, obj=None):
        return False  # its vouchers keep their money's origin


class VoucherIssueForm(forms.ModelForm):
    class Meta:
        model = Voucher
        fields = ["budget_line", "company", "application", "granted_won"]

    def clean(self):
        cleaned = super().clean()
        application = cleaned.get("application")
        company, line = cleaned.get("company"), cleaned.get("budget_line")
        if (
            application
            and company
            and line
            and (
                application.company_id != company.pk
                or application.programme_id != line.programme_id
            )
        ):
            raise ValidationError(_("The application is not this company's, under this programme."))
        granted = cleaned.get("granted_won")
        if line and granted and granted > budget_left(line):
            raise ValidationError(
                _("The budget line has %(left)s won left to grant.")
                % {"left": f"{budget_left(line):,}"}
            )
        return cleaned


@admin.register(Voucher)
class VoucherAdmin(CompanyScopedAdmin):
    list_display = ["company", "budget_line", "granted_won", "balance_won", "issued_at"]
    list_filter = ["budget_line__kind", "budget_line__programme"]
    list_select_related = ["company", "budget_line__programme"]
    search_fields = ["company__name"]
    raw_id_fields = ["company", "application"]
    readonly_fields = ["balance_won", "issued_at", "issued_by"]

    def get_form(self, request, obj=None, **kwargs):
        if obj is None:
            kwargs["form"] = VoucherIssueForm
        return super().get_form(request, obj, **kwargs)

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["budget_line", "company", "application", "granted_won"]
        return ["budget_line", "company", "application", "granted_won", *self.readonly_fields]

    def get_readonly_fields(self, request, obj=None):
        if obj is None:
            return []
        return ["budget_line", "company", "application", "granted_won", *self.readonly_fields]

    def has_delete_permission(self, request, obj=None):
        return False

    def save_model(self, request, obj, form, change):
        if change:
            return
        # The form checked what the line has left; the service checks again under its lock.
        issued = voucher_issue(
            budget_line=form.cleaned_data["budget_line"],
            company=form.cleaned_data["company"],
            granted_won=form.cleaned_data["granted_won"],
            officer=request.user,
            application=form.cleaned_data.get("application"),
        )
        obj.pk = issued.pk


@admin.register(ModelPrice)
class ModelPriceAdmin(ReadOnly, DeskAdmin):
    list_display = ["family", "won_per_1000_requests", "won_per_month", "updated_at"]
    list_select_related = ["family__vendor"]
    search_fields = ["family__name", "family__vendor__name"]

    def partner_of(self, obj):
        return obj.family.vendor


@admin.register(ModelLicence)
class ModelLicenceAdmin(ReadOnly, CompanyScopedAdmin):
    list_display = ["company", "family", "won_per_month", "won_per_1000_requests", "started_at"]
    list_select_related = ["company", "family"]
    list_filter = ["ended_at"]


@admin.register(SupplierQuote)
class SupplierQuoteAdmin(ReadOnly, CompanyScopedAdmin):
    list_display = ["supplier", "company", "kind", "amount_won", "valid_until", "state"]
    list_select_related = ["supplier", "company"]
    list_filter = ["state", "kind"]
    search_fields = ["supplier__name", "company__name"]


@admin.register(VoucherCharge)
class VoucherChargeAdmin(ReadOnly, CompanyScopedAdmin):
    company_path = "voucher__company"
    list_display = [
        "at",
        "voucher",
        "supplier",
        "what",
        "month",
        "cost_won",
        "subsidy_won",
        "co_payment_won",
        "uncovered_won",
    ]
    list_select_related = ["voucher__company", "voucher__budget_line", "supplier"]
    list_filter = ["what", "month"]
