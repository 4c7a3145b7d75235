"""What changed in a company's skills between two diagnosis stages: who completed courses, and
each role's best level and holders then and now. Shown beside the people dimension of the
later stage's report, so the T1 and T2 reports show what the training did."""

from dataclasses import dataclass, field

from django.utils import timezone

from diagnosis.models import StaffMember
from diagnosis.skills import levels
from diagnosis.skills.roles import ROLES


@dataclass
class RoleChange:
    role: object  # roles.Role
    before: int  # the company's best level at the earlier stage
    now: int
    holders_before: int  # people at the filled level then
    holders_now: int

    @property
    def raised(self):
        return self.now > self.before


@dataclass
class SkillsChange:
    since_stage: str
    staff_count: int
    trained: list = field(default_factory=list)  # (staff member, [courses]) in name order
    completions: int = 0
    roles: list = field(default_factory=list)  # RoleChange per role


def skills_change(*, company, earlier, later):
    """The change between the submission of assessment ``earlier`` and that of ``later``."""
    since, until = earlier.submitted_at, later.submitted_at
    members = list(StaffMember.objects.for_company(company).order_by("name", "pk"))
    change = SkillsChange(since_stage=earlier.stage, staff_count=len(members))
    if not members:
        return change
    loaded = levels.records(members)
    first, last = timezone.localdate(since), timezone.localdate(until)
    _checks, completed = loaded
    for member in members:
        courses = [e.course for e in completed.get(member.pk, ()) if first < e.completed_on <= last]
        if courses:
            change.trained.append((member, courses))
            change.completions += len(courses)
    before, now = (
        levels.profiles_at(members, loaded, since),
        levels.profiles_at(members, loaded, until),
    )
    for code, role in ROLES.items():
        change.roles.append(
            RoleChange(
                role=role,
                before=max(p.levels[code] for p in before),
                now=max(p.levels[code] for p in now),
                holders_before=sum(p.levels[code] >= levels.FILLED_AT for p in before),
                holders_now=sum(p.levels[code] >= levels.FILLED_AT for p in now),
            )
        )
    return change
