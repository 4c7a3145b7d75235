"""Everything the report shows, gathered once for the page, the PDF and the API."""

from dataclasses import dataclass

from django.utils.translation import gettext as _

from diagnosis.models import Assessment, CohortScore
from diagnosis.questionnaire import radar as radar_module
from diagnosis.questionnaire.labels import COHORT_KEY_LABELS
from diagnosis.questionnaire.peers import peer_benchmark
from diagnosis.questionnaire.roadmap import gaps, use_case_fits
from diagnosis.questionnaire.scoring import QuestionConsensus, Result


@dataclass
class DimensionRow:
    dimension: object  # spec Dimension
    score: float | None
    target: float
    median: float | None
    percentile: float | None
    n: int | None
    change: float | None  # since the previous stage


@dataclass
class Report:
    assessment: object
    spec: object
    result: object  # scoring.Result
    level: object  # spec Level
    rows: list
    overall_standing: object
    benchmark: object
    cohort_label: str
    gaps: list
    use_cases: list
    previous: object  # the earlier stage's Assessment, or None
    overall_change: float | None
    disagreements: list
    comments: list
    radar: object
    data_evidence: object = None  # DataEvidence, when the company has profiled its data


# Points between the self-reported data dimension and the data-readiness score beyond which
# the report calls out the difference (self-reports run one or two levels high).
DATA_GAP_POINTS = 15
DATA_DIMENSION = "data"


@dataclass
class DataEvidence:
    check: object  # the latest profiled DataCheck
    self_score: float | None
    data_score: int
    gap: float | None  # self-report minus data

    @property
    def verdict(self):
        if self.gap is None:
            return "unknown"
        if self.gap > DATA_GAP_POINTS:
            return "over"
        if self.gap < -DATA_GAP_POINTS:
            return "under"
        return "agree"


def data_evidence(company, result):
    from diagnosis.services.datachecks import latest_ready_check

    check = latest_ready_check(company)
    if check is None or check.readiness_score is None:
        return None
    self_score = result.dimensions.get(DATA_DIMENSION)
    gap = None if self_score is None else round(self_score - check.readiness_score, 1)
    return DataEvidence(
        check=check, self_score=self_score, data_score=check.readiness_score, gap=gap
    )


def result_from_snapshot(snapshot):
    """The stored snapshot as a scoring.Result, for the roadmap functions."""
    return Result(
        dimensions=snapshot.dimensions,
        overall=snapshot.overall,
        level=snapshot.level,
        questions={
            code: QuestionConsensus(
                code=code,
                score=q["score"],
                scores=q["scores"],
                disagree=q["disagree"],
                not_applicable=q.get("na", False),
            )
            for code, q in snapshot.questions.items()
        },
        kpi_importance=snapshot.kpi_importance,
    )


def previous_stage(assessment):
    return (
        Assessment.objects.submitted()
        .filter(
            company_id=assessment.company_id,
            stage__lt=assessment.stage,
            questionnaire__code=assessment.questionnaire.code,
        )
        .select_related("result")
        .order_by("-stage")
        .first()
    )


def build_report(assessment):
    """Report data for a submitted assessment (with ``result`` and ``questionnaire`` loaded)."""
    from diagnosis.services.assessments import answer_sets

    spec = assessment.questionnaire.spec
    snapshot = assessment.result
    result = result_from_snapshot(snapshot)
    previous = previous_stage(assessment)
    before = previous.result.dimensions if previous else {}
    benchmark = peer_benchmark(
        company=assessment.company,
        questionnaire_code=spec.code,
        scores={**result.dimensions, CohortScore.OVERALL: result.overall},
    )
    rows = []
    for dimension in spec.dimensions:
        score = result.dimensions.get(dimension.code)
        standing = benchmark.standings.get(dimension.code)
        change = None
        if score is not None and before.get(dimension.code) is not None:
            change = round(score - before[dimension.code], 1)
        rows.append(
            DimensionRow(
                dimension=dimension,
                score=score,
                target=dimension.target,
                median=standing.median if standing else None,
                percentile=standing.percentile if standing else None,
                n=standing.n if standing else None,
                change=change,
            )
        )
    series = [
        radar_module.Series("company", _("Your company"), [r.score for r in rows]),
        radar_module.Series("target", _("Target"), [r.target for r in rows]),
    ]
    if benchmark.shown:
        series.append(radar_module.Series("cohort", _("Peer median"), [r.median for r in rows]))
    overall_change = None
    if previous and previous.result.overall is not None:
        overall_change = round(result.overall - previous.result.overall, 1)
    return Report(
        assessment=assessment,
        spec=spec,
        result=result,
        level=spec.level_for(result.overall),
        rows=rows,
        overall_standing=benchmark.standings.get(CohortScore.OVERALL),
        benchmark=benchmark,
        cohort_label=cohort_label(benchmark, assessment.company),
        gaps=gaps(spec, result),
        use_cases=use_case_fits(spec, result, answer_sets(assessment)),
        previous=previous,
        overall_change=overall_change,
        disagreements=[spec.questions[c] for c, q in result.questions.items() if q.disagree],
        comments=list(assessment.comments.select_related("author")),
        radar=radar_module.radar([str(r.dimension.name) for r in rows], series),
        data_evidence=data_evidence(assessment.company, result),
    )


def cohort_label(benchmark, company):
    """Who the company is compared with, in words, including a fallback notice."""
    if not benchmark.shown:
        return _(
            "Fewer than 5 comparable companies have submitted an assessment yet, so no peer "
            "comparison is shown."
        )
    values = {
        "ksic_section": _("KSIC section %(s)s") % {"s": company.ksic_section},
        "employee_band": company.get_employee_band_display(),
        "region": company.get_region_display(),
    }
    if benchmark.keys:
        described = ", ".join(f"{COHORT_KEY_LABELS[k]}: {values[k]}" for k in benchmark.keys)
    else:
        described = _("all companies")
    text = _("Compared with %(n)s companies (%(cohort)s).") % {
        "n": benchmark.n,
        "cohort": described,
    }
    if benchmark.fell_back:
        text += " " + _(
            "Fewer than 5 companies share your industry, size and region "
            "(%(n)s do), so a broader group is used."
        ) % {"n": benchmark.narrowest_n}
    return text
