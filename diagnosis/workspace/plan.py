"""The action plan: steps built from the roadmap of the company's latest diagnosis (one per gap,
most urgent first) or added by hand, each with an owner, a due date and a status."""

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diagnosis.models import ActionItem, Assessment
from diagnosis.questionnaire.report import result_from_snapshot
from diagnosis.questionnaire.roadmap import gaps
from diagnosis.workspace.notices import plan_built_notice, step_given_notice
from onestop.models import Company, Membership
from onestop.services.audit import audit_record, audited_update
from onestop.services.notifications import site_language

# The most urgent gap is due in a month, the next a month later, and so on: a plan that asks
# for everything at once is not a plan.
DUE_STEP = timedelta(days=30)
CHANGEABLE = ("title", "detail", "owner", "due_on", "status", "done_at")


def plan_owners(company):
    """Who may own a step: the company's members and the desk members working on it."""
    return (company.active_members() | company.consultants()).distinct().order_by("full_name", "pk")


def _check_owner(company, owner):
    if owner is not None and not plan_owners(company).filter(pk=owner.pk).exists():
        raise ValidationError(_("A step is owned by a member of the company or its consultant."))


@transaction.atomic
def plan_from_roadmap(*, company, user, today=None):
    """A step for each gap of the latest submitted diagnosis's roadmap that has none yet.
    Returns the steps added (none when every gap already has one).

    1. Lock the company row, then read the steps it has: a second click waits for the first
       and finds its steps (it would otherwise add the same gaps and break
       ``action_item_once_per_gap``).
    2. Write the steps in the site's language, whoever builds the plan: the company reads them,
       and the consultant may browse in English.
    """
    Company.objects.select_for_update().filter(pk=company.pk).first()
    assessment = Assessment.objects.latest_submitted(company)
    if assessment is None:
        raise ValidationError(
            _("The company has no submitted diagnosis yet: the roadmap comes from one.")
        )
    today = today or timezone.localdate()
    spec = assessment.questionnaire.spec
    taken = set(
        ActionItem.objects.filter(company=company, assessment=assessment).values_list(
            "dimension", flat=True
        )
    )
    added = []
    for rank, gap in enumerate(gaps(spec, result_from_snapshot(assessment.result)), start=1):
        if gap.dimension.code in taken:
            continue
        with site_language():
            title = _("%(dimension)s: from %(score)s to %(target)s") % {
                "dimension": gap.dimension.name,
                "score": round(gap.score),
                "target": round(gap.target),
            }
            detail = str(gap.action or "")
        added.append(
            ActionItem.objects.create(
                company=company,
                assessment=assessment,
                dimension=gap.dimension.code,
                title=title[:200],
                detail=detail,
                due_on=today + DUE_STEP * rank,
                created_by=user,
            )
        )
    if added:
        audit_record(
            action="action_plan.build",
            target=assessment,
            actor=user,
            after={"steps": [item.pk for item in added]},
            company=company,
        )
        if not Membership.objects.filter(company=company, user=user).exists():
            plan_built_notice(company, added, by=user)  # the desk built it: the owners hear
    return added


@transaction.atomic
def item_add(*, company, user, title, due_on, owner=None, detail=""):
    title = title.strip()
    if not title:
        raise ValidationError(_("Say what the step is."))
    _check_owner(company, owner)
    item = ActionItem.objects.create(
        company=company,
        title=title[:200],
        detail=detail.strip(),
        owner=owner,
        due_on=due_on,
        created_by=user,
    )
    audit_record(
        action="action_item.add",
        target=item,
        actor=user,
        after={"title": item.title, "owner": owner.email if owner else None, "due": str(due_on)},
        company=company,
    )
    step_given_notice(item, by=user)
    return item


@transaction.atomic
def item_update(*, item, user, **fields):
    """Change a step (its owner, due date, status…), audited once. Done steps keep when they
    were done; reopening one clears it."""
    item = ActionItem.objects.select_for_update().get(pk=item.pk)
    # An owner kept as they are stays, even one who has since left the company or the desk.
    if "owner" in fields and getattr(fields["owner"], "pk", None) != item.owner_id:
        _check_owner(item.company, fields["owner"])
    status = fields.get("status", item.status)
    if status == ActionItem.Status.DONE:
        fields["done_at"] = item.done_at or timezone.now()
    else:
        fields["done_at"] = None
    owner_before = item.owner_id
    item = audited_update(
        instance=item,
        allowed=CHANGEABLE,
        fields=fields,
        action="action_item.update",
        actor=user,
        company=item.company,
    )
    if item.owner_id != owner_before:
        step_given_notice(item, by=user)
    return item
