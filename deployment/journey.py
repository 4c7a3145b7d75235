"""The dashboard's "apply for quota" step: the company's application and grant."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from deployment.models import Endpoint, Grant
from deployment.services.endpoints.queries import endpoints_not_deleted
from onestop.dates import local_date
from onestop.models import Application


def apply_step(company):
    grant = (
        Grant.objects.filter(company=company).select_related("pool").order_by("-starts_at").first()
    )
    if grant is not None:
        return (
            "done",
            reverse("programmes"),
            _("Granted: %(units)s × %(flavor)s on %(pool)s until %(end)s.")
            % {
                "units": grant.guarantee_units,
                "flavor": grant.pool.get_flavor_display(),
                "pool": grant.pool.name,
                "end": local_date(grant.ends_at),
            },
        )
    application = Application.objects.filter(company=company).first()
    if application is None:
        return "todo", reverse("programmes"), None
    if application.state == Application.State.WAITLISTED:
        return (
            "in_progress",
            reverse("programmes"),
            _("On the waitlist, position %(n)s.") % {"n": application.waitlist_position},
        )
    return "in_progress", reverse("programmes"), application.get_state_display()


def deploy_step(company):
    """(state, url, status) for the journey's deploy step, from one query."""
    states = list(endpoints_not_deleted(company).values_list("state", flat=True))
    if not states:
        return "todo", reverse("endpoint_list"), None
    ready = states.count(Endpoint.State.READY)
    if ready:
        return (
            "done",
            reverse("endpoint_list"),
            ngettext("%(n)s endpoint ready.", "%(n)s endpoints ready.", ready) % {"n": ready},
        )
    return (
        "in_progress",
        reverse("endpoint_list"),
        ngettext("%(n)s endpoint, none ready yet.", "%(n)s endpoints, none ready yet.", len(states))
        % {"n": len(states)},
    )


def evaluate_step(company):
    """(state, url, status) for the journey's last step: the progress reports of the company's
    approved applications."""
    from onestop.services.programmes import reports_due

    rows = reports_due(company)
    if not rows:
        return "todo", reverse("programmes"), None
    months = [m for _application, due in rows for m, report in due]
    sent = sum(1 for _application, due in rows for _m, report in due if report is not None)
    if sent == len(months):
        return "done", reverse("programmes"), _("Every report is sent.")
    return (
        "in_progress",
        reverse("programmes"),
        ngettext("%(sent)s of %(n)s report sent.", "%(sent)s of %(n)s reports sent.", len(months))
        % {"sent": sent, "n": len(months)},
    )
