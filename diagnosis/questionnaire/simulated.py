"""Plausible answer sets for demo data and benchmarks: a respondent of a given maturity
(0..1) answers every question they are asked, with some scatter. Deterministic per seed."""

import random

from diagnosis.questionnaire import scoring
from diagnosis.questionnaire.spec import ADOPTION_STEPS, PRIORITY_STEPS


def simulated_answers(spec, *, maturity, seed):
    rng = random.Random(seed)

    def level(steps):
        return max(0, min(steps - 1, round(rng.gauss(maturity * (steps - 1), 1.0))))

    answers = {}
    for question in spec.questions.values():
        if not scoring.is_visible(question, answers):
            continue
        if rng.random() < 0.03:
            answers[question.code] = scoring.NA
            continue
        kind = question.kind
        if kind == "ordinal":
            answers[question.code] = level(6)
        elif kind == "multi":
            answers[question.code] = [
                o.code
                for o in question.options
                if rng.random() < (maturity if o.value > 0 else 1 - maturity) * 0.8
            ]
        elif kind == "adoption":
            answers[question.code] = {r.code: level(ADOPTION_STEPS) for r in question.rows}
        elif kind == "priority":
            answers[question.code] = {k: rng.randrange(PRIORITY_STEPS) for k in question.rows}
        elif kind == "ynp":
            answers[question.code] = ("no", "partial", "yes")[level(3)]
        elif kind == "number":
            top = question.maximum if question.maximum is not None else 10
            answers[question.code] = round(
                question.minimum + (top - question.minimum) * maturity * rng.random(), 1
            )
        else:
            answers[question.code] = ""
    return answers
