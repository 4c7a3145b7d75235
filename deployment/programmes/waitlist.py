"""The waitlist: applications approved while the pools were fully promised wait in the order
they were decided, and are granted as soon as units come back."""

from django.db import transaction

from deployment.programmes.grants import CapacityShort, grant_issue
from onestop.models import Application
from onestop.services.audit import audit_record


def waitlist_advance(flavor=None):
    """Grant waitlisted applications in order while capacity allows: called whenever units
    are given back (a grant ends, is reduced or reclaimed) or a pool's cluster answers again."""
    waiting = Application.objects.filter(state=Application.State.WAITLISTED).order_by(
        "decided_at", "pk"
    )
    if flavor:
        waiting = waiting.filter(flavor=flavor)
    granted = []
    for application in waiting:
        with transaction.atomic():
            # Locked and read again: the worker's heartbeat and a person's action may both
            # advance the waitlist, and an application is granted once.
            application = Application.objects.select_for_update().get(pk=application.pk)
            if application.state != Application.State.WAITLISTED:
                continue
            try:
                grant_issue(application=application)
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
