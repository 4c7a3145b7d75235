"""Acting in a client's place: entering a member's diagnosis answers on a visit, uploading a
data file (with consent), starting a feasibility study, drafting an application. Each calls a
service of ``diagnosis.workspace.onbehalf`` or ``drafts``, which audits it as the consultant's
on the company's behalf. Training jobs start from the data check's page
(``consultant_training_new``). Also the owner's page that submits a draft."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from diagnosis.datacheck.errors import TOO_BIG, human_size
from diagnosis.forms_workspace import DraftForm, VisitRespondentForm
from diagnosis.models import ApplicationDraft, DataCheck, Respondent
from diagnosis.views.answering import AnsweringFlow, answer_start_dimension, answering
from diagnosis.views.workspace import desk_company
from diagnosis.workspace import onbehalf
from diagnosis.workspace.consent import consent_required
from diagnosis.workspace.drafts import application_draft_create, application_draft_submit
from onestop.forms import ApplicationForm
from onestop.models import Programme
from onestop.roles import companies_seen_by
from onestop.uploads import limit_uploads
from onestop.views.access import company_owner_required, staff_desk_required


@staff_desk_required
@require_POST
def visit_answers(request, pk):
    """Start entering a member's answers: on the open assessment, or on a new stage."""
    company = desk_company(request, pk)
    form = VisitRespondentForm(request.POST, members=company.active_members())
    if not form.is_valid():
        messages.error(request, _("Choose the member whose answers you enter."))
        return redirect("diagnosis:workspace", pk=pk)
    try:
        respondent = onbehalf.visit_respondent(
            company=company, consultant=request.user, member=form.cleaned_data["member"]
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("diagnosis:workspace", pk=pk)
    return redirect(
        "diagnosis:visit_answer_page",
        pk=respondent.pk,
        dimension=answer_start_dimension(respondent),
    )


@staff_desk_required
def visit_answer_page(request, pk, dimension):
    """The company's answering page, for the consultant entering a member's answers."""
    respondent = get_object_or_404(
        Respondent.objects.filter(
            assessment__company__in=companies_seen_by(request.user)
        ).select_related("assessment__questionnaire", "assessment__company", "user"),
        pk=pk,
    )
    consultant = request.user
    back = reverse("diagnosis:workspace", args=[respondent.assessment.company_id])
    flow = AnsweringFlow(
        page=lambda code: reverse("diagnosis:visit_answer_page", args=[pk, code]),
        back=back,
        closed=back,
        save=lambda answers, not_applicable, code: onbehalf.visit_answers_save(
            respondent=respondent,
            consultant=consultant,
            answers=answers,
            not_applicable=not_applicable,
            dimension=code,
        ),
        finished_message=_(
            "The answers of %(member)s are saved. The company's owners submit the assessment "
            "when every respondent has answered."
        )
        % {"member": respondent.user},
        context={"on_behalf_of": respondent.user},
        complete=lambda: onbehalf.visit_answers_complete(
            respondent=respondent, consultant=consultant
        ),
    )
    return answering(request, respondent, dimension, flow)


@csrf_exempt  # the handler must be installed before the CSRF check reads the body
@staff_desk_required
@require_POST
def consultant_data_upload(request, pk):
    """A data file uploaded in the company's name.

    1. Before anything reads the body: the company must be one the person works on (else
       404) and their consent to upload for it in force (else back to the workspace, saying
       how to get it). A refusal changes nothing, so it needs no CSRF check, and the file
       is neither parsed nor stored. (Served by uvicorn, the body has been received by then;
       ``onestop.bodylimits`` bounds it.)
    2. Then the size-limited upload, behind the CSRF check; the service checks the consent
       again, under a lock."""
    company = desk_company(request, pk)
    try:
        consent_required(company=company, consultant=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("diagnosis:workspace", pk=pk)
    handler = limit_uploads(request)
    return _data_upload(request, company, handler)


@csrf_protect
def _data_upload(request, company, handler):
    try:
        files = request.FILES.getlist("file")  # parsed by now (CSRF check), held to the limit
        if handler.too_large:
            raise ValidationError(str(TOO_BIG) % {"limit": human_size(handler.limit)})
        if len(files) != 1:
            raise ValidationError(_("Choose one file to upload."))
        check = onbehalf.data_upload(
            company=company,
            consultant=request.user,
            upload=files[0],
            sheet=request.POST.get("sheet", ""),
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
        return redirect("diagnosis:workspace", pk=company.pk)
    messages.success(request, _("Uploaded for the company; its profile is on the way."))
    return redirect("diagnosis:consultant_data_check", pk=check.pk)


@staff_desk_required
@require_POST
def consultant_study_start(request, pk):
    check = get_object_or_404(DataCheck.objects.visible_to_staff(request.user), pk=pk)
    try:
        onbehalf.study_start(
            check=check,
            consultant=request.user,
            target=request.POST.get("target", "").strip(),
            excluded=[name for name in request.POST.getlist("exclude") if name],
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Study started for the company."))
    return redirect("diagnosis:consultant_data_check", pk=pk)


@staff_desk_required
def application_draft(request, pk, programme_pk):
    """The consultant drafts an application to a programme; an owner submits it."""
    company = desk_company(request, pk)
    programme = get_object_or_404(
        Programme.objects.filter(open_for_applications=True), pk=programme_pk
    )
    form = DraftForm(request.POST or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            application_draft_create(
                company=company, programme=programme, consultant=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(
                request, _("Draft saved: the company's owners see it on their action plan page.")
            )
            return redirect("diagnosis:workspace", pk=pk)
    return render(
        request,
        "workspace/draft.html",
        {"company": company, "programme": programme, "form": form, "desk": True},
        status=400 if form.errors else 200,
    )


@company_owner_required
def draft_submit(request, pk):
    """The owner reads the consultant's draft, may change it, and submits it."""
    draft = get_object_or_404(
        ApplicationDraft.objects.filter(company=request.current.company).select_related(
            "programme", "drafted_by", "application"
        ),
        pk=pk,
    )
    initial = {
        "flavor": draft.flavor,
        "units": draft.units,
        "quarterly_plan": ", ".join(str(q) for q in draft.quarterly_plan),
        "purpose": draft.purpose,
    }
    form = ApplicationForm(request.POST or None, programme=draft.programme, initial=initial)
    if request.method == "POST" and draft.is_open and form.is_valid():
        try:
            application_draft_submit(draft=draft, owner=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, ApplicationForm.submitted)
            return redirect("programmes")
    return render(
        request,
        "workspace/draft.html",
        {
            "draft": draft,
            "programme": draft.programme,
            "form": form,
        },
        status=400 if form.errors else 200,
    )
