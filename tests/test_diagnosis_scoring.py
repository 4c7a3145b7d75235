"""Golden vectors: scores worked out by hand from the rules in docs/scoring.md."""

import pytest

from diagnosis.questionnaire import scoring
from diagnosis.questionnaire.roadmap import gaps
from diagnosis.questionnaire.scoring import NA
from diagnosis.questionnaire.spec import parse


def t(text):
    return {"ko": f"{text} (ko)", "en": text}


def ordinal_levels():
    return [{"text": t(f"level {n}")} for n in range(6)]


RAW = {
    "code": "golden",
    "version": 1,
    "title": t("Golden"),
    "description": t("Hand-worked"),
    "kpis": [
        {"code": "quality", "name": t("Quality")},
        {"code": "downtime", "name": t("Downtime")},
    ],
    "levels": [
        {"level": n + 1, "min_score": m, "name": t(f"L{n + 1}"), "narrative": t("...")}
        for n, m in enumerate([0, 20, 40, 60, 80])
    ],
    "dimensions": [
        {
            "code": "ops",
            "name": t("Operations"),
            "dma_dimension": "digital_readiness",
            "weight": 1,
            "target": 60,
            "kpi_relevance": {"quality": 1.0},
            "actions": [
                {"below": 50, "text": t("Basics")},
                {"below": 101, "text": t("Polish")},
            ],
            "questions": [
                {
                    "code": "q1",
                    "kind": "ordinal",
                    "text": t("Q1"),
                    "weight": 2,
                    "levels": ordinal_levels(),
                },
                {
                    "code": "q2",
                    "kind": "multi",
                    "text": t("Q2"),
                    "options": [
                        {"code": "a", "text": t("A"), "value": 1},
                        {"code": "b", "text": t("B"), "value": 1},
                        {"code": "c", "text": t("Paper only"), "value": -1},
                    ],
                },
                {"code": "q3", "kind": "ynp", "text": t("Q3")},
            ],
        },
        {
            "code": "data",
            "name": t("Data"),
            "dma_dimension": "data_management",
            "weight": 3,
            "target": 50,
            "kpi_relevance": {"downtime": 1.0},
            "actions": [{"below": 101, "text": t("Collect")}],
            "questions": [
                {"code": "q4", "kind": "ynp", "text": t("Collects data?")},
                {
                    "code": "q5",
                    "kind": "number",
                    "text": t("Years"),
                    "min": 0,
                    "max": 30,
                    "bands": [[0, 0], [1, 0.5], [3, 1]],
                    "visible_if": {"question": "q4", "in": ["yes", "partial"]},
                },
                {
                    "code": "q6",
                    "kind": "adoption",
                    "text": t("Q6"),
                    "weight": 2,
                    "rows": [{"code": "r1", "text": t("R1")}, {"code": "r2", "text": t("R2")}],
                },
                {"code": "q7", "kind": "text", "text": t("Notes"), "weight": 0},
                {
                    "code": "q8",
                    "kind": "priority",
                    "text": t("KPIs"),
                    "weight": 0,
                    "rows": ["quality", "downtime"],
                },
            ],
        },
    ],
    "use_cases": [
        {
            "code": "predictive_maintenance",
            "name": t("PdM"),
            "description": t("..."),
            "feasibility": [{"question": "q4", "weight": 1}],
            "impact_kpis": {"downtime": 1.0},
            "next_step": "data_check",
        }
    ],
}

SPEC = parse(RAW)

BASE = {
    "q1": 3,
    "q2": ["a", "c"],
    "q3": "partial",
    "q4": "yes",
    "q5": 2,
    "q6": {"r1": 5, "r2": 2},
    "q7": "=cmd",
    "q8": {"quality": 3, "downtime": 1},
}


