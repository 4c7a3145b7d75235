"""Use it or lose it. Each quarter of a grant, after the programme's grace period, usage is
compared with the company's own plan and the guarantee is cut by the programme's scale, unless
an officer accepted an exemption. Units given back go to the waitlist at once."""

import math
from datetime import timedelta

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.models import Exemption, Grant, UsageReview
from deployment.programmes.usage import worked_unit_hours
from deployment.programmes.waitlist import waitlist_advance
from onestop.models import Programme
from onestop.models.programme import HOURS_PER_QUARTER, QUARTER_DAYS
from onestop.services.audit import audit_record
from onestop.services.notifications import Kind, notify_company, site_language

QUARTER = timedelta(days=QUARTER_DAYS)


def cut_for(scale, used_share):
    for step in sorted(scale, key=lambda s: -s["used_at_least"]):
        if used_share >= step["used_at_least"]:
            return step["cut"]
    return 0.0


def quarter_of(grant, now):
    """The grant's quarter ``now`` falls in, counting from 0."""
    return max(0, int((now - grant.starts_at) / QUARTER))


def review_usage(now=None):
    """Every finished quarter of every grant past its grace period, reviewed once."""
    now = now or timezone.now()
    reviewed = []
    for grant in Grant.objects.select_related("pool", "company", "application__programme").filter(
        ends_at__gt=now - QUARTER
    ):
        programme = grant.application.programme if grant.application_id else None
        grace = timedelta(days=programme.grace_days if programme else 60)
        quarter = 0
        while grant.starts_at + QUARTER * (quarter + 1) <= now:
            start = grant.starts_at + QUARTER * quarter
            if (
                start + QUARTER > grant.starts_at + grace
                and not grant.reviews.filter(quarter=quarter).exists()
            ):
                reviewed.append(review_quarter(grant, quarter, programme, start, now))
            quarter += 1
    # Units given back by cuts or by grants that ended go to the waitlist at once.
    waitlist_advance()
    return reviewed


def planned_unit_hours(grant, quarter):
    """What the company planned for the quarter (its guarantee, all day, without a plan)."""
    plan = grant.application.quarterly_plan if grant.application_id else []
    return plan[quarter] if quarter < len(plan) else grant.guarantee_units * HOURS_PER_QUARTER


def scale_of(programme):
    if programme is None:
        return Programme._meta.get_field("reduction_scale").default()
    return programme.reduction_scale


def review_quarter(grant, quarter, programme, start, now):
    planned = planned_unit_hours(grant, quarter)
    used = worked_unit_hours(grant.company, grant.pool, start, start + QUARTER)
    share = used / planned if planned else 1.0
    cut = cut_for(scale_of(programme), share)
    exempted = Exemption.objects.filter(
        grant=grant, quarter=quarter, state=Exemption.State.ACCEPTED
    ).exists()
    before = grant.guarantee_units
    # Whole units are cut, rounding in the company's favour.
    after = before if exempted else before - math.floor(before * cut)
    with transaction.atomic():
        review = UsageReview.objects.create(
            grant=grant,
            quarter=quarter,
            planned_unit_hours=int(planned),
            used_unit_hours=round(used),
            used_share=round(share, 4),
            cut_share=cut,
            guarantee_before=before,
            guarantee_after=after,
            exempted=exempted,
        )
        if after != before:
            Grant.objects.filter(pk=grant.pk).update(guarantee_units=after)
            grant.guarantee_units = after
            with site_language():
                notify_company(
                    grant.company,
                    _("Your guarantee was reduced"),
                    kind=Kind.GUARANTEE_CUT,
                    url=reverse("programmes"),
                    body=_(
                        "In quarter %(q)s you used %(share)s of the unit-hours you planned, "
                        "so your guarantee on %(pool)s goes from %(before)s to %(after)s units "
                        "under the programme's rules. Ask for an exemption before the next "
                        "review if use will be low for a reason."
                    )
                    % {
                        "q": quarter + 1,
                        "share": f"{share * 100:.0f}%",
                        "pool": grant.pool.name,
                        "before": before,
                        "after": after,
                    },
                )
        audit_record(
            action="grant.usage_review",
            target=grant,
            before={"guarantee_units": before},
            after={
                "guarantee_units": after,
                "quarter": quarter + 1,
                "used_share": review.used_share,
            },
            company=grant.company,
        )
    return review
