from rest_framework import serializers

from onestop.models import ApiKey, Company, Partner


class PartnerOutput(serializers.ModelSerializer):
    class Meta:
        model = Partner
        fields = ["id", "name", "kind", "website", "contact_email", "created_at"]


class PartnerInput(serializers.Serializer):
    website = serializers.URLField(required=False, allow_blank=True, max_length=200)
    contact_email = serializers.EmailField(required=False, max_length=254)


class ApiKeyOutput(serializers.ModelSerializer):
    prefix = serializers.CharField(source="display_prefix")
    active = serializers.BooleanField(source="is_active")

    class Meta:
        model = ApiKey
        fields = [
            "public_id",
            "name",
            "prefix",
            "active",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]


class ApiKeyCreatedOutput(ApiKeyOutput):
    key = serializers.CharField(help_text="The full key. Shown in this response only.")

    class Meta(ApiKeyOutput.Meta):
        fields = [*ApiKeyOutput.Meta.fields, "key"]


class ApiKeyInput(serializers.Serializer):
    name = serializers.CharField(max_length=100)


class CompanyBrief(serializers.ModelSerializer):
    class Meta:
        model = Company
        fields = ["id", "name", "region", "ksic_division"]


class MembershipBrief(serializers.Serializer):
    company = CompanyBrief()
    role = serializers.CharField()


class UserBrief(serializers.Serializer):
    id = serializers.IntegerField()
    email = serializers.EmailField()
    full_name = serializers.CharField()


class MeOutput(serializers.Serializer):
    kind = serializers.ChoiceField(choices=["api_key", "user"])
    user = UserBrief(required=False)
    partner = PartnerOutput(required=False, allow_null=True)
    api_key = ApiKeyOutput(required=False)
    companies = MembershipBrief(many=True, required=False)
    staff_role = serializers.CharField(required=False, allow_null=True)
