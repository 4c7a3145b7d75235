"""Applications for accelerator time and their review. Approval asks the allocation side
(wired in through settings) for a grant; when the pools are fully promised, the application
waits on the waitlist in a visible position and is granted as soon as capacity frees."""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _

from onestop.models import Application
from onestop.services.audit import audit_record, audit_snapshot

OPEN = (Application.State.SUBMITTED, Application.State.WAITLISTED, Application.State.APPROVED)


class CapacityShort(Exception):
    """No pool of the flavor has enough unpromised units for the grant."""


def issue_grant(application):
    return import_string(settings.ONESTOP_GRANT_ISSUER)(application)


def application_submit(
    *, company, programme, user, flavor, units, quarterly_plan, purpose, evidence=None
):
    if not programme.open_for_applications:
        raise ValidationError(_("This programme is not taking applications."))
    if not programme.flavors.filter(flavor=flavor).exists():
        raise ValidationError(_("This programme does not offer %(flavor)s.") % {"flavor": flavor})
    if units > programme.cap_units_per_company:
        raise ValidationError(
            _("The programme grants at most %(cap)s units per company.")
            % {"cap": programme.cap_units_per_company}
        )
    quarters = programme.term_years * 4
    if len(quarterly_plan) != quarters or any(q < 0 for q in quarterly_plan):
        raise ValidationError(
            _("Give a plan for each of the %(n)s quarters of the term.") % {"n": quarters}
        )
    with transaction.atomic():
        if Application.objects.filter(
            company=company, programme=programme, flavor=flavor, state__in=OPEN
        ).exists():
            raise ValidationError(
                _("Your company already has an open application for this flavor.")
            )
        application = Application.objects.create(
            programme=programme,
            company=company,
            flavor=flavor,
            units=units,
            quarterly_plan=quarterly_plan,
            purpose=purpose,
            evidence=evidence or {},
            submitted_by=user,
        )
        audit_record(
            action="application.submit",
            target=application,
            actor=user,
            after=audit_snapshot(application),
            company=company,
        )
    return application


def application_decide(*, application, reviewer, approve, score=None, comment=""):
    with transaction.atomic():
        application = Application.objects.select_for_update().get(pk=application.pk)
        if application.state != Application.State.SUBMITTED:
            raise ValidationError(_("This application has already been decided."))
        before = audit_snapshot(application)
        application.review_score, application.review_comment = score, comment
        application.reviewed_by, application.decided_at = reviewer, timezone.now()
        if not approve:
            application.state = Application.State.REJECTED
        else:
            try:
                issue_grant(application)
                application.state = Application.State.APPROVED
            except CapacityShort:
                application.state = Application.State.WAITLISTED
        application.save()
        audit_record(
            action=f"application.{application.state}",
            target=application,
            actor=reviewer,
            before=before,
            after=audit_snapshot(application),
            company=application.company,
        )
    return application


def waitlist_advance(flavor=None):
    """Grant waitlisted applications in order while capacity allows: called whenever units
    are given back (a grant ends, is reduced or reclaimed)."""
    waiting = Application.objects.filter(state=Application.State.WAITLISTED).order_by(
        "decided_at", "pk"
    )
    if flavor:
        waiting = waiting.filter(flavor=flavor)
    granted = []
    for application in waiting:
        with transaction.atomic():
            try:
                issue_grant(application)
            except CapacityShort:
                continue
            Application.objects.filter(pk=application.pk).update(state=Application.State.APPROVED)
            audit_record(
                action="application.granted_from_waitlist",
                target=application,
                company=application.company,
            )
            granted.append(application)
    return granted
