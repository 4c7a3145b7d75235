from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from onestop.api.base import ApiView
from onestop.api.pagination import paginated_response
from onestop.api.permissions import ActsForPartner, ManagesPartner, ManagesPartnerOnWrite
from onestop.api.serializers import (
    ApiKeyCreatedOutput,
    ApiKeyInput,
    ApiKeyOutput,
    MeOutput,
    PartnerInput,
    PartnerOutput,
)
from onestop.models import ApiKey, Membership, PartnerMembership
from onestop.roles import desk_role
from onestop.services.api_keys import api_key_create, api_key_revoke
from onestop.services.partners import partner_update

IDEMPOTENCY_PARAMETER = OpenApiParameter(
    "Idempotency-Key",
    str,
    OpenApiParameter.HEADER,
    required=False,
    description="Send the same key to retry safely: the first response is replayed.",
)


def actor_of(request):
    """(person, key) for the audit log."""
    if isinstance(request.auth, ApiKey):
        return None, request.auth
    return request.user, None


class MeApi(ApiView):
    @extend_schema(responses=MeOutput, summary="Who is calling")
    def get(self, request):
        if isinstance(request.auth, ApiKey):
            data = {"kind": "api_key", "partner": request.auth.partner, "api_key": request.auth}
        else:
            user = request.user
            data = {
                "kind": "user",
                "user": user,
                "partner": getattr(PartnerMembership.objects.first_for(user), "partner", None),
                "companies": Membership.objects.filter(user=user).select_related("company"),
                "staff_role": desk_role(user),
            }
        return Response(MeOutput(data).data)


class PartnerApi(ApiView):
    permission_classes = [ManagesPartnerOnWrite]

    @extend_schema(responses=PartnerOutput, summary="The calling partner's organisation")
    def get(self, request):
        return Response(PartnerOutput(request.partner).data)

    @extend_schema(
        request=PartnerInput,
        responses=PartnerOutput,
        summary="Update the partner's contact details",
    )
    def patch(self, request):
        data = PartnerInput(data=request.data)
        data.is_valid(raise_exception=True)
        actor, via_key = actor_of(request)
        partner = partner_update(
            partner=request.partner, actor=actor, via_key=via_key, **data.validated_data
        )
        return Response(PartnerOutput(partner).data)


class PartnerKeyListApi(ApiView):
    permission_classes = [ActsForPartner]
    # The full key is in the first response only, never in a stored replay.
    idempotency_secret_fields = ("key",)

    def get_permissions(self):
        return [ManagesPartner()] if self.request.method == "POST" else super().get_permissions()

    @extend_schema(responses=ApiKeyOutput(many=True), summary="List the partner's API keys")
    def get(self, request):
        keys = request.partner.api_keys.order_by("-created_at", "-id")
        return paginated_response(self, request, keys, ApiKeyOutput)

    @extend_schema(
        request=ApiKeyInput,
        responses={201: ApiKeyCreatedOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Create an API key (the full key is in this response only)",
    )
    def post(self, request):
        data = ApiKeyInput(data=request.data)
        data.is_valid(raise_exception=True)
        actor, via_key = actor_of(request)
        key, raw = api_key_create(
            partner=request.partner,
            name=data.validated_data["name"],
            actor=actor,
            via_key=via_key,
        )
        key.key = raw
        return Response(ApiKeyCreatedOutput(key).data, status=status.HTTP_201_CREATED)


class PartnerKeyRevokeApi(ApiView):
    permission_classes = [ManagesPartner]

    @extend_schema(
        request=None,
        responses=ApiKeyOutput,
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Revoke an API key at once",
    )
    def post(self, request, public_id):
        key = get_object_or_404(request.partner.api_keys, public_id=public_id)
        actor, via_key = actor_of(request)
        key = api_key_revoke(key=key, actor=actor, via_key=via_key)
        return Response(ApiKeyOutput(key).data)
