"""The quick start: save one person's screening answers and score them."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from diagnosis.models import Questionnaire, Screening
from diagnosis.questionnaire import scoring
from diagnosis.questionnaire.screening import screening_questions
from diagnosis.services.assessments import NA_STORED, QUESTIONNAIRE_CODE, questions_snapshot
from onestop.services.audit import audit_record

# Fewer answers than this place nobody on a level.
MINIMUM_ANSWERED = 6


def screening_questionnaire():
    questionnaire = Questionnaire.objects.latest_of(QUESTIONNAIRE_CODE)
    if questionnaire is None:
        raise ValidationError(
            _("No questionnaire is published yet. Ask an administrator to run load_questionnaires.")
        )
    return questionnaire


@transaction.atomic
def screening_save(*, company, user, questionnaire, answers, not_applicable=()):
    """Score and keep the screening (replacing an earlier one). ``answers`` are validated with
    ``scoring.validate_answer`` already; questions a rule hides are dropped."""
    spec = questionnaire.spec
    asked = {q.code for q in screening_questions(spec)}
    given = {c: v for c, v in answers.items() if c in asked and v is not None}
    given.update({c: scoring.NA for c in not_applicable if c in asked})
    given = {c: v for c, v in given.items() if scoring.is_visible(spec.questions[c], given)}
    if sum(1 for v in given.values() if v is not scoring.NA) < MINIMUM_ANSWERED:
        raise ValidationError(
            _("Answer at least %(n)s of the questions: fewer place your factory on no level.")
            % {"n": MINIMUM_ANSWERED}
        )
    result = scoring.score(spec, [given])
    screening, _created = Screening.objects.update_or_create(
        company=company,
        defaults={
            "questionnaire": questionnaire,
            "answers": {c: NA_STORED if v is scoring.NA else v for c, v in given.items()},
            "overall": result.overall,
            "level": result.level,
            "dimensions": result.dimensions,
            "questions": questions_snapshot(result),
            "kpi_importance": result.kpi_importance,
            "answered_by": user,
        },
    )
    audit_record(
        action="screening.save",
        target=screening,
        actor=user,
        after={"overall": result.overall, "level": result.level},
        company=company,
    )
    return screening


def screening_answers(screening):
    """The stored answers in the form the question rows read (NA as ``scoring.NA``)."""
    if screening is None:
        return {}
    return {c: scoring.NA if v == NA_STORED else v for c, v in screening.answers.items()}
