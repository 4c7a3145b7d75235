"""The consultant's workspace on the desk: the client list ordered by what needs attention, a
client's workspace (acting in its place), visit notes, on-site consent and the handover.

Desk members only; a company the person does not work on answers 404, as other tenants'
objects do everywhere."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from diagnosis.datacheck.errors import human_size
from diagnosis.forms_workspace import ConsentRecordForm, VisitNoteForm, VisitRespondentForm
from diagnosis.models import (
    ApplicationDraft,
    Assessment,
    DataCheck,
    UploadConsent,
    VisitNote,
)
from diagnosis.workspace.clients import client_list
from diagnosis.workspace.consent import consent_record
from diagnosis.workspace.handover import handover
from diagnosis.workspace.notes import note_add
from onestop.models import AuditEntry, Programme
from onestop.pagination import page_of
from onestop.roles import companies_seen_by, is_officer
from onestop.views.access import staff_desk_required

PAGE_SIZE = 25
NOTES_PAGE_SIZE = 20


def desk_company(request, pk):
    """A company the desk member works on, or 404."""
    return get_object_or_404(companies_seen_by(request.user), pk=pk)


@staff_desk_required
def clients(request):
    """The client list: who needs attention, why, and where to act."""
    page = page_of(request, client_list(request.user), PAGE_SIZE)
    return render(
        request,
        "workspace/clients.html",
        {"page": page, "is_officer": is_officer(request.user)},
    )


@staff_desk_required
def workspace(request, pk):
    """One client's workspace: what the consultant can do in its place."""
    company = desk_company(request, pk)
    open_assessment = (
        Assessment.objects.for_company(company).filter(status=Assessment.Status.OPEN).first()
    )
    return render(
        request,
        "workspace/workspace.html",
        {
            "company": company,
            "open_assessment": open_assessment,
            "respondents": open_assessment.respondents.select_related("user")
            if open_assessment
            else [],
            "respondent_form": VisitRespondentForm(members=company.active_members()),
            "consent": UploadConsent.objects.for_upload(company=company, consultant=request.user),
            "consent_form": ConsentRecordForm(),
            "checks": DataCheck.objects.for_company(company)[:10],
            "max_upload": human_size(settings.ONESTOP_MAX_UPLOAD_BYTES),
            "programmes": Programme.objects.filter(open_for_applications=True),
            "drafts": ApplicationDraft.objects.filter(company=company).select_related(
                "programme", "drafted_by", "application"
            )[:10],
            "mine": AuditEntry.objects.for_company(company)
            .on_behalf()
            .filter(actor=request.user)[:10],
        },
    )


@staff_desk_required
def visit_notes(request, pk):
    """The company's visit notes, newest visit first, and a form to add one."""
    company = desk_company(request, pk)
    form = VisitNoteForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            note_add(company=company, author=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("Note saved."))
            return redirect("diagnosis:visit_notes", pk=pk)
    notes = VisitNote.objects.filter(company=company).select_related("author")
    return render(
        request,
        "workspace/notes.html",
        {"company": company, "form": form, "page": page_of(request, notes, NOTES_PAGE_SIZE)},
        status=400 if form.errors else 200,
    )


@staff_desk_required
@require_POST
def consent_record_view(request, pk):
    """The consultant records the consent to upload data that the company gave on site."""
    company = desk_company(request, pk)
    form = ConsentRecordForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say who gave the consent, when and how."))
        return redirect("diagnosis:workspace", pk=pk)
    try:
        consent_record(company=company, consultant=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Consent recorded: you may upload data for the company."))
    return redirect("diagnosis:workspace", pk=pk)


@staff_desk_required
def handover_page(request, pk):
    """Everything the next consultant needs on one page."""
    company = desk_company(request, pk)
    return render(request, "workspace/handover.html", handover(company))
