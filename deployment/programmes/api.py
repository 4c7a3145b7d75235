"""The programmes in the partner API: the programmes themselves, public to partners and the
desk, and the grants they made with their use in the last 30 days."""

from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.permissions import BasePermission, IsAuthenticated

from deployment.models import Grant
from deployment.programmes.usage import used_unit_hours_by_grant
from onestop.api.base import ApiView
from onestop.api.pagination import paginated_response
from onestop.api.permissions import ActsForPartner
from onestop.models import Partner, Programme
from onestop.roles import companies_seen_by, is_desk_member

USAGE_WINDOW = timedelta(days=30)


class ProgrammeOutput(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    year = serializers.IntegerField()
    term_years = serializers.IntegerField()
    extension_years = serializers.IntegerField()
    cap_units_per_company = serializers.IntegerField()
    staged_release_share = serializers.DecimalField(max_digits=3, decimal_places=2)
    report_months = serializers.ListField(child=serializers.IntegerField())
    reduction_scale = serializers.ListField(child=serializers.DictField())
    open_for_applications = serializers.BooleanField()
    flavors = serializers.SerializerMethodField()

    def get_flavors(self, programme) -> list[dict]:
        return [
            {"flavor": f.flavor, "budget_unit_hours": f.budget_unit_hours}
            for f in programme.flavors.all()
        ]


class ProgrammeListApi(ApiView):
    """Programmes are public information for partners and the desk."""

    @extend_schema(responses=ProgrammeOutput(many=True), summary="Support programmes")
    def get(self, request):
        return paginated_response(
            self, request, Programme.objects.prefetch_related("flavors"), ProgrammeOutput
        )


class GrantPageOutput(serializers.ListSerializer):
    """A page of grants: their use is read for the whole page at once (one query, not one per
    grant) and handed to each row."""

    def to_representation(self, data):
        grants = list(data)
        now = timezone.now()
        used = used_unit_hours_by_grant(grants, now - USAGE_WINDOW, now)
        for grant in grants:
            grant.used_unit_hours_30d = round(used[grant.pk], 2)
        return super().to_representation(grants)


class GrantOutput(serializers.Serializer):
    id = serializers.IntegerField()
    company = serializers.CharField(source="company.name")
    pool = serializers.IntegerField(source="pool_id")
    flavor = serializers.CharField(source="pool.flavor")
    guarantee_units = serializers.IntegerField()
    lend_limit = serializers.IntegerField(allow_null=True)
    borrow_limit = serializers.IntegerField(allow_null=True)
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()
    unit_hours_budget = serializers.IntegerField()
    used_unit_hours_30d = serializers.FloatField(read_only=True)

    class Meta:
        list_serializer_class = GrantPageOutput


class ReadsGrants(BasePermission):
    """Desk members, signed in, and compute providers (their members and keys)."""

    message = _("Grants are shown to the desk and to the providers whose pools they use.")

    def has_permission(self, request, view):
        if is_desk_member(request.user):
            return True
        return (
            ActsForPartner().has_permission(request, view)
            and request.partner.kind == Partner.Kind.COMPUTE_PROVIDER
        )


class GrantListApi(ApiView):
    """Grants and their use: compute providers see the grants on their own pools; the desk
    (signed in) sees those of the companies it may see."""

    permission_classes = [IsAuthenticated, ReadsGrants]

    def get_queryset(self):
        grants = Grant.objects.select_related("company", "pool").order_by("-starts_at", "pk")
        user = self.request.user
        if is_desk_member(user):
            return grants.filter(company__in=companies_seen_by(user))
        return grants.filter(pool__provider=self.request.partner)

    @extend_schema(
        responses=GrantOutput(many=True), summary="Grants and their use in the last 30 days"
    )
    def get(self, request):
        return paginated_response(self, request, self.get_queryset(), GrantOutput)
