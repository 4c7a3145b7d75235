from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diagnosis.forms import RespondentForm
from diagnosis.questionnaire import scoring
from diagnosis.services.assessments import (
    answer_sets,
    assessment_submit,
    respondent_add,
    respondent_progress,
)
from diagnosis.views.access import company_assessment
from onestop.confirm import ask_to_confirm, is_confirmed
from onestop.models import Membership
from onestop.views.access import company_member_required, company_owner_required


@company_member_required
def assessment_detail(request, pk):
    """Who answers, how far each has got, and the consensus so far."""
    assessment = company_assessment(request, pk)
    spec = assessment.questionnaire.spec
    respondents = list(assessment.respondents.select_related("user"))
    sets = answer_sets(assessment, respondents)
    progress = []
    for respondent, answers in zip(respondents, sets, strict=True):
        answered, asked = respondent_progress(spec, answers)
        progress.append(
            (respondent, answered, asked, round(100 * answered / asked) if asked else 0)
        )
    taken = {r.user_id for r in respondents}
    candidates = respondent_candidates(assessment, taken)
    mine = next((r for r in respondents if r.user_id == request.user.pk), None)
    # Each teammate answers alone: others' answers show only to owners and to those who have
    # finished their own.
    can_compare = request.current.is_owner or (mine is not None and mine.completed_at)
    live = scoring.score(spec, sets) if any(sets) and can_compare else None
    return render(
        request,
        "diagnosis/assessment.html",
        {
            "assessment": assessment,
            "spec": spec,
            "progress": progress,
            "is_respondent": request.user.pk in taken,
            "form": RespondentForm(candidates=candidates) if candidates else None,
            "live": live,
            "can_compare": can_compare,
            "consensus": _consensus_rows(spec, live) if live else [],
        },
    )


def respondent_candidates(assessment, taken):
    """Teammates who could still be asked to answer."""
    members = Membership.objects.filter(company=assessment.company).select_related("user")
    return [m.user for m in members if m.user_id not in taken]


def _consensus_rows(spec, result):
    rows = []
    for code, consensus in result.questions.items():
        if consensus.score is None:
            continue
        question = spec.questions[code]
        rows.append(
            {
                "question": question,
                "median": round(100 * consensus.score),
                "scores": [None if s is None else round(100 * s) for s in consensus.scores],
                "disagree": consensus.disagree,
            }
        )
    return rows


@company_member_required
@require_POST
def respondent_add_view(request, pk):
    """The owner asks a teammate to answer; any member may also join by themselves."""
    assessment = company_assessment(request, pk)
    if request.POST.get("self"):
        user = request.user
    elif request.current.is_owner:
        taken = set(assessment.respondents.values_list("user_id", flat=True))
        form = RespondentForm(request.POST, candidates=respondent_candidates(assessment, taken))
        if not form.is_valid():
            messages.error(request, _("Choose a teammate from the list."))
            return redirect("diagnosis:assessment", pk=pk)
        user = form.cleaned_data["user"]
    else:
        messages.error(request, _("Only the company's owners can add respondents."))
        return redirect("diagnosis:assessment", pk=pk)
    try:
        respondent_add(assessment=assessment, user=user, added_by=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("diagnosis:assessment", pk=pk)
    if user == request.user:
        return redirect("diagnosis:answer", pk=pk)
    messages.success(request, _("%(name)s can now answer this assessment.") % {"name": user})
    return redirect("diagnosis:assessment", pk=pk)


@company_owner_required
@require_POST
def assessment_submit_view(request, pk):
    assessment = company_assessment(request, pk)
    if assessment.is_open and not is_confirmed(request):
        return ask_to_confirm(
            request,
            title=_("Submit the %(stage)s assessment?") % {"stage": assessment.stage},
            consequences=[
                _("Answers can no longer change, for you or your teammates."),
                _("The report is made from everyone's answers so far."),
                _("Teammates who have not answered yet are left out."),
            ],
            action=_("Submit the assessment"),
            cancel_url=reverse("diagnosis:assessment", args=[pk]),
        )
    try:
        assessment_submit(assessment=assessment, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("diagnosis:assessment", pk=pk)
    messages.success(request, _("Submitted. Your report is ready."))
    return redirect("diagnosis:report", pk=pk)
