"""Read-only partner API for diagnoses: consultants (their companies), partners a company shared
with, and the company's own members read submitted assessments, scores and roadmaps."""

from django.db.models import Q
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.generics import get_object_or_404
from rest_framework.response import Response

from diagnosis.models import Assessment
from diagnosis.questionnaire.report import build_report
from onestop.api.base import ApiView
from onestop.api.pagination import paginated_response
from onestop.models import ApiKey, Company
from onestop.roles import companies_seen_by


def readable_assessments(request):
    """Submitted assessments the caller may read; everything else is a 404."""
    queryset = Assessment.objects.submitted().select_related("company", "questionnaire", "result")
    if isinstance(request.auth, ApiKey):
        return queryset.filter(company__diagnosis_shares__partner=request.auth.partner)
    user = request.user
    allowed = Q(company__memberships__user=user) | Q(
        company__diagnosis_shares__partner__memberships__user=user
    )
    if user.is_staff:
        allowed |= Q(company__in=companies_seen_by(user))
    return queryset.filter(pk__in=queryset.filter(allowed).values("pk"))


def text(value):
    return {"ko": value.ko, "en": value.en} if value is not None else None


class TextOutput(serializers.Serializer):
    ko = serializers.CharField()
    en = serializers.CharField()


class AssessmentSummaryOutput(serializers.Serializer):
    id = serializers.IntegerField()
    company = serializers.DictField()
    stage = serializers.CharField()
    submitted_at = serializers.DateTimeField()
    questionnaire = serializers.DictField()
    overall = serializers.FloatField()
    level = serializers.IntegerField()


class DimensionOutput(serializers.Serializer):
    code = serializers.CharField()
    name = TextOutput()
    dma_dimension = serializers.CharField()
    score = serializers.FloatField(allow_null=True)
    target = serializers.FloatField()
    peer_median = serializers.FloatField(allow_null=True)
    percentile = serializers.FloatField(allow_null=True)
    peer_n = serializers.IntegerField(allow_null=True)
    change = serializers.FloatField(allow_null=True)


class GapOutput(serializers.Serializer):
    dimension = serializers.CharField()
    score = serializers.FloatField()
    target = serializers.FloatField()
    gap = serializers.FloatField()
    priority = serializers.FloatField()
    action = TextOutput(allow_null=True)
    kpis = serializers.ListField(child=serializers.CharField())


class UseCaseOutput(serializers.Serializer):
    code = serializers.CharField()
    name = TextOutput()
    feasibility = serializers.FloatField()
    impact = serializers.FloatField()
    priority = serializers.FloatField()
    next_step = serializers.CharField()
    evidence = serializers.ListField(child=serializers.DictField())


class CohortOutput(serializers.Serializer):
    shown = serializers.BooleanField()
    keys = serializers.ListField(child=serializers.CharField(), allow_null=True)
    n = serializers.IntegerField()
    fell_back = serializers.BooleanField()


class AssessmentDetailOutput(AssessmentSummaryOutput):
    level_name = TextOutput()
    dimensions = DimensionOutput(many=True)
    roadmap = GapOutput(many=True)
    use_cases = UseCaseOutput(many=True)
    cohort = CohortOutput()


def summary(assessment):
    return {
        "id": assessment.pk,
        "company": {"id": assessment.company_id, "name": assessment.company.name},
        "stage": assessment.stage,
        "submitted_at": assessment.submitted_at,
        "questionnaire": {
            "code": assessment.questionnaire.code,
            "version": assessment.questionnaire.version,
        },
        "overall": assessment.result.overall,
        "level": assessment.result.level,
    }


def detail(report):
    benchmark = report.benchmark
    return {
        **summary(report.assessment),
        "level_name": text(report.level.name),
        "dimensions": [
            {
                "code": row.dimension.code,
                "name": text(row.dimension.name),
                "dma_dimension": row.dimension.dma_dimension,
                "score": row.score,
                "target": row.target,
                "peer_median": row.median,
                "percentile": row.percentile,
                "peer_n": row.n,
                "change": row.change,
            }
            for row in report.rows
        ],
        "roadmap": [
            {
                "dimension": gap.dimension.code,
                "score": gap.score,
                "target": gap.target,
                "gap": gap.gap,
                "priority": gap.priority,
                "action": text(gap.action),
                "kpis": gap.kpis,
            }
            for gap in report.gaps
        ],
        "use_cases": [
            {
                "code": fit.use_case.code,
                "name": text(fit.use_case.name),
                "feasibility": fit.feasibility,
                "impact": fit.impact,
                "priority": fit.priority,
                "next_step": fit.use_case.next_step,
                "evidence": [{"question": e.question.code, "score": e.score} for e in fit.evidence],
            }
            for fit in report.use_cases
        ],
        "cohort": {
            "shown": benchmark.shown,
            "keys": list(benchmark.keys or []) or None,
            "n": benchmark.n,
            "fell_back": benchmark.fell_back,
        },
    }


