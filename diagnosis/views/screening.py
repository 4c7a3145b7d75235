"""The quick start in the portal: eleven questions on one page, then the factory's level, its
likeliest use cases and the next step (the data check), with the full diagnosis proposed."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from diagnosis.forms import read_page
from diagnosis.models import Assessment, Screening
from diagnosis.questionnaire import scoring
from diagnosis.questionnaire import screening as quick
from diagnosis.questionnaire.report import result_from_snapshot
from diagnosis.questionnaire.roadmap import use_case_fits
from diagnosis.services.datachecks import latest_ready_check
from diagnosis.services.screening import (
    screening_answers,
    screening_questionnaire,
    screening_save,
)
from diagnosis.views.answering import question_rows
from onestop.views.access import company_member_required

USE_CASES_SHOWN = 3


@company_member_required
def screening_page(request):
    company = request.current.company
    try:
        questionnaire = screening_questionnaire()
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("dashboard")
    spec = questionnaire.spec
    questions = quick.screening_questions(spec)
    screening = Screening.objects.filter(company=company).first()
    answers, errors, problem = screening_answers(screening), {}, None
    if request.method == "POST":
        posted, not_applicable, errors = read_page(questions, request.POST)
        # A question the answers hide is not asked: what was left in it is no error.
        shown = {**posted, **dict.fromkeys(not_applicable, scoring.NA)}
        errors = {c: e for c, e in errors.items() if scoring.is_visible(spec.questions[c], shown)}
        if not errors:
            try:
                screening_save(
                    company=company,
                    user=request.user,
                    questionnaire=questionnaire,
                    answers=posted,
                    not_applicable=not_applicable,
                )
            except ValidationError as exc:
                problem = exc.messages[0]
            else:
                messages.success(request, _("Your factory is placed; the next step is below."))
                return redirect("diagnosis:screening")
        answers = {**posted, **dict.fromkeys(not_applicable, scoring.NA)}
    return render(
        request,
        "diagnosis/screening.html",
        {
            "spec": spec,
            "questions": question_rows(questions, answers, errors),
            "errors": errors,
            "problem": problem,
            "screening": screening,
            "level": spec.level_for(screening.overall) if screening else None,
            "use_cases": _top_use_cases(spec, screening),
            "minutes": quick.MINUTES,
            "has_data_check": latest_ready_check(company) is not None,
            "has_assessment": Assessment.objects.for_company(company).exists(),
        },
        status=400 if errors or problem else 200,
    )


def _top_use_cases(spec, screening):
    if screening is None:
        return []
    fits = use_case_fits(spec, result_from_snapshot(screening), [screening_answers(screening)])
    return fits[:USE_CASES_SHOWN]
