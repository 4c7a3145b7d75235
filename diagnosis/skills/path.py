"""A company's learning path: which roles it needs filled, why (in a plant manager's words),
who could grow into each, and which courses to take.

The path follows from two things the company already told OneStop:

1. Its latest submitted diagnosis: a dimension below its target calls for the role that closes
   it (people and data first: without someone to lead and someone to keep the data, nothing
   else lasts).
2. What it runs: an endpoint whose model health raised an alert calls for an operator who reads
   the health page; a running endpoint for one who at least knows the basics; a training job
   for an engineer who retrains.

Each role appears once, with every reason that called for it. A role someone already holds at
the level needed is shown as filled, after the roles still open."""

from dataclasses import dataclass, field
from datetime import timedelta

from django.utils import timezone
from django.utils.translation import gettext as _

from diagnosis.models import Assessment, SkillRole, StaffMember
from diagnosis.skills import catalog, levels
from diagnosis.skills.roles import ROLES

# Which role closes which diagnosis dimension, and how early in the path it comes.
DIMENSION_ROLES = {
    "people": (SkillRole.CHAMPION, 0),
    "data": (SkillRole.DATA_OWNER, 1),
    "governance": (SkillRole.DATA_OWNER, 1),
    "strategy": (SkillRole.CHAMPION, 5),
    "use_case_value": (SkillRole.CHAMPION, 5),
    "shop_floor": (SkillRole.OPERATOR, 5),
    "infrastructure": (SkillRole.ENGINEER, 5),
}
# Alerts read for the path: the newest ones; more would only repeat the same reasons.
MAX_ALERTS = 200
RANK_ALERT, RANK_TRAINING, RANK_SERVING = 2, 3, 4
# The level each role needs; an endpoint that runs without alerts asks only for the basics.
TARGET = {
    SkillRole.CHAMPION: 2,
    SkillRole.DATA_OWNER: 2,
    SkillRole.OPERATOR: 2,
    SkillRole.ENGINEER: 2,
}
SERVING_TARGET = 1
# Alerts raised this recently still count after they cleared: the next one will come.
ALERT_MEMORY = timedelta(days=90)


@dataclass
class PathItem:
    role: str
    target_level: int
    rank: int
    reasons: list = field(default_factory=list)
    holders: list = field(default_factory=list)  # profiles at or above the target
    candidates: list = field(default_factory=list)  # profiles below it, most advanced first
    courses: list = field(default_factory=list)

    @property
    def info(self):
        return ROLES[self.role]

    @property
    def filled(self):
        return bool(self.holders)

    @property
    def best_level(self):
        people = self.holders or self.candidates
        return max((p.levels[self.role] for p in people), default=0)


@dataclass
class Needs:
    """What the company's records say it needs, before anyone's levels are looked at."""

    gaps: list = field(default_factory=list)  # roadmap Gap objects of the latest diagnosis
    alerts: list = field(default_factory=list)  # HealthAlert objects, endpoint loaded
    serving: list = field(default_factory=list)  # endpoint names that answer requests
    training_jobs: int = 0
    diagnosed: bool = False


@dataclass
class Path:
    items: list
    needs: Needs
    people: list  # the company's staff members, by name

    @property
    def open_items(self):
        return [item for item in self.items if not item.filled]


def company_needs(company, now=None):
    from deployment.models import Endpoint, HealthAlert, TrainingJob
    from diagnosis.questionnaire.report import result_from_snapshot
    from diagnosis.questionnaire.roadmap import gaps

    now = now or timezone.now()
    needs = Needs()
    assessment = Assessment.objects.latest_submitted(company)
    if assessment is not None and hasattr(assessment, "result"):
        needs.diagnosed = True
        needs.gaps = gaps(assessment.questionnaire.spec, result_from_snapshot(assessment.result))
    latest = {}
    for alert in (
        HealthAlert.objects.filter(endpoint__company=company)
        .exclude(endpoint__state=Endpoint.State.DELETED)
        .filter(raised_at__gte=now - ALERT_MEMORY)
        .select_related("endpoint")
        .order_by("-raised_at")[:MAX_ALERTS]
    ):
        latest.setdefault((alert.endpoint_id, alert.kind), alert)  # the newest of each kind
    needs.alerts = list(latest.values())
    needs.serving = list(
        Endpoint.objects.filter(
            company=company, state__in=[Endpoint.State.READY, Endpoint.State.DEGRADED]
        )
        .order_by("name")
        .values_list("name", flat=True)
    )
    needs.training_jobs = (
        TrainingJob.objects.for_company(company).exclude(state=TrainingJob.State.FAILED).count()
    )
    return needs


