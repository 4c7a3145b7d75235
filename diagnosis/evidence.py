"""What an application for quota carries as evidence: the latest diagnosis and the chosen
match, as they were when the company applied (registered in DiagnosisConfig.ready())."""

import math

from diagnosis.models import Assessment, MatchChoice, Screening
from onestop.models.programme import HOURS_PER_QUARTER


def application_evidence(company):
    evidence = {}
    assessment = Assessment.objects.latest_submitted(company)
    if assessment is not None:
        evidence["diagnosis"] = {
            "stage": assessment.stage,
            "overall": round(assessment.result.overall, 1),
            "level": assessment.result.level,
        }
    else:
        screening = Screening.objects.filter(company=company).first()
        if screening is not None:
            evidence["screening"] = {
                "overall": round(screening.overall or 0, 1),
                "level": screening.level,
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
            "pool_id": choice.pool_id,
            "flavor": choice.pool.flavor,
            "score": choice.score,
            "monthly_cost_krw": choice.monthly_cost_krw,
        }
    return evidence


def plan_suggestion(company, programme):
    """What to ask for, from the chosen match's expected traffic: the units ranking sized for
    the company's predictions per day, busy all day, every quarter of the programme's term.
    None without a chosen match (or when the match is no longer offered)."""
    from diagnosis.matching.rank import match_for

    choice = MatchChoice.objects.filter(company=company).select_related("pool").first()
    if choice is None:
        return None
    if not programme.flavors.filter(flavor=choice.pool.flavor).exists():
        return None  # this programme does not fund the match's accelerator
    match = match_for(company, version_id=choice.version_id, pool_id=choice.pool_id)
    if match is None:
        return None
    units = min(match.units, programme.cap_units_per_company)
    quarters = programme.term_years * 4
    per_quarter = units * HOURS_PER_QUARTER
    # Only the released share is guaranteed until the first report is accepted, and the first
    # quarter starts with the deployment: plan that share for it, so the review does not cut.
    first = math.ceil(units * float(programme.staged_release_share)) * HOURS_PER_QUARTER
    needs = getattr(company, "matching_needs", None)
    return {
        "flavor": choice.pool.flavor,
        "units": units,
        "per_quarter": per_quarter,
        "first_quarter": first,
        "quarters": quarters,
        "plan": ", ".join([str(first)] + [str(per_quarter)] * (quarters - 1)),
        "requests_per_day": needs.requests_per_day if needs else None,
    }


def report_kpi(application, month):
    """The KPI the firm rated most important in its latest diagnosis (or quick start), for a
    progress report: {"kpi": {"code", "name"}}, or {} when it rated none."""
    company = application.company
    assessment = Assessment.objects.latest_submitted(company)
    scored = assessment.result if assessment else Screening.objects.filter(company=company).first()
    if scored is None or not scored.kpi_importance:
        return {}
    spec = (assessment or scored).questionnaire.spec
    code = max(sorted(scored.kpi_importance), key=lambda k: scored.kpi_importance[k])
    return {"kpi": {"code": code, "name": str(spec.kpis.get(code, code))}}
