"""What a company hears of the desk's work in its place: a draft application waiting for its
owners to submit, steps of its action plan (a new plan, a step given to a person) and data
uploaded on the consent it gave. Written in the site's language, whoever acted, and saved with
the work (a notice of work that was rolled back is never sent)."""

from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from onestop.dates import local_date
from onestop.models import Membership
from onestop.services.notifications import Kind, in_site_language, notify, notify_company


@in_site_language
def draft_ready_notice(draft):
    notify_company(
        draft.company,
        _("A draft application to “%(programme)s” is waiting for you")
        % {"programme": draft.programme.name},
        _(
            "%(consultant)s prepared it for your company. Check it, change what you need and "
            "submit it as your own: nothing reaches the programme until you do."
        )
        % {"consultant": str(draft.drafted_by)},
        kind=Kind.DESK_WORK,
        url=reverse("diagnosis:draft_submit", args=[draft.pk]),
    )


@in_site_language
def plan_built_notice(company, steps, by):
    if not steps:
        return
    notify_company(
        company,
        ngettext(
            "Your action plan has %(count)s new step",
            "Your action plan has %(count)s new steps",
            len(steps),
        )
        % {"count": len(steps)},
        _(
            "%(consultant)s built them from the roadmap of your latest diagnosis, the most "
            "urgent first. Each has a due date; give each to the person who will do it."
        )
        % {"consultant": str(by)},
        kind=Kind.DESK_WORK,
        url=reverse("diagnosis:plan"),
    )


@in_site_language
def step_given_notice(step, by):
    """To the person a step was just given, unless they gave it to themselves."""
    owner = step.owner
    if owner is None or owner.pk == by.pk:
        return
    member = Membership.objects.filter(company=step.company, user=owner).exists()
    notify(
        [owner],
        kind=Kind.DESK_WORK,
        subject=_("A step of %(company)s's action plan is yours: %(title)s")
        % {"company": step.company.name, "title": step.title},
        body=_("%(person)s gave it to you; it is due on %(due)s.")
        % {"person": str(by), "due": local_date(step.due_on)},
        url=reverse("diagnosis:plan")
        if member
        else reverse("diagnosis:consultant_plan", args=[step.company_id]),
        company=step.company,
    )


@in_site_language
def data_uploaded_notice(check, consultant, consent):
    notify_company(
        check.company,
        _("%(consultant)s uploaded “%(file)s” for a data check")
        % {"consultant": str(consultant), "file": check.original_name},
        _(
            "It was uploaded on the consent %(given_by)s gave. Its profile is on the data "
            "check's page; the consent can be withdrawn on your action plan page."
        )
        % {"given_by": consent.given_by_name},
        kind=Kind.DESK_WORK,
        url=reverse("diagnosis:data_check", args=[check.pk]),
    )
