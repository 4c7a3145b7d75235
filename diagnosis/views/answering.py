"""Answering, one dimension per page: save and resume, amend until the assessment is
submitted, a progress bar throughout."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from diagnosis.forms import read_page, rule_json
from diagnosis.models import Respondent
from diagnosis.questionnaire import scoring
from diagnosis.questionnaire.labels import ADOPTION_LABELS, PRIORITY_LABELS, YNP_LABELS
from diagnosis.services.assessments import (
    answers_of,
    answers_save,
    respondent_complete,
    respondent_progress,
)
from diagnosis.views.access import company_assessment
from onestop.views.access import company_member_required


def _respondent(request, assessment):
    respondent = Respondent.objects.filter(assessment=assessment, user=request.user).first()
    if respondent is None:
        return None
    respondent.assessment = assessment
    return respondent


@company_member_required
def answer_start(request, pk):
    """Resume where the person left off: the first page with an unanswered question."""
    assessment = company_assessment(request, pk)
    respondent = _respondent(request, assessment)
    if respondent is None:
        return redirect("diagnosis:assessment", pk=pk)
    spec = assessment.questionnaire.spec
    answers = answers_of(respondent)
    shown = scoring.visible_questions(spec, answers)
    first_open = next((q for q in shown if answers.get(q.code) is None), None)
    dimension = first_open.dimension if first_open else spec.dimensions[0].code
    return redirect("diagnosis:answer_page", pk=pk, dimension=dimension)


@company_member_required
def answer_page(request, pk, dimension):
    assessment = company_assessment(request, pk)
    respondent = _respondent(request, assessment)
    if respondent is None:
        messages.info(request, _("Join the assessment to answer it."))
        return redirect("diagnosis:assessment", pk=pk)
    spec = assessment.questionnaire.spec
    codes = [d.code for d in spec.dimensions]
    if dimension not in codes:
        raise Http404
    current = spec.dimension(dimension)
    answers = answers_of(respondent)
    errors = {}
    if request.method == "POST":
        if not assessment.is_open:
            messages.error(request, _("This assessment is submitted and can no longer be changed."))
            return redirect("diagnosis:report", pk=pk)
        posted, not_applicable, errors = read_page(current.questions, request.POST)
        merged = {**answers, **posted, **dict.fromkeys(not_applicable, scoring.NA)}
        # Answers to questions the new answers hide are dropped, not kept and ignored.
        hidden = {q.code for q in current.questions if not scoring.is_visible(q, merged)}
        posted = {c: (None if c in hidden else v) for c, v in posted.items()}
        not_applicable -= hidden
        if not errors:
            try:
                answers_save(respondent=respondent, answers=posted, not_applicable=not_applicable)
            except ValidationError as exc:
                messages.error(request, exc.messages[0])
                return redirect("diagnosis:assessment", pk=pk)
            return _after_save(request, assessment, respondent, codes, dimension)
        answers = merged
    answered, asked = respondent_progress(spec, answers)
    index = codes.index(dimension)
    return render(
        request,
        "diagnosis/answer.html",
        {
            "assessment": assessment,
            "spec": spec,
            "dimension": current,
            "questions": question_rows(current.questions, answers, errors),
            "errors": errors,
            "answered": answered,
            "asked": asked,
            "percent": round(100 * answered / asked) if asked else 0,
            "previous": codes[index - 1] if index > 0 else None,
            "next": codes[index + 1] if index + 1 < len(codes) else None,
            "dimensions": spec.dimensions,
            "readonly": not assessment.is_open,
        },
        status=400 if errors else 200,
    )


def _after_save(request, assessment, respondent, codes, dimension):
    action = request.POST.get("action", "save")
    index = codes.index(dimension)
    if action == "next" and index + 1 < len(codes):
        return redirect("diagnosis:answer_page", pk=assessment.pk, dimension=codes[index + 1])
    if action == "previous" and index > 0:
        return redirect("diagnosis:answer_page", pk=assessment.pk, dimension=codes[index - 1])
    if action == "finish":
        respondent_complete(respondent=respondent)
        messages.success(
            request,
            _(
                "Thank you. Your answers are saved; you can change them until "
                "the assessment is submitted."
            ),
        )
        return redirect("diagnosis:assessment", pk=assessment.pk)
    messages.success(request, _("Saved."))
    return redirect("diagnosis:answer_page", pk=assessment.pk, dimension=dimension)


def question_rows(questions, answers, errors):
    """What the template needs per question: its value, N/A state, visibility and choices."""
    rows = []
    for question in questions:
        value = answers.get(question.code)
        rows.append(
            {
                "q": question,
                "value": None if value is scoring.NA else value,
                "na": value is scoring.NA,
                "visible": scoring.is_visible(question, answers),
                "rule": rule_json(question),
                "error": errors.get(question.code),
                "ynp": list(YNP_LABELS.items()),
                "scale": list(
                    enumerate(ADOPTION_LABELS if question.kind == "adoption" else PRIORITY_LABELS)
                ),
            }
        )
    return rows
