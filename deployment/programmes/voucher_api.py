"""Vouchers in the partner API: a vendor prices its models; a supplier sends a company a quote
and follows it; every partner reads its monthly statement (what it is owed, and the unit-hours
used on its pools)."""

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import NotFound
from rest_framework.exceptions import ValidationError as ApiValidationError
from rest_framework.response import Response

from deployment.api import ModelVendor
from deployment.models import BudgetLine, ModelFamily, ModelPrice, SupplierQuote
from deployment.programmes.months import month_of
from deployment.programmes.statements import partner_statement
from deployment.programmes.vouchers import NO_COMPANY_FOR_QUOTE, model_price_set, quote_offer
from onestop.api.base import ApiView
from onestop.api.pagination import paginated_response
from onestop.api.permissions import ManagesPartnerOnWrite
from onestop.api.views import IDEMPOTENCY_PARAMETER, actor_of
from onestop.models import Company

MAX_WON = 10**15


class PriceInput(serializers.Serializer):
    won_per_1000_requests = serializers.IntegerField(min_value=0, max_value=MAX_WON)
    won_per_month = serializers.IntegerField(min_value=0, max_value=MAX_WON)


class PriceOutput(serializers.Serializer):
    model = serializers.IntegerField(source="family_id")
    won_per_1000_requests = serializers.IntegerField()
    won_per_month = serializers.IntegerField()
    updated_at = serializers.DateTimeField()


class ModelPriceApi(ApiView):
    """A vendor's price for one of its models; new licences start at it, running ones keep
    the price they started with."""

    permission_classes = [ModelVendor]

    def family(self, request, pk):
        return get_object_or_404(
            ModelFamily.objects.filter(vendor=request.partner, visibility="public"), pk=pk
        )

    @extend_schema(responses=PriceOutput, summary="A model's price")
    def get(self, request, pk):
        price = ModelPrice.objects.filter(family=self.family(request, pk)).first()
        if price is None:
            raise NotFound(_("This model has no price yet."))
        return Response(PriceOutput(price).data)

    @extend_schema(request=PriceInput, responses=PriceOutput, summary="Set a model's price")
    def put(self, request, pk):
        family = self.family(request, pk)
        data = PriceInput(data=request.data)
        data.is_valid(raise_exception=True)
        actor, via_key = actor_of(request)
        price = model_price_set(family=family, actor=actor, api_key=via_key, **data.validated_data)
        return Response(PriceOutput(price).data)


class QuoteInput(serializers.Serializer):
    company_registration_number = serializers.RegexField(
        r"^[0-9]{10}$", help_text="The company's business registration number, 10 digits."
    )
    kind = serializers.ChoiceField(choices=BudgetLine.Kind.choices)
    description = serializers.CharField(max_length=2000)
    amount_won = serializers.IntegerField(min_value=1, max_value=MAX_WON)
    valid_until = serializers.DateField()

    def validate_valid_until(self, value):
        if value < timezone.localdate():
            raise serializers.ValidationError(_("The quote's last day has passed."))
        return value


class QuoteOutput(serializers.Serializer):
    id = serializers.IntegerField()
    company = serializers.CharField(source="company.name")
    kind = serializers.CharField()
    description = serializers.CharField()
    amount_won = serializers.IntegerField()
    valid_until = serializers.DateField()
    state = serializers.CharField()
    created_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField()


class QuoteListApi(ApiView):
    """The partner's quotes (its members read, its owners and keys send)."""

    permission_classes = [ManagesPartnerOnWrite]

    @extend_schema(responses=QuoteOutput(many=True), summary="The partner's quotes")
    def get(self, request):
        quotes = SupplierQuote.objects.filter(supplier=request.partner).select_related("company")
        return paginated_response(self, request, quotes, QuoteOutput)

    @extend_schema(
        request=QuoteInput,
        responses={201: QuoteOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Send a company a quote; its owners pay it with a voucher or decline it",
    )
    def post(self, request):
        data = QuoteInput(data=request.data)
        data.is_valid(raise_exception=True)
        fields = dict(data.validated_data)
        company = Company.objects.filter(
            registration_number=fields.pop("company_registration_number")
        ).first()
        actor, via_key = actor_of(request)
        try:
            if company is None:
                raise DjangoValidationError(NO_COMPANY_FOR_QUOTE, code="company")
            quote = quote_offer(
                supplier=request.partner, company=company, actor=actor, api_key=via_key, **fields
            )
        except DjangoValidationError as exc:
            if exc.code != "company":
                raise
            # Said of the number the partner sent, where its form shows the field.
            raise ApiValidationError({"company_registration_number": exc.messages}) from None
        return Response(QuoteOutput(quote).data, status=status.HTTP_201_CREATED)


class QuoteDetailApi(ApiView):
    permission_classes = [ManagesPartnerOnWrite]

    @extend_schema(responses=QuoteOutput, summary="One of the partner's quotes")
    def get(self, request, pk):
        quotes = SupplierQuote.objects.filter(supplier=request.partner).select_related("company")
        return Response(QuoteOutput(get_object_or_404(quotes, pk=pk)).data)


class MoneyOutput(serializers.Serializer):
    cost_won = serializers.IntegerField(source="cost")
    subsidy_won = serializers.IntegerField(source="subsidy")
    co_payment_won = serializers.IntegerField(source="co_payment")
    uncovered_won = serializers.IntegerField(source="uncovered")


class ChargeOutput(serializers.Serializer):
    id = serializers.IntegerField(source="charge.pk")
    at = serializers.DateTimeField(source="charge.at")
    company = serializers.CharField(source="charge.voucher.company.name")
    what = serializers.CharField(source="charge.what")
    item = serializers.CharField(source="charge.item")
    requests = serializers.IntegerField(source="charge.requests")
    money = MoneyOutput()


class UnitOutput(serializers.Serializer):
    company = serializers.CharField(source="company.name")
    pool = serializers.IntegerField(source="pool.pk")
    unit_hours = serializers.DecimalField(max_digits=14, decimal_places=2)
    value_won = serializers.IntegerField()


class StatementOutput(serializers.Serializer):
    month = serializers.DateField()
    charges = ChargeOutput(many=True)
    owed = MoneyOutput(source="total")
    units = UnitOutput(many=True)
    unit_hours = serializers.DecimalField(
        source="unit_hours_total", max_digits=16, decimal_places=2
    )
    units_value_won = serializers.IntegerField(source="units_value_total")


class StatementApi(ApiView):
    """The partner's statement for a month: each charge paid to it (the voucher's part and the
    company's), and the unit-hours companies' work held on its pools; totals are the sums of
    the lines."""

    permission_classes = [ManagesPartnerOnWrite]

    @extend_schema(responses=StatementOutput, summary="The partner's monthly statement")
    def get(self, request, month):
        if month > month_of(timezone.now()):
            raise NotFound(_("No statement for a month still to come."))
        statement = partner_statement(request.partner, month)
        return Response(StatementOutput(statement).data)
