"""Application drafts: a consultant prepares an application for a programme; an owner reads it,
may change it, and submits it as the company's own application."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diagnosis.models import ApplicationDraft
from diagnosis.workspace.notices import draft_ready_notice
from onestop.registry import application_evidence
from onestop.services.audit import audit_on_behalf
from onestop.services.programmes import application_check, application_submit

FIELDS = ("flavor", "units", "quarterly_plan", "purpose")


@transaction.atomic
def application_draft_create(
    *, company, programme, consultant, flavor, units, quarterly_plan, purpose, note=""
):
    """A draft the programme would accept as it is; the owner submits it."""
    application_check(
        programme=programme, flavor=flavor, units=units, quarterly_plan=quarterly_plan
    )
    draft = ApplicationDraft.objects.create(
        company=company,
        programme=programme,
        flavor=flavor,
        units=units,
        quarterly_plan=quarterly_plan,
        purpose=purpose,
        note=note.strip(),
        drafted_by=consultant,
    )
    audit_on_behalf(
        action="application_draft",
        target=draft,
        consultant=consultant,
        company=company,
        details={"programme": programme.pk, "flavor": flavor, "units": units},
    )
    draft_ready_notice(draft)
    return draft


@transaction.atomic
def application_draft_submit(*, draft, owner, **fields):
    """The owner submits the draft, with the changes they made (``fields``), as the company's
    application: the owner is the one who submitted it, and the draft links to it."""
    draft = ApplicationDraft.objects.select_for_update().get(pk=draft.pk)
    if not draft.is_open:
        raise ValidationError(_("This draft has already been submitted."))
    values = {name: fields.get(name, getattr(draft, name)) for name in FIELDS}
    application = application_submit(
        company=draft.company,
        programme=draft.programme,
        user=owner,
        evidence=application_evidence(draft.company),
        **values,
    )
    draft.state, draft.application, draft.submitted_at = (
        ApplicationDraft.State.SUBMITTED,
        application,
        timezone.now(),
    )
    draft.save(update_fields=["state", "application", "submitted_at"])
    return application
