"""The dashboard's "apply for quota" step: the company's application and grant."""

from django.urls import reverse
from django.utils.translation import gettext as _

from deployment.models import Grant
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
                "end": grant.ends_at.date().isoformat(),
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
