"""The partner API for the catalog and compute: vendors publish models and read their
validation; compute providers register pools and send heartbeats."""

import hashlib

from django.conf import settings
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import status
from rest_framework.exceptions import ValidationError
from rest_framework.parsers import MultiPartParser
from rest_framework.response import Response

from deployment.models import ComputePool, ModelFamily, ModelVersion
from deployment.serializers import (
    HeartbeatInput,
    ModelFamilyInput,
    ModelFamilyOutput,
    ModelVersionInput,
    ModelVersionOutput,
    PoolInput,
    PoolOutput,
)
from deployment.services import catalog, pools
from onestop.api.base import ApiView
from onestop.api.errors import error_response
from onestop.api.pagination import paginated_response
from onestop.api.permissions import ActsForPartner
from onestop.api.views import IDEMPOTENCY_PARAMETER, actor_of
from onestop.models import Partner
from onestop.services import idempotency
from onestop.uploads import SizeLimitedUploadHandler


class PartnerOfKind(ActsForPartner):
    """A partner of one kind; reading for its members and keys, changing for owners and keys."""

    kind = None
    message = gettext_lazy("This endpoint is for partners of another kind.")

    def has_permission(self, request, view):
        if not super().has_permission(request, view) or request.partner.kind != self.kind:
            return False
        return request.method in ("GET", "HEAD", "OPTIONS") or request.partner_role in (
            "owner",
            "key",
        )


class ModelVendor(PartnerOfKind):
    kind = Partner.Kind.MODEL_VENDOR
    message = gettext_lazy("Only model vendors publish models.")


class ComputeProvider(PartnerOfKind):
    kind = Partner.Kind.COMPUTE_PROVIDER
    message = gettext_lazy("Only compute providers register pools.")


