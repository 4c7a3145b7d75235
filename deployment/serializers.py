import json

from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from deployment.models import ComputePool, ModelFamily, ModelVersion, Task
from deployment.usecases import UseCase
from onestop.korea import Region

COLUMN_TYPES = ("number", "category", "boolean")


class ModelVersionOutput(serializers.ModelSerializer):
    class Meta:
        model = ModelVersion
        fields = [
            "id",
            "version",
            "state",
            "reason",
            "sha256",
            "size",
            "ir_version",
            "opsets",
            "signature",
            "input_columns",
            "claimed_metrics",
            "flavors",
            "flavor_notes",
            "latency_ms",
            "created_at",
            "validated_at",
        ]


class ModelFamilyOutput(serializers.ModelSerializer):
    versions = ModelVersionOutput(many=True, read_only=True)

    class Meta:
        model = ModelFamily
        fields = [
            "id",
            "name",
            "task",
            "use_cases",
            "industries",
            "description_ko",
            "description_en",
            "licence",
            "domestic",
            "visibility",
            "created_at",
            "versions",
        ]


class ModelFamilyInput(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    task = serializers.ChoiceField(choices=Task.choices)
    use_cases = serializers.ListField(
        child=serializers.ChoiceField(choices=UseCase.values), required=False, max_length=10
    )
    industries = serializers.ListField(
        child=serializers.RegexField(r"^[A-U](\d{2})?$", max_length=3),
        required=False,
        max_length=30,
        help_text="KSIC sections (C) or divisions (C29); empty for any industry.",
    )
    description_ko = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    description_en = serializers.CharField(required=False, allow_blank=True, max_length=5000)
    licence = serializers.CharField(required=False, allow_blank=True, max_length=100)
    domestic = serializers.BooleanField(required=False, default=False)


@extend_schema_field(OpenApiTypes.STR)
class JsonField(serializers.Field):
    """A JSON value sent as a multipart form field."""

    def to_internal_value(self, data):
        if isinstance(data, dict | list):
            return data
        try:
            return json.loads(data)
        except (TypeError, ValueError):
            raise serializers.ValidationError(_("Send valid JSON.")) from None

    def to_representation(self, value):
        return value


class InputColumn(serializers.Serializer):
    name = serializers.CharField(max_length=200)
    type = serializers.ChoiceField(choices=COLUMN_TYPES)
    unit = serializers.CharField(max_length=30, required=False, allow_blank=True)
    value = serializers.CharField(max_length=200, required=False, help_text="for one-hot inputs")


class ModelVersionInput(serializers.Serializer):
    file = serializers.FileField(help_text="A self-contained .onnx file.")
    version = serializers.RegexField(r"^[\w.+-]{1,50}$")
    claimed_metrics = JsonField(required=False, help_text='e.g. {"roc_auc": 0.93}')
    input_columns = JsonField(
        required=False, help_text='e.g. [{"name": "torque", "type": "number", "unit": "Nm"}]'
    )

    def validate_claimed_metrics(self, value):
        if not isinstance(value, dict) or not all(
            isinstance(k, str) and isinstance(v, int | float) for k, v in value.items()
        ):
            raise serializers.ValidationError(_("Send an object of metric names and numbers."))
        return value

    def validate_input_columns(self, value):
        if not isinstance(value, list):
            raise serializers.ValidationError(_("Send a list of columns."))
        columns = InputColumn(data=value, many=True)
        columns.is_valid(raise_exception=True)
        return columns.validated_data


class PoolOutput(serializers.ModelSerializer):
    kind = serializers.CharField(read_only=True)
    domestic = serializers.BooleanField(read_only=True)
    available = serializers.BooleanField(source="is_available", read_only=True)
    emulated = serializers.BooleanField(read_only=True)
    # The token is never sent back: only whether one is set.
    cluster_token_set = serializers.SerializerMethodField()

    class Meta:
        model = ComputePool
        fields = [
            "id",
            "name",
            "flavor",
            "kind",
            "domestic",
            "purpose",
            "capacity_units",
            "h100_factor",
            "price_per_unit_hour",
            "region",
            "runtime",
            "available",
            "unavailable_reason",
            "emulated",
            "cluster_dashboard_url",
            "cluster_serve_url",
            "cluster_token_set",
            "last_heartbeat",
            "heartbeat",
            "created_at",
        ]

    def get_cluster_token_set(self, pool) -> bool:
        return bool(pool.cluster_token)


class PoolInput(serializers.ModelSerializer):
    region = serializers.ChoiceField(choices=[*Region.values, "overseas"])

    class Meta:
        model = ComputePool
        fields = [
            "name",
            "flavor",
            "purpose",
            "capacity_units",
            "h100_factor",
            "price_per_unit_hour",
            "region",
            "runtime",
            "cluster_dashboard_url",
            "cluster_serve_url",
            "cluster_token",
        ]
        extra_kwargs = {
            "cluster_token": {"write_only": True},
            "capacity_units": {"min_value": 1},
            "h100_factor": {"min_value": 0},
            "price_per_unit_hour": {"min_value": 0},
        }


class HeartbeatInput(serializers.Serializer):
    free_units = serializers.IntegerField(min_value=0)
    utilisation = serializers.FloatField(min_value=0, max_value=1)
    message = serializers.CharField(required=False, allow_blank=True, max_length=500)
