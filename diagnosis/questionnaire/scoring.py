"""Scoring: answers → 0..1 per question → 0..100 per dimension → overall → level.

The rules (docs/scoring.md states them for people):

1. Each answered, visible, scored question gets a score in 0..1 (see ``question_score``).
2. "Not applicable", unanswered and hidden questions leave both numerator and denominator.
3. A dimension's score is 100 × Σ(weight × score) / Σ(weight) over its counted questions;
   with none counted it has no score.
4. The overall score is the weighted mean of the dimension scores that exist.
5. The level is the last of the questionnaire's levels whose ``min_score`` the overall reaches.

With several respondents, each question's score is the median of the respondents' scores
(``consensus``), and the dimensions are computed from those medians.

Everything here is pure: plain values in, plain values out.
"""

import math
import statistics
from dataclasses import dataclass, field

from diagnosis.questionnaire.spec import ADOPTION_STEPS, PRIORITY_STEPS, YNP_CHOICES


class _NotApplicable:
    def __repr__(self):
        return "NA"


NA = _NotApplicable()
YNP_SCORES = {"yes": 1.0, "partial": 0.5, "no": 0.0}
# Respondents "disagree" when their answers are two levels apart: two steps of a 0–5 scale,
# or yes against no (partial is one level from either).
DISAGREEMENT = 2 / (ADOPTION_STEPS - 1)
DISAGREEMENT_BY_KIND = {"ynp": 1.0}


def disagreement_threshold(question):
    return DISAGREEMENT_BY_KIND.get(question.kind, DISAGREEMENT)


def question_score(question, value):
    """0..1 for a scored question's answer; None when it does not count."""
    if value is None or value is NA or not question.is_scored:
        return None
    kind = question.kind
    if kind == "ordinal":
        return int(value) / 5
    if kind == "multi":
        ticked = set(value)
        positive = sum(o.value for o in question.options if o.value > 0)
        raw = sum(o.value for o in question.options if o.code in ticked)
        return min(1.0, max(0.0, raw / positive))
    if kind == "adoption":
        steps = [int(value[row.code]) for row in question.rows if row.code in value]
        return statistics.fmean(steps) / (ADOPTION_STEPS - 1) if steps else None
    if kind == "ynp":
        return YNP_SCORES[value]
    if kind == "number":
        score = 0.0
        for threshold, band_score in question.bands:
            if float(value) >= threshold:
                score = band_score
        return score
    return None


def is_visible(question, answers):
    """Whether ``question`` is asked, given the same respondent's answers so far."""
    rule = question.visible_if
    if rule is None:
        return True
    value = answers.get(rule.question)
    if value is None or value is NA:
        return False
    if rule.any_of:
        if isinstance(value, list):
            return any(v in rule.any_of for v in value)
        return value in rule.any_of
    if isinstance(value, dict):  # adoption: the highest row
        value = max(value.values(), default=0)
    return float(value) >= rule.minimum


def visible_questions(spec, answers):
    """The questions this respondent is asked, in order. A rule refers only to earlier
    questions, so one pass decides them all."""
    shown = []
    for question in spec.questions.values():
        if is_visible(question, answers):
            shown.append(question)
    return shown


def respondent_scores(spec, answers):
    """{question code: score} for one respondent's counted answers."""
    scores = {}
    for question in visible_questions(spec, answers):
        score = question_score(question, answers.get(question.code))
        if score is not None:
            scores[question.code] = score
    return scores


@dataclass
class QuestionConsensus:
    code: str
    score: float | None  # median of the respondents' scores
    scores: list  # each respondent's score, in respondent order (None: not counted)
    disagree: bool
    # Everyone who was asked said "not applicable" (as opposed to: hidden or unanswered).
    not_applicable: bool = False


@dataclass
class Result:
    dimensions: dict  # code → 0..100 or None
    overall: float | None
    level: int | None
    questions: dict = field(default_factory=dict)  # code → QuestionConsensus
    kpi_importance: dict = field(default_factory=dict)  # KPI code → 0..1