class AssessmentListApi(ApiView):
    @extend_schema(
        responses=AssessmentSummaryOutput(many=True), summary="Submitted diagnoses you may read"
    )
    def get(self, request):
        assessments = readable_assessments(request).order_by("-submitted_at", "-id")
        return paginated_response(self, request, assessments, summary)


class AssessmentDetailApi(ApiView):
    @extend_schema(
        responses=AssessmentDetailOutput,
        summary="One diagnosis: scores, peer standing, roadmap and use cases",
    )
    def get(self, request, pk):
        assessment = get_object_or_404(readable_assessments(request), pk=pk)
        return Response(AssessmentDetailOutput(detail(build_report(assessment))).data)


def readable_companies(request):
    """Companies whose matches the caller may read: members, the partners the company shared
    its diagnosis with, and the desk members who see the company."""
    if isinstance(request.auth, ApiKey):
        return Company.objects.filter(diagnosis_shares__partner=request.auth.partner)
    user = request.user
    allowed = Q(memberships__user=user) | Q(diagnosis_shares__partner__memberships__user=user)
    if user.is_staff:
        allowed |= Q(pk__in=companies_seen_by(user).values("pk"))
    return Company.objects.filter(pk__in=Company.objects.filter(allowed).values("pk"))


class MatchOutput(serializers.Serializer):
    model = serializers.DictField()
    pool = serializers.DictField()
    score = serializers.FloatField()
    parts = serializers.DictField(child=serializers.IntegerField())
    reasons = serializers.DictField(child=serializers.CharField())
    latency_ms = serializers.FloatField()
    units = serializers.IntegerField()
    monthly_cost_krw = serializers.IntegerField()


class CompanyMatchesOutput(serializers.Serializer):
    company = serializers.IntegerField()
    results = MatchOutput(many=True)


def sees_private_names(request, company):
    """The names of a company's own models come from its file names and targets ("라인3 불량
    이력.xlsx · 불량"): its members read them, and the desk members who may see the company
    (they do in the admin); partners it shared its diagnosis with read a neutral name."""
    if isinstance(request.auth, ApiKey) or not request.user.is_authenticated:
        return False
    user = request.user
    if company.memberships.filter(user=user).exists():
        return True
    return user.is_staff and companies_seen_by(user).filter(pk=company.pk).exists()


def model_name(version, private_names):
    if version.family.company_id is None or private_names:
        return version.family.name
    return _("The company's own model (%(version)s)") % {"version": version.version}


def match_data(match, private_names=False):
    version, pool = match.version, match.pool
    return {
        "model": {
            "version_id": version.pk,
            "name": model_name(version, private_names),
            "version": version.version,
            "task": version.family.task,
            "vendor": version.family.vendor.name if version.family.vendor else None,
            "own_model": version.family.company_id is not None,
        },
        "pool": {
            "id": pool.pk,
            "name": pool.name,
            "flavor": pool.flavor,
            "provider": pool.provider.name,
            "region": pool.region,
            "emulated": pool.emulated,
        },
        "score": match.total,
        "parts": match.parts,
        "reasons": match.reasons,
        "latency_ms": round(match.latency_ms, 4),
        "units": match.units,
        "monthly_cost_krw": match.monthly_cost,
    }


class CompanyMatchesApi(ApiView):
    @extend_schema(
        responses=CompanyMatchesOutput,
        summary="Ranked (model, pool) matches for a company, with reasons and monthly cost",
    )
    def get(self, request, pk):
        from diagnosis.matching.rank import rank

        company = get_object_or_404(readable_companies(request), pk=pk)
        private_names = sees_private_names(request, company)
        return Response(
            {
                "company": company.pk,
                "results": [match_data(m, private_names) for m in rank(company)],
            }
        )