def learning_path(company, now=None):
    members = list(StaffMember.objects.for_company(company).order_by("name", "pk"))
    return build_path(
        company_needs(company, now), levels.profiles(members), catalog.offered_courses()
    )


def build_path(needs, profiles, courses):
    """The path from ``needs``, the staff's ``profiles`` and the offered ``courses``."""
    items = {}

    def need(role, rank, reason, target=None):
        target = target if target is not None else TARGET[role]
        item = items.get(role)
        if item is None:
            item = items[role] = PathItem(role=role, target_level=target, rank=rank)
        item.rank = min(item.rank, rank)
        item.target_level = max(item.target_level, target)
        if reason not in item.reasons:
            item.reasons.append(reason)

    for gap in needs.gaps:
        role, rank = DIMENSION_ROLES.get(gap.dimension.code, (None, None))
        if role is not None:
            need(role, rank, dimension_reason(gap, role))
    for alert in needs.alerts:
        need(SkillRole.OPERATOR, RANK_ALERT, alert_reason(alert))
    if needs.training_jobs:
        need(SkillRole.ENGINEER, RANK_TRAINING, training_reason(needs.training_jobs))
    alerted = {alert.endpoint.name for alert in needs.alerts}
    for name in needs.serving:
        if name in alerted:
            continue
        need(SkillRole.OPERATOR, RANK_SERVING, serving_reason(name), SERVING_TARGET)

    for item in items.values():
        ranked = sorted(profiles, key=lambda p: (-p.levels[item.role], p.member.name))
        item.holders = [p for p in ranked if p.levels[item.role] >= item.target_level]
        item.candidates = [p for p in ranked if p.levels[item.role] < item.target_level]
        item.courses = catalog.suggested_courses(
            courses, role=item.role, current_level=item.best_level, target_level=item.target_level
        )
    ordered = sorted(items.values(), key=lambda i: (i.filled, i.rank, i.role))
    return Path(items=ordered, needs=needs, people=[p.member for p in profiles])


def dimension_reason(gap, role):
    values = {
        "dimension": gap.dimension.name,
        "score": f"{gap.score:.0f}",
        "target": f"{gap.target:.0f}",
    }
    if gap.dimension.code == "people":
        text = _(
            "Your diagnosis scored “%(dimension)s” %(score)s out of 100, where AI projects need "
            "%(target)s. No project lasts without someone who leads it on the floor: name a "
            "person, give them time, and train them to lead it."
        )
    elif role == SkillRole.DATA_OWNER:
        text = _(
            "Your diagnosis scored “%(dimension)s” %(score)s out of 100, where AI projects need "
            "%(target)s. A model learns only from records someone keeps complete and correct: "
            "make one person answer for the data."
        )
    elif role == SkillRole.OPERATOR:
        text = _(
            "Your diagnosis scored “%(dimension)s” %(score)s out of 100, where AI projects need "
            "%(target)s. A model on the line is only as good as the people who run it there: "
            "train an operator who reads its answers and its health."
        )
    elif role == SkillRole.ENGINEER:
        text = _(
            "Your diagnosis scored “%(dimension)s” %(score)s out of 100, where AI projects need "
            "%(target)s. Models and the machines they run on need someone who can set them up, "
            "retrain them and keep them running."
        )
    else:
        text = _(
            "Your diagnosis scored “%(dimension)s” %(score)s out of 100, where AI projects need "
            "%(target)s. Someone has to turn the plant's problems into AI projects with a clear "
            "payoff, and see them through."
        )
    return text % values


def alert_reason(alert):
    from deployment.models import HealthAlert

    if alert.kind == HealthAlert.Kind.DRIFT:
        text = _(
            "The model behind “%(endpoint)s” warned on %(date)s that the line's data no longer "
            "looks like what it learnt from. Someone on the floor should read its health page "
            "and know what to do when it warns."
        )
    else:
        text = _(
            "The model behind “%(endpoint)s” warned on %(date)s that its answers have become "
            "less accurate. Someone on the floor should read its health page, find the cause "
            "and report the true results back."
        )
    date = timezone.localdate(alert.raised_at).isoformat()
    return text % {"endpoint": alert.endpoint.name, "date": date}


def training_reason(count):
    return _(
        "You train your own models on OneStop (%(n)s training runs so far). Someone should be "
        "able to retrain a model on newer data and judge whether the new one is better before "
        "it replaces the running one."
    ) % {"n": count}


def serving_reason(name):
    return _(
        "“%(endpoint)s” answers your line's requests. Someone should look at its health page "
        "every week, so a problem is noticed before it costs parts."
    ) % {"endpoint": name}