def consensus(spec, answer_sets):
    """Per question: the median of the respondents' scores and a disagreement flag."""
    per_respondent = [respondent_scores(spec, answers) for answers in answer_sets]
    result = {}
    for code, question in spec.questions.items():
        if not question.is_scored:
            continue
        scores = [scores.get(code) for scores in per_respondent]
        counted = [s for s in scores if s is not None]
        threshold = disagreement_threshold(question)
        result[code] = QuestionConsensus(
            code=code,
            score=statistics.median(counted) if counted else None,
            scores=scores,
            disagree=len(counted) >= 2 and max(counted) - min(counted) >= threshold - 1e-9,
            not_applicable=not counted and any(a.get(code) is NA for a in answer_sets),
        )
    return result


def kpi_importance(spec, answer_sets):
    """{KPI: 0..1}: the median importance the respondents gave each KPI."""
    ratings = {}
    for question in spec.questions.values():
        if question.kind != "priority":
            continue
        for answers in answer_sets:
            value = answers.get(question.code)
            if isinstance(value, dict) and is_visible(question, answers):
                for kpi, rating in value.items():
                    ratings.setdefault(kpi, []).append(int(rating) / (PRIORITY_STEPS - 1))
    return {kpi: statistics.median(values) for kpi, values in ratings.items()}


def score(spec, answer_sets):
    """The full result for one or more respondents' answers."""
    questions = consensus(spec, answer_sets)
    dimensions = {}
    for dimension in spec.dimensions:
        weighted = total = 0.0
        for question in dimension.questions:
            counted = questions.get(question.code)
            if counted is None or counted.score is None:
                continue
            weighted += question.weight * counted.score
            total += question.weight
        dimensions[dimension.code] = round(100 * weighted / total, 2) if total else None
    scored = [
        (d.weight, dimensions[d.code]) for d in spec.dimensions if dimensions[d.code] is not None
    ]
    overall = None
    if scored:
        overall = round(sum(w * s for w, s in scored) / sum(w for w, _ in scored), 2)
    return Result(
        dimensions=dimensions,
        overall=overall,
        level=spec.level_for(overall).level if overall is not None else None,
        questions=questions,
        kpi_importance=kpi_importance(spec, answer_sets),
    )


def validate_answer(question, value):
    """Return the value in its stored form, or raise ValueError with a message for people."""
    kind = question.kind
    if kind == "ordinal":
        level = int(value)
        if not 0 <= level <= 5:
            raise ValueError("level out of range")
        return level
    if kind == "multi":
        codes = [value] if isinstance(value, str) else list(value)
        unknown = set(codes) - {o.code for o in question.options}
        if unknown:
            raise ValueError(f"unknown options {sorted(unknown)}")
        return sorted(set(codes), key=[o.code for o in question.options].index)
    if kind in {"adoption", "priority"}:
        steps = ADOPTION_STEPS if kind == "adoption" else PRIORITY_STEPS
        rows = [r.code for r in question.rows] if kind == "adoption" else list(question.rows)
        cleaned = {row: int(value[row]) for row in rows if value.get(row) not in (None, "")}
        if any(not 0 <= v < steps for v in cleaned.values()):
            raise ValueError("step out of range")
        # An adoption scale is scored over all its rows, so each needs an answer.
        if kind == "adoption" and len(cleaned) != len(rows):
            raise ValueError("answer every row")
        return cleaned
    if kind == "ynp":
        if value not in YNP_CHOICES:
            raise ValueError("choose yes, partial or no")
        return value
    if kind == "number":
        number = float(value)
        if (
            not math.isfinite(number)
            or number < question.minimum
            or (question.maximum is not None and number > question.maximum)
        ):
            raise ValueError("out of range")
        return number
    text = str(value).strip()
    if len(text) > question.max_length:
        raise ValueError("too long")
    return text
