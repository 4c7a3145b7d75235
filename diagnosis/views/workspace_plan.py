"""The action plan, from both sides: the consultant builds it from the roadmap and assigns its
steps; the company reads it on its own page, where each owner of a step moves it on, and
where owners grant data-upload consent and find the applications their consultant drafted."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from diagnosis.forms_workspace import (
    ActionItemChangeForm,
    ActionItemForm,
    ConsentGrantForm,
    ItemStatusForm,
)
from diagnosis.models import ActionItem, ApplicationDraft, UploadConsent
from diagnosis.views.workspace import desk_company
from diagnosis.workspace.consent import consent_grant, consent_withdraw
from diagnosis.workspace.plan import item_add, item_update, plan_from_roadmap, plan_owners
from onestop.pagination import page_of
from onestop.roles import companies_seen_by
from onestop.views.access import (
    company_member_required,
    company_owner_required,
    staff_desk_required,
)

STEPS_PAGE_SIZE = 25


def _steps(company):
    return ActionItem.objects.for_company(company).select_related("owner")


# --- the desk's side ------------------------------------------------------------------------


@staff_desk_required
def consultant_plan(request, pk):
    """The plan's steps, a page at a time, each with its own form, and a form to add one. The
    people who may own a step are read once for every form of the page."""
    company = desk_company(request, pk)
    owners = list(plan_owners(company))
    form = ActionItemForm(request.POST or None, owners=owners)
    if request.method == "POST" and form.is_valid():
        try:
            item_add(company=company, user=request.user, **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc.messages[0])
        else:
            messages.success(request, _("Step added: the company sees it on its plan."))
            return redirect("diagnosis:consultant_plan", pk=pk)
    page = page_of(request, _steps(company), STEPS_PAGE_SIZE)
    steps = [
        (
            item,
            ActionItemChangeForm(
                owners=owners,
                current=item.owner,
                initial={"owner": item.owner_id, "due_on": item.due_on, "status": item.status},
                prefix=f"step-{item.pk}",
                form_id=f"step-form-{item.pk}",
            ),
        )
        for item in page
    ]
    return render(
        request,
        "workspace/plan_desk.html",
        {"company": company, "form": form, "steps": steps, "page": page},
        status=400 if form.errors else 200,
    )


@staff_desk_required
@require_POST
def plan_from_roadmap_view(request, pk):
    company = desk_company(request, pk)
    try:
        added = plan_from_roadmap(company=company, user=request.user)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        if added:
            messages.success(
                request,
                ngettext(
                    "%(n)s step added from the roadmap; give it an owner.",
                    "%(n)s steps added from the roadmap; give each an owner.",
                    len(added),
                )
                % {"n": len(added)},
            )
        else:
            messages.info(request, _("Every gap of the roadmap already has a step."))
    return redirect("diagnosis:consultant_plan", pk=pk)


@staff_desk_required
@require_POST
def consultant_plan_item(request, pk):
    """The consultant changes a step: its owner, its due date, its status."""
    item = get_object_or_404(
        ActionItem.objects.filter(company__in=companies_seen_by(request.user)), pk=pk
    )
    form = ActionItemChangeForm(
        request.POST,
        owners=plan_owners(item.company),
        current=item.owner,
        prefix=f"step-{item.pk}",
    )
    if not form.is_valid():
        messages.error(request, _("Choose an owner from the list and a due date."))
        return redirect("diagnosis:consultant_plan", pk=item.company_id)
    try:
        item_update(item=item, user=request.user, **form.cleaned_data)
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Step saved."))
    return redirect("diagnosis:consultant_plan", pk=item.company_id)


# --- the company's side ---------------------------------------------------------------------


@company_member_required
def plan(request):
    """The company's action plan, its consultant's drafts and the consent to upload data."""
    company = request.current.company
    membership = request.current
    steps = [(item, item.may_be_moved_by(membership)) for item in _steps(company)]
    return render(
        request,
        "workspace/plan.html",
        {
            "steps": steps,
            "status_choices": ActionItem.Status.choices,
            "drafts": ApplicationDraft.objects.filter(company=company).select_related(
                "programme", "drafted_by"
            ),
            "consents": UploadConsent.objects.in_force()
            .filter(company=company)
            .select_related("consultant"),
            "consent_form": ConsentGrantForm(consultants=company.consultants())
            if membership.is_owner
            else None,
        },
    )


@company_member_required
@require_POST
def plan_item_status(request, pk):
    item = get_object_or_404(ActionItem.objects.for_company(request.current.company), pk=pk)
    if not item.may_be_moved_by(request.current):
        raise PermissionDenied("Only the step's owner or the company's owners move it on.")
    form = ItemStatusForm(request.POST)
    if form.is_valid():
        item_update(item=item, user=request.user, status=form.cleaned_data["status"])
        messages.success(request, _("Step saved."))
    else:
        messages.error(request, _("Choose one of the statuses."))
    return redirect("diagnosis:plan")


@company_owner_required
@require_POST
def consent_grant_view(request):
    company = request.current.company
    form = ConsentGrantForm(request.POST, consultants=company.consultants())
    if not form.is_valid():
        messages.error(request, _("Choose one of your consultants."))
        return redirect("diagnosis:plan")
    try:
        consent_grant(
            company=company, consultant=form.cleaned_data["consultant"], owner=request.user
        )
    except ValidationError as exc:
        messages.error(request, exc.messages[0])
    else:
        messages.success(request, _("Your consultant may now upload data files for you."))
    return redirect("diagnosis:plan")


@company_owner_required
@require_POST
def consent_withdraw_view(request, pk):
    consent = get_object_or_404(
        UploadConsent.objects.active().filter(company=request.current.company), pk=pk
    )
    consent_withdraw(consent=consent, user=request.user)
    messages.success(request, _("Consent withdrawn: the consultant can no longer upload for you."))
    return redirect("diagnosis:plan")
