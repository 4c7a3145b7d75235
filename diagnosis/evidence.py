"""What an application for quota carries as evidence: the latest diagnosis and the chosen
match, as they were when the company applied (registered in DiagnosisConfig.ready())."""

from diagnosis.models import Assessment, MatchChoice


def application_evidence(company):
    evidence = {}
    assessment = (
        Assessment.objects.for_company(company)
        .submitted()
        .select_related("result")
        .order_by("-stage")
        .first()
    )
    if assessment is not None:
        evidence["diagnosis"] = {
            "stage": assessment.stage,
            "overall": round(assessment.result.overall, 1),
            "level": assessment.result.level,
        }
    choice = (
        MatchChoice.objects.filter(company=company)
        .select_related("version__family", "pool")
        .first()
    )
    if choice is not None:
        evidence["match"] = {
            "model": str(choice.version),
            "pool": choice.pool.name,
            "flavor": choice.pool.flavor,
            "score": choice.score,
            "monthly_cost_krw": choice.monthly_cost_krw,
        }
    return evidence
