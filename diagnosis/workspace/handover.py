"""The handover: what the next consultant of a company needs on one page, from who looked after
it to what is open, what was done in its name and what is due."""

from dataclasses import dataclass

from django.contrib.auth import get_user_model
from django.db.models import Q
from django.utils import timezone

from deployment.models import HealthAlert
from deployment.services.endpoints.queries import endpoints_not_deleted
from diagnosis.models import ActionItem, ApplicationDraft, Assessment, UploadConsent, VisitNote
from diagnosis.workspace.clients import attention
from onestop.models import Application, AuditEntry, Company, ConsultantAssignment
from onestop.services.programmes import reports_due

NOTES_SHOWN = 10
ACTIONS_SHOWN = 20


# How an assignment is logged: by ``onestop.services.assignment.consultant_assign`` (the
# consultant's e-mail in ``after``), or as an admin change of the row (its ``consultant_id``
# before and after: an addition, a change of consultant, a removal).
ASSIGNED = "company.consultant_assign"
ADMIN = ("admin.add", "admin.change", "admin.delete")


@dataclass
class Earlier:
    """A consultant who looked after the company before: from when, until when (None when
    the log does not say)."""

    consultant: object
    since: object
    until: object = None


def earlier_consultants(company):
    """Who looked after the company and no longer does, from the assignment entries of its
    audit log, the first assigned first."""
    entries = AuditEntry.objects.for_company(company).filter(
        target_type=ConsultantAssignment._meta.label_lower, action__in=(ASSIGNED, *ADMIN)
    )
    assigned, unassigned = {}, {}  # ("pk", id) or ("email", address) -> when
    for entry in entries.order_by("created_at", "pk"):
        before, after = entry.before or {}, entry.after or {}
        if entry.action == ASSIGNED:
            assigned.setdefault(("email", after.get("consultant")), entry.created_at)
            continue
        old, new = before.get("consultant_id"), after.get("consultant_id")
        if old != new and old is not None:
            unassigned[old] = entry.created_at
        if old != new and new is not None:
            assigned.setdefault(("pk", new), entry.created_at)
    current = set(company.consultant_assignments.values_list("consultant_id", flat=True))
    people = (
        get_user_model()
        .objects.filter(
            Q(pk__in=[value for kind, value in assigned if kind == "pk"])
            | Q(email__in=[value for kind, value in assigned if kind == "email"])
        )
        .exclude(pk__in=current)
    )
    earlier = []
    for person in people:
        since = min(
            assigned[key] for key in (("pk", person.pk), ("email", person.email)) if key in assigned
        )
        earlier.append(Earlier(person, since, unassigned.get(person.pk)))
    return sorted(earlier, key=lambda e: e.since)


def handover(company, now=None):
    """The handover page's facts, each list already limited and loaded."""
    now = now or timezone.now()
    log = AuditEntry.objects.for_company(company)
    return {
        "company": company,
        "assignments": company.consultant_assignments.select_related(
            "consultant", "assigned_by"
        ).order_by("created_at", "pk"),
        "earlier": earlier_consultants(company),
        "reasons": attention(Company.objects.filter(pk=company.pk), now).get(company.pk, []),
        "diagnosis": Assessment.objects.latest_submitted(company),
        "open_items": list(
            ActionItem.objects.for_company(company).not_done().select_related("owner")
        ),
        "notes": list(
            VisitNote.objects.filter(company=company).select_related("author")[:NOTES_SHOWN]
        ),
        "on_behalf": list(log.on_behalf()[:ACTIONS_SHOWN]),
        "endpoints": list(endpoints_not_deleted(company).order_by("name")),
        "alerts": list(
            HealthAlert.objects.filter(endpoint__company=company, cleared_at__isnull=True)
            .select_related("endpoint")
            .order_by("-raised_at")
        ),
        "applications": list(
            Application.objects.filter(company=company)
            .exclude(state=Application.State.WITHDRAWN)
            .select_related("programme")
        ),
        "reports": reports_due(company),
        "drafts": list(
            ApplicationDraft.objects.filter(
                company=company, state=ApplicationDraft.State.DRAFT
            ).select_related("programme", "drafted_by")
        ),
        "consents": list(
            UploadConsent.objects.in_force().filter(company=company).select_related("consultant")
        ),
    }
