"""Assessments: start a stage, add respondents, save answers, submit and score."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diagnosis.models import (
    Answer,
    Assessment,
    AssessmentResult,
    CohortScore,
    Questionnaire,
    Respondent,
    ReviewComment,
)
from diagnosis.questionnaire import scoring
from diagnosis.services.cohorts import cohort_summaries_change
from onestop.models import Company, Membership
from onestop.services.audit import audit_record, audit_snapshot

QUESTIONNAIRE_CODE = "manufacturing-ai-readiness"
STAGES = [choice.value for choice in Assessment.Stage]


def next_stage(company):
    """The stage a new assessment of ``company`` takes, or None when all are used."""
    used = set(Assessment.objects.for_company(company).values_list("stage", flat=True))
    return next((stage for stage in STAGES if stage not in used), None)


@transaction.atomic
def assessment_start(*, company, user, respondent=None):
    """Start the company's next stage with the newest questionnaire; the starter answers too.

    1. Refuse while an earlier stage is still open: stages compare submitted results.
    2. Take the next unused stage (T0, then T1, then T2).
    3. Add the person who started it as its first respondent, or ``respondent`` (a member
       whose answers a consultant enters on a visit).
    """
    # Lock the company row: two owners starting at once must not both take the same stage.
    Company.objects.select_for_update().filter(pk=company.pk).first()
    if Assessment.objects.for_company(company).filter(status=Assessment.Status.OPEN).exists():
        raise ValidationError(
            _("Finish and submit the open assessment before starting the next stage.")
        )
    stage = next_stage(company)
    if stage is None:
        raise ValidationError(_("All three stages (T0, T1, T2) have been assessed."))
    questionnaire = Questionnaire.objects.latest_of(QUESTIONNAIRE_CODE)
    if questionnaire is None:
        raise ValidationError(
            _("No questionnaire is published yet. Ask an administrator to run load_questionnaires.")
        )
    assessment = Assessment.objects.create(
        company=company, questionnaire=questionnaire, stage=stage, created_by=user
    )
    starter = Respondent.objects.create(
        assessment=assessment, user=respondent or user, added_by=user
    )
    if stage == Assessment.Stage.T0:
        prefill_from_screening(starter)
    audit_record(
        action="assessment.start",
        target=assessment,
        actor=user,
        after=audit_snapshot(assessment),
        company=company,
    )
    return assessment


def prefill_from_screening(respondent):
    """The full diagnosis starts with the quick start's answers filled in (the starter reviews
    them instead of answering them again)."""
    from diagnosis.models import Screening

    screening = Screening.objects.filter(company=respondent.assessment.company).first()
    if screening is None:
        return
    known = respondent.assessment.questionnaire.spec.questions
    rows = []
    for code, value in screening.answers.items():
        if code not in known or value is None:
            continue
        if value != NA_STORED:
            try:  # a newer questionnaire may have changed the question: skip what no longer fits
                value = scoring.validate_answer(known[code], value)
            except (TypeError, ValueError, KeyError):
                continue
        na = value == NA_STORED
        rows.append(
            Answer(
                respondent=respondent, question=code, value=None if na else value, not_applicable=na
            )
        )
    Answer.objects.bulk_create(rows)


# How a "not applicable" answer is kept in a screening's JSON answers.
NA_STORED = "__not_applicable__"


def respondent_add(*, assessment, user, added_by):
    """Ask a teammate to answer. Safe to repeat."""
    if not assessment.is_open:
        raise ValidationError(_("This assessment is submitted; it takes no more respondents."))
    if not Membership.objects.filter(company=assessment.company, user=user).exists():
        raise ValidationError(_("Only members of the company can answer its assessment."))
    respondent, created = Respondent.objects.get_or_create(
        assessment=assessment, user=user, defaults={"added_by": added_by}
    )
    if created:
        audit_record(
            action="assessment.respondent_add",
            target=respondent,
            actor=added_by,
            after=audit_snapshot(respondent),
            company=assessment.company,
        )
    return respondent


def answers_of(respondent):
    """{question code: value or NA} for one respondent."""
    return _as_answers(Answer.objects.filter(respondent=respondent))


def _as_answers(rows):
    return {a.question: scoring.NA if a.not_applicable else a.value for a in rows}


def answer_sets(assessment, respondents=None):
    """Every respondent's answers, in respondent order, in one query."""
    respondents = respondents if respondents is not None else list(assessment.respondents.all())
    by_respondent = {r.pk: {} for r in respondents}
    for answer in Answer.objects.filter(respondent__assessment=assessment).only(
        "respondent_id", "question", "value", "not_applicable"
    ):
        if answer.respondent_id in by_respondent:
            by_respondent[answer.respondent_id][answer.question] = (
                scoring.NA if answer.not_applicable else answer.value
            )
    return [by_respondent[r.pk] for r in respondents]


