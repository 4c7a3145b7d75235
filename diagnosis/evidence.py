"""What an application for quota carries as evidence: the latest diagnosis and the chosen
match, as they were when the company applied (registered in DiagnosisConfig.ready())."""

from diagnosis.models import Assessment, MatchChoice, Screening


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
            "flavor": choice.pool.flavor,
            "score": choice.score,
            "monthly_cost_krw": choice.monthly_cost_krw,
        }
    return evidence


# Hours in a quarter: one unit busy all day for a quarter of a year.
HOURS_PER_QUARTER = 2190


def plan_suggestion(company, programme):
    """What to ask for, from the chosen match's expected traffic: the units ranking sized for
    the company's predictions per day, busy all day, every quarter of the programme's term.
    None without a chosen match (or when the match is no longer offered)."""
    from diagnosis.matching.rank import match_for

    choice = MatchChoice.objects.filter(company=company).select_related("pool").first()
    if choice is None:
        return None
    match = match_for(company, version_id=choice.version_id, pool_id=choice.pool_id)
    if match is None:
        return None
    quarters = programme.term_years * 4
    per_quarter = match.units * HOURS_PER_QUARTER
    needs = getattr(company, "matching_needs", None)
    return {
        "flavor": choice.pool.flavor,
        "units": match.units,
        "per_quarter": per_quarter,
        "quarters": quarters,
        "plan": ", ".join([str(per_quarter)] * quarters),
        "requests_per_day": needs.requests_per_day if needs else None,
    }