class ModelListApi(ApiView):
    permission_classes = [ModelVendor]

    @extend_schema(responses=ModelFamilyOutput(many=True), summary="The vendor's models")
    def get(self, request):
        families = ModelFamily.objects.filter(vendor=request.partner).prefetch_related("versions")
        return paginated_response(self, request, families, ModelFamilyOutput)

    @extend_schema(
        request=ModelFamilyInput,
        responses={201: ModelFamilyOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Create a model (then upload versions)",
    )
    def post(self, request):
        data = ModelFamilyInput(data=request.data)
        data.is_valid(raise_exception=True)
        actor, via_key = actor_of(request)
        family = catalog.family_create(
            vendor=request.partner, user=actor, api_key=via_key, **data.validated_data
        )
        return Response(ModelFamilyOutput(family).data, status=status.HTTP_201_CREATED)


class ModelDetailApi(ApiView):
    permission_classes = [ModelVendor]

    @extend_schema(responses=ModelFamilyOutput, summary="One of the vendor's models, with versions")
    def get(self, request, pk):
        family = get_object_or_404(ModelFamily.objects.filter(vendor=request.partner), pk=pk)
        return Response(ModelFamilyOutput(family).data)


QUEUE_FULL = (
    "The partner already has ONESTOP_VALIDATIONS_QUEUED_PER_PARTNER versions waiting for "
    "validation; upload again once one is published or rejected."
)


class ModelVersionUploadApi(ApiView):
    """Multipart upload, streamed to disk with a size limit; validation runs in the background
    (poll the version until it is published or rejected)."""

    permission_classes = [ModelVendor]
    parser_classes = [MultiPartParser]

    def initial(self, request, *args, **kwargs):
        # Before anything reads the body (authentication's CSRF check may): the upload streams
        # to a temporary file and stops at the limit.
        self.upload_handler = SizeLimitedUploadHandler(
            request._request, settings.ONESTOP_MAX_MODEL_BYTES
        )
        request._request.upload_handlers = [self.upload_handler]
        super().initial(request, *args, **kwargs)

    def idempotency_body(self, request):
        fields = sorted((k, v) for k, v in request.data.items() if not hasattr(v, "read"))
        files = []
        for name, upload in sorted(request.FILES.items()):
            digest = hashlib.sha256()
            for chunk in upload.chunks():
                digest.update(chunk)
            upload.seek(0)
            files.append((name, digest.hexdigest()))
        return repr((fields, files)).encode()

    @extend_schema(
        request={"multipart/form-data": ModelVersionInput},
        responses={202: ModelVersionOutput, 429: OpenApiResponse(description=QUEUE_FULL)},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Upload an ONNX version; it is validated in a sandbox before it is published",
    )
    def post(self, request, pk):
        family = get_object_or_404(ModelFamily.objects.filter(vendor=request.partner), pk=pk)
        try:
            catalog.validations_queued_check(request.partner)
        except catalog.ValidationQueueFull as exc:
            return self.queue_full(exc)
        if self.upload_handler.too_large:
            raise ValidationError(
                {
                    "file": [
                        _("The model is larger than the %(limit)s MB limit.")
                        % {"limit": settings.ONESTOP_MAX_MODEL_BYTES // 1024**2}
                    ]
                }
            )
        data = ModelVersionInput(data=request.data)
        data.is_valid(raise_exception=True)
        actor, via_key = actor_of(request)
        try:
            version = catalog.version_create(
                family=family,
                version=data.validated_data["version"],
                chunks=data.validated_data["file"].chunks(),
                claimed_metrics=data.validated_data.get("claimed_metrics"),
                input_columns=data.validated_data.get("input_columns"),
                origin="partner-api",
                user=actor,
                api_key=via_key,
            )
        except catalog.ValidationQueueFull as exc:  # filled by an upload running alongside
            return self.queue_full(exc)
        version.refresh_from_db()
        return Response(ModelVersionOutput(version).data, status=status.HTTP_202_ACCEPTED)

    def queue_full(self, exc):
        # "Later", not "never": the Idempotency-Key is released so a retry with the same key
        # is processed anew rather than replaying this answer.
        if self._idempotency_record is not None:
            idempotency.idempotency_abandon(record=self._idempotency_record)
            self._idempotency_record = None
        return error_response(
            "validation_queue_full", exc.messages[0], status.HTTP_429_TOO_MANY_REQUESTS
        )


class ModelVersionDetailApi(ApiView):
    permission_classes = [ModelVendor]

    @extend_schema(responses=ModelVersionOutput, summary="A version and its validation result")
    def get(self, request, pk, version_pk):
        version = get_object_or_404(
            ModelVersion.objects.filter(family__vendor=request.partner, family_id=pk), pk=version_pk
        )
        return Response(ModelVersionOutput(version).data)


class PoolListApi(ApiView):
    permission_classes = [ComputeProvider]

    @extend_schema(responses=PoolOutput(many=True), summary="The provider's compute pools")
    def get(self, request):
        return paginated_response(
            self, request, ComputePool.objects.filter(provider=request.partner), PoolOutput
        )

    @extend_schema(
        request=PoolInput,
        responses={201: PoolOutput},
        parameters=[IDEMPOTENCY_PARAMETER],
        summary="Register a compute pool",
    )
    def post(self, request):
        data = PoolInput(data=request.data)
        data.is_valid(raise_exception=True)
        actor, via_key = actor_of(request)
        pool = pools.pool_create(
            provider=request.partner, user=actor, api_key=via_key, **data.validated_data
        )
        return Response(PoolOutput(pool).data, status=status.HTTP_201_CREATED)


class PoolDetailApi(ApiView):
    permission_classes = [ComputeProvider]

    def pool(self, request, pk):
        return get_object_or_404(ComputePool.objects.filter(provider=request.partner), pk=pk)

    @extend_schema(responses=PoolOutput, summary="One compute pool")
    def get(self, request, pk):
        return Response(PoolOutput(self.pool(request, pk)).data)

    @extend_schema(
        request=PoolInput, responses=PoolOutput, summary="Change a pool's capacity or price"
    )
    def patch(self, request, pk):
        pool = self.pool(request, pk)
        data = PoolInput(pool, data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        actor, via_key = actor_of(request)
        pool = pools.pool_update(pool=pool, user=actor, api_key=via_key, fields=data.validated_data)
        return Response(PoolOutput(pool).data)


class PoolHeartbeatApi(ApiView):
    permission_classes = [ComputeProvider]

    @extend_schema(
        request=HeartbeatInput,
        responses=PoolOutput,
        summary="Report that a pool is up (send every minute; silent for 5 minutes = unavailable)",
    )
    def post(self, request, pk):
        data = HeartbeatInput(data=request.data)
        data.is_valid(raise_exception=True)
        pool = get_object_or_404(ComputePool.objects.filter(provider=request.partner), pk=pk)
        pool = pools.pool_reported_heartbeat(pool=pool, report=data.validated_data)
        return Response(PoolOutput(pool).data)