@transaction.atomic
def answers_save(*, respondent, answers, not_applicable=()):
    """Store a page of answers. ``answers`` maps question codes to values already validated
    with ``scoring.validate_answer``; codes in ``not_applicable`` are stored as N/A. A question
    sent with neither is cleared."""
    # Lock the assessment and re-read its status, so no answer slips in while it is submitted.
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("questionnaire")
        .get(pk=respondent.assessment_id)
    )
    if not assessment.is_open:
        raise ValidationError(_("This assessment is submitted and can no longer be changed."))
    spec = assessment.questionnaire.spec
    codes = set(answers) | set(not_applicable)
    unknown = codes - set(spec.questions)
    if unknown:
        raise ValidationError(
            _("Unknown questions: %(codes)s") % {"codes": ", ".join(sorted(unknown))}
        )
    existing = {
        a.question: a for a in Answer.objects.filter(respondent=respondent, question__in=codes)
    }
    for code in codes:
        na = code in not_applicable
        value = None if na else answers.get(code)
        row = existing.get(code)
        if value is None and not na:
            if row is not None:
                row.delete()
            continue
        if row is None:
            Answer.objects.create(
                respondent=respondent, question=code, value=value, not_applicable=na
            )
        elif row.value != value or row.not_applicable != na:
            row.value, row.not_applicable = value, na
            row.save(update_fields=["value", "not_applicable", "updated_at"])


def respondent_progress(spec, answers):
    """(answered, asked) over the questions this respondent is asked."""
    asked = scoring.visible_questions(spec, answers)
    answered = sum(1 for q in asked if answers.get(q.code) is not None)
    return answered, len(asked)


def respondent_complete(*, respondent):
    if respondent.completed_at is None:
        respondent.completed_at = timezone.now()
        respondent.save(update_fields=["completed_at"])
    return respondent


def assessment_score(assessment):
    """Recompute the result from the stored answers and the questionnaire version."""
    respondents = list(assessment.respondents.all())
    return scoring.score(assessment.questionnaire.spec, answer_sets(assessment, respondents))


@transaction.atomic
def assessment_submit(*, assessment, user):
    """Close the assessment and keep its scores.

    1. Lock the assessment row, so two owners cannot submit it twice.
    2. Score the consensus of every respondent's answers.
    3. Store the snapshot and make it the company's entry in the peer benchmark.
    """
    # Only the assessment's row: locking the joined questionnaire too would make every
    # company's submission wait for every other's.
    assessment = (
        Assessment.objects.select_for_update(of=("self",))
        .select_related("company", "questionnaire")
        .get(pk=assessment.pk)
    )
    if not assessment.is_open:
        raise ValidationError(_("This assessment is already submitted."))
    respondents = list(assessment.respondents.all())
    sets = answer_sets(assessment, respondents)
    if not any(sets):
        raise ValidationError(
            _(
                "Nobody has answered yet. At least one respondent must answer "
                "before the assessment is submitted."
            )
        )
    result = scoring.score(assessment.questionnaire.spec, sets)
    if result.overall is None:
        raise ValidationError(_("Too few questions are answered to compute a score."))
    before = audit_snapshot(assessment)
    assessment.status = Assessment.Status.SUBMITTED
    assessment.submitted_at = timezone.now()
    assessment.submitted_by = user
    assessment.save(update_fields=["status", "submitted_at", "submitted_by"])
    snapshot = AssessmentResult.objects.create(
        assessment=assessment,
        overall=result.overall,
        level=result.level,
        dimensions=result.dimensions,
        questions=questions_snapshot(result),
        kpi_importance=result.kpi_importance,
        respondent_count=len(respondents),
    )
    cohort_replace(assessment=assessment, result=snapshot)
    audit_record(
        action="assessment.submit",
        target=assessment,
        actor=user,
        before=before,
        after=audit_snapshot(assessment),
        company=assessment.company,
    )
    return snapshot


def questions_snapshot(result):
    """The per-question consensus of a scoring result, as stored (read back by
    ``diagnosis.questionnaire.report.result_from_snapshot``)."""
    return {
        code: {"score": q.score, "scores": q.scores, "disagree": q.disagree, "na": q.not_applicable}
        for code, q in result.questions.items()
    }


def cohort_replace(*, assessment, result):
    """The company's latest submitted scores become its entry in the peer benchmark, and the
    cohort summaries follow in the same transaction (``diagnosis.services.cohorts``)."""
    company = assessment.company
    code = assessment.questionnaire.code
    entry = CohortScore.objects.filter(company=company, questionnaire_code=code)
    leaving = list(entry.select_for_update())
    entry.delete()
    scores = {**result.dimensions, CohortScore.OVERALL: result.overall}
    entering = CohortScore.objects.bulk_create(
        [
            CohortScore(
                company=company,
                assessment=assessment,
                questionnaire_code=code,
                dimension=dimension,
                score=value,
                ksic_section=company.ksic_section,
                employee_band=company.employee_band,
                region=company.region,
            )
            for dimension, value in scores.items()
            if value is not None
        ]
    )
    cohort_summaries_change(removed=leaving, added=entering)


def comment_add(*, assessment, author, text, dimension=""):
    text = text.strip()
    if not text:
        raise ValidationError(_("Write a comment first."))
    comment = ReviewComment.objects.create(
        assessment=assessment, author=author, text=text, dimension=dimension
    )
    audit_record(
        action="assessment.comment",
        target=comment,
        actor=author,
        after=audit_snapshot(comment),
        company=assessment.company,
    )
    return comment