def test_one_respondent():
    # ops: q1 3/5 = 0.6 (w2); q2 (1 − 1)/2 = 0; q3 partial 0.5 → 100·(1.2 + 0 + 0.5)/4 = 42.5
    # data: q4 1; q5 2 years → band 1 → 0.5; q6 mean(5/5, 2/5) = 0.7 (w2) → 100·2.9/4 = 72.5
    # overall: (1·42.5 + 3·72.5)/4 = 65.0 → level 4 (60 ≤ 65 < 80)
    result = scoring.score(SPEC, [BASE])
    assert result.dimensions == {"ops": 42.5, "data": 72.5}
    assert result.overall == 65.0
    assert result.level == 4


def test_a_negative_option_lowers_the_dimension_score():
    without = scoring.score(SPEC, [{**BASE, "q2": ["a"]}])
    with_negative = scoring.score(SPEC, [{**BASE, "q2": ["a", "c"]}])
    # q2 = 1/2 = 0.5 without "paper only": 100·(1.2 + 0.5 + 0.5)/4 = 55.0
    assert without.dimensions["ops"] == 55.0
    assert with_negative.dimensions["ops"] == 42.5
    assert with_negative.dimensions["ops"] < without.dimensions["ops"]


def test_negative_options_never_push_a_question_below_zero():
    assert scoring.question_score(SPEC.questions["q2"], ["c"]) == 0.0


def test_not_applicable_leaves_the_denominator():
    # q3 N/A: 100·(1.2 + 0)/(2 + 1) = 40.0, not 100·1.2/4 = 30
    result = scoring.score(SPEC, [{**BASE, "q3": NA}])
    assert result.dimensions["ops"] == 40.0


def test_a_skipped_question_does_not_count_even_if_answered_before():
    # q4 "no" hides q5; its stale answer 2 must not count: 100·(0 + 1.4)/(1 + 2) = 46.67
    result = scoring.score(SPEC, [{**BASE, "q4": "no", "q5": 2}])
    assert result.dimensions["data"] == 46.67
    assert [q.code for q in scoring.visible_questions(SPEC, {"q4": "no"})] == [
        "q1",
        "q2",
        "q3",
        "q4",
        "q6",
        "q7",
        "q8",
    ]


def test_question_weights_change_the_dimension():
    # q1 weighs 2: at level 5 and everything else 0 → 100·(2·1 + 0 + 0)/4 = 50.0; weighed 1 it
    # would be 100·1/3 = 33.33.
    result = scoring.score(SPEC, [{"q1": 5, "q2": ["c"], "q3": "no"}])
    assert result.dimensions["ops"] == 50.0


@pytest.mark.parametrize(
    ("code", "first", "second", "flagged"),
    [
        ("q1", 1, 3, True),
        ("q1", 1, 2, False),
        ("q3", "yes", "partial", False),
        ("q3", "yes", "no", True),
        ("q3", "partial", "no", False),
    ],
)
def test_disagreement_means_two_levels_apart(code, first, second, flagged):
    consensus = scoring.consensus(SPEC, [{code: first}, {code: second}])
    assert consensus[code].disagree is flagged


def test_several_respondents_take_the_median_per_question():
    r1 = {
        "q1": 1,
        "q2": ["a"],
        "q3": "yes",
        "q4": "no",
        "q6": {"r1": 1, "r2": 1},
        "q8": {"quality": 3, "downtime": 0},
    }
    r2 = {
        "q1": 4,
        "q2": ["a", "b"],
        "q3": "no",
        "q4": "yes",
        "q5": 3,
        "q6": {"r1": 3, "r2": 3},
        "q8": {"quality": 2, "downtime": 1},
    }
    r3 = {"q1": 5, "q2": ["c"], "q3": "partial", "q4": "yes", "q5": 0.5, "q6": {"r1": 5, "r2": 5}}
    result = scoring.score(SPEC, [r1, r2, r3])
    # q1 median(.2, .8, 1) = .8; q2 median(.5, 1, 0) = .5; q3 median(1, 0, .5) = .5
    # ops = 100·(1.6 + .5 + .5)/4 = 65.0
    # q4 median(0, 1, 1) = 1; q5: r1 skipped, median(1.0, 0) = .5; q6 median(.2, .6, 1) = .6
    # data = 100·(1 + .5 + 1.2)/4 = 67.5; overall (65 + 3·67.5)/4 = 66.875
    assert result.dimensions == {"ops": 65.0, "data": 67.5}
    assert result.overall == 66.88
    assert result.questions["q5"].scores == [None, 1.0, 0.0]
    # Two steps apart or more is a disagreement: q1 (1 vs 5) yes, q4 (0 vs 1) yes; q6 scores
    # .2/.6/1.0 too. KPI importance: quality median(3/3, 2/3), downtime median(0, 1/3).
    assert result.questions["q1"].disagree
    assert not scoring.consensus(SPEC, [BASE, BASE])["q1"].disagree
    assert result.kpi_importance == pytest.approx({"quality": 5 / 6, "downtime": 1 / 6})


