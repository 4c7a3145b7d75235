"""Answers as CSV, written through the formula-safe writer (see onestop/csvsafe.py)."""

import io

from django.utils.translation import gettext as _

from diagnosis.questionnaire.labels import (
    ADOPTION_LABELS,
    NOT_APPLICABLE,
    PRIORITY_LABELS,
    YNP_LABELS,
)
from diagnosis.questionnaire.scoring import NA
from diagnosis.services.assessments import answer_sets
from onestop.csvsafe import csv_writer


def answers_csv(assessment):
    spec = assessment.questionnaire.spec
    respondents = list(assessment.respondents.select_related("user"))
    sets = answer_sets(assessment, respondents)
    out = io.StringIO()
    out.write("\ufeff")  # Korean text opens correctly in Excel
    writer = csv_writer(out)
    writer.writerow(
        [_("respondent"), _("dimension"), _("question code"), _("question"), _("answer")]
    )
    for respondent, answers in zip(respondents, sets, strict=True):
        for code, question in spec.questions.items():
            if code not in answers:
                continue
            value = answers[code]
            shown = NOT_APPLICABLE if value is NA else answer_in_words(spec, question, value)
            writer.writerow(
                (
                    respondent.user.email,
                    spec.dimension(question.dimension).name,
                    code,
                    question.text,
                    shown,
                )
            )
    return out.getvalue()


def answer_in_words(spec, question, value):
    """An answer as the person saw it: labels and option texts in the current language."""
    kind = question.kind
    if kind == "ordinal":
        return f"{value} · {question.levels[int(value)]}"
    if kind == "ynp":
        return str(YNP_LABELS[value])
    if kind == "multi":
        return ", ".join(str(question.option(code).text) for code in value)
    if kind == "adoption":
        return "; ".join(
            f"{row.text}: {ADOPTION_LABELS[value[row.code]]}"
            for row in question.rows
            if row.code in value
        )
    if kind == "priority":
        return "; ".join(f"{spec.kpis[k]}: {PRIORITY_LABELS[v]}" for k, v in value.items())
    if kind == "number" and question.unit is not None:
        return f"{value:g} {question.unit}"
    return value
