"""Deciding an application: a rejection, or an approval within the programme's budget that
is granted at once or, when the pools are fully promised, put on the waitlist in a visible
position."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.programmes.grants import CapacityShort, grant_issue
from onestop.models import Application
from onestop.services.audit import audit_record, audit_snapshot
from onestop.services.notifications import Kind, notify_company, site_language


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
            budget_check(application)
            try:
                grant_issue(application=application)
                application.state = Application.State.APPROVED
            except CapacityShort:
                application.state = Application.State.WAITLISTED
        application.save()
        with site_language():
            notify_company(
                application.company,
                _("Your application: %(state)s") % {"state": application.get_state_display()},
                decision_text(application),
                kind=Kind.APPLICATION_DECIDED,
                url=reverse("programmes"),
            )
        audit_record(
            action=f"application.{application.state}",
            target=application,
            actor=reviewer,
            before=before,
            after=audit_snapshot(application),
            company=application.company,
        )
    return application


def budget_check(application):
    """The programme's unit-hours for the flavor: approved plans may not exceed them."""
    flavor = application.programme.flavors.get(flavor=application.flavor)
    committed = sum(
        sum(a.quarterly_plan)
        for a in Application.objects.filter(
            programme=application.programme,
            flavor=application.flavor,
            state__in=(Application.State.APPROVED, Application.State.WAITLISTED),
        ).exclude(pk=application.pk)
    )
    asked = sum(application.quarterly_plan)
    if committed + asked > flavor.budget_unit_hours:
        raise ValidationError(
            _(
                "The programme has %(left)s unit-hours of %(flavor)s left; this plan asks for "
                "%(asked)s. Ask the company to reduce its plan, or reject."
            )
            % {
                "left": f"{max(0, flavor.budget_unit_hours - committed):,}",
                "flavor": application.flavor,
                "asked": f"{asked:,}",
            }
        )


def decision_text(application):
    if application.state == Application.State.WAITLISTED:
        return _(
            "Your application for %(flavor)s was approved, but the pools are fully promised: you "
            "are number %(n)s on the waitlist and will be granted as soon as units come back."
        ) % {"flavor": application.flavor, "n": application.waitlist_position}
    if application.state == Application.State.APPROVED:
        return _(
            "Your application for %(flavor)s was approved; the grant is on your dashboard."
        ) % {"flavor": application.flavor}
    return _("Your application for %(flavor)s was not approved. %(comment)s") % {
        "flavor": application.flavor,
        "comment": application.review_comment,
    }
