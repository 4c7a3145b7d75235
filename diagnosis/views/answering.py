"""Answering, one dimension per page: save and resume, amend until the assessment is
submitted, a progress bar throughout."""

from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
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
    return redirect("diagnosis:answer_page", pk=pk, dimension=answer_start_dimension(respondent))


def answer_start_dimension(respondent):
    """The dimension of the first question ``respondent`` has not answered (the first one
    when every question has an answer)."""
    spec = respondent.assessment.questionnaire.spec
    answers = answers_of(respondent)
    shown = scoring.visible_questions(spec, answers)
    first_open = next((q for q in shown if answers.get(q.code) is None), None)
    return first_open.dimension if first_open else spec.dimensions[0].code


@dataclass
class AnsweringFlow:
    """Where one person's answering pages lead, and how a page is saved: the company's own
    pages, or a consultant's entering a member's answers on a visit."""

    page: Callable[[str], str]  # dimension code -> the page's URL
    back: str  # the page the answering pages return to
    closed: str  # where a submitted assessment's pages send a person
    save: Callable[[dict, set, str], None]  # (answers, not applicable, dimension)
    finished_message: str
    context: dict = field(default_factory=dict)  # what the page says in addition
    # "Save and finish" after the save: marks the respondent's answers finished (None: the
    # person marks their own, unaudited as every answer of theirs is).
    complete: Callable[[], object] | None = None


@company_member_required
def answer_page(request, pk, dimension):
    assessment = company_assessment(request, pk)
    respondent = _respondent(request, assessment)
    if respondent is None:
        messages.info(request, _("Join the assessment to answer it."))
        return redirect("diagnosis:assessment", pk=pk)
    back = reverse("diagnosis:assessment", args=[pk])
    flow = AnsweringFlow(
        page=lambda code: reverse("diagnosis:answer_page", args=[pk, code]),
        back=back,
        closed=reverse("diagnosis:report", args=[pk]),
        save=lambda answers, not_applicable, _dimension: answers_save(
            respondent=respondent, answers=answers, not_applicable=not_applicable
        ),
        finished_message=_(
            "Thank you. Your answers are saved; you can change them until "
            "the assessment is submitted."
        ),
    )
    return answering(request, respondent, dimension, flow)


def answering(request, respondent, dimension, flow):
    """One dimension's page of ``respondent``'s answers: shown, checked, saved by the flow."""
    assessment = respondent.assessment
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
            return redirect(flow.closed)
        posted, not_applicable, errors = read_page(current.questions, request.POST)
        merged = {**answers, **posted, **dict.fromkeys(not_applicable, scoring.NA)}
        # Answers to questions the new answers hide are dropped, not kept and ignored.
        hidden = {q.code for q in current.questions if not scoring.is_visible(q, merged)}
        posted = {c: (None if c in hidden else v) for c, v in posted.items()}
        not_applicable -= hidden
        if not errors:
            try:
                flow.save(posted, not_applicable, dimension)
            except ValidationError as exc:
                messages.error(request, exc.messages[0])
                return redirect(flow.back)
            return _after_save(request, respondent, codes, dimension, flow)
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
            "dimension_links": [(d, flow.page(d.code)) for d in spec.dimensions],
            "back_url": flow.back,
            "readonly": not assessment.is_open,
            **flow.context,
        },
        status=400 if errors else 200,
    )


def _after_save(request, respondent, codes, dimension, flow):
    action = request.POST.get("action", "save")
    index = codes.index(dimension)
    if action == "next" and index + 1 < len(codes):
        return redirect(flow.page(codes[index + 1]))
    if action == "previous" and index > 0:
        return redirect(flow.page(codes[index - 1]))
    if action == "finish":
        if flow.complete is not None:
            flow.complete()
        else:
            respondent_complete(respondent=respondent)
        messages.success(request, flow.finished_message)
        return redirect(flow.back)
    messages.success(request, _("Saved."))
    return redirect(flow.page(dimension))


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