def test_a_dimension_without_answers_has_no_score_and_leaves_the_overall():
    result = scoring.score(SPEC, [{"q1": 5, "q2": ["a", "b"], "q3": "yes"}])
    assert result.dimensions == {"ops": 100.0, "data": None}
    assert result.overall == 100.0
    assert result.level == 5


@pytest.mark.parametrize(("overall", "level"), [(0, 1), (19.99, 1), (20, 2), (59.9, 3), (80, 5)])
def test_levels_start_at_their_min_score(overall, level):
    assert SPEC.level_for(overall).level == level


def test_gaps_are_ordered_by_kpi_weighted_priority():
    # ops 42.5 (target 60) → gap 17.5 × weight 1 × (1 + quality 1.0·1.0) = 35.0
    # data 72.5 ≥ 50: no gap
    result = scoring.score(SPEC, [BASE])
    [gap] = gaps(SPEC, result)
    assert gap.dimension.code == "ops"
    assert gap.gap == 17.5
    assert gap.priority == 35.0
    assert gap.action.en == "Basics"
    assert gap.kpis == ["quality"]


@pytest.mark.parametrize(
    ("code", "value"),
    [
        ("q1", 6),
        ("q2", ["z"]),
        ("q3", "maybe"),
        ("q5", 31),
        ("q5", -1),
        ("q5", "nan"),
        ("q5", "inf"),
        ("q5", "1e999"),
        ("q6", {"r1": 9}),
        ("q6", {"r1": 5}),
    ],
)
def test_invalid_answers_are_refused(code, value):
    with pytest.raises(ValueError):  # noqa: PT011 - each kind words its own message
        scoring.validate_answer(SPEC.questions[code], value)


def test_use_case_feasibility_counts_hidden_inputs_as_zero_and_skips_not_applicable():
    from diagnosis.questionnaire.roadmap import use_case_fits

    spec = parse(
        {
            **RAW,
            "use_cases": [
                {
                    "code": "predictive_maintenance",
                    "name": t("PdM"),
                    "description": t("..."),
                    "feasibility": [
                        {"question": "q4", "weight": 1},
                        {"question": "q5", "weight": 3},
                    ],
                    "impact_kpis": {"downtime": 1.0, "quality": 1.0},
                    "next_step": "data_check",
                }
            ],
        }
    )
    # Data collected (q4 yes → 1) with 3+ years (q5 → 1): feasibility 100.
    # Impact: (1·downtime 1/3 + 1·quality 3/3) / 2 = 66.7 with q8 {quality 3, downtime 1}.
    [fit] = use_case_fits(spec, scoring.score(spec, [{**BASE, "q5": 4}]))
    assert (fit.feasibility, fit.impact) == (100.0, 66.7)
    # Not collected: q4 "no" → 0 and q5 hidden → counts 0: (0 + 3·0)/4 = 0, not 100.
    [fit] = use_case_fits(spec, scoring.score(spec, [{**BASE, "q4": "no"}]))
    assert fit.feasibility == 0.0
    # q5 "not applicable" leaves the denominator: q4 partial 0.5 → 0.5/1 = 50.
    [fit] = use_case_fits(spec, scoring.score(spec, [{**BASE, "q4": "partial", "q5": NA}]))
    assert fit.feasibility == 50.0
