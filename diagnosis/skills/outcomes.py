"""Skills per programme, for the officer's outcomes: in the companies a programme funds (an
approved application), how many people completed courses, and in how many companies each
role is filled (someone at ``levels.FILLED_AT`` or above)."""

from dataclasses import dataclass, field

from django.db.models import Count

from diagnosis.models import Enrolment, StaffMember
from diagnosis.skills import levels
from diagnosis.skills.roles import ROLES
from onestop.models import Application


@dataclass
class ProgrammeSkills:
    programme: object
    companies: int = 0
    people_listed: int = 0
    people_trained: int = 0  # people with at least one completed course
    courses_completed: int = 0
    filled: list = field(default_factory=list)  # (Role, companies where it is filled)


def skills_by_programme(companies):
    """One row per programme funding any of ``companies``, newest programme first."""
    funded = {}
    for application in (
        Application.objects.filter(company__in=companies, state=Application.State.APPROVED)
        .select_related("programme")
        .order_by("-programme__year", "programme__name", "programme_id")
    ):
        funded.setdefault(application.programme, set()).add(application.company_id)
    if not funded:
        return []
    company_ids = set().union(*funded.values())
    members = list(StaffMember.objects.filter(company_id__in=company_ids))
    filled = {}  # company → roles filled
    for profile in levels.profiles(members):
        for role, level in profile.levels.items():
            if level >= levels.FILLED_AT:
                filled.setdefault(profile.member.company_id, set()).add(role)
    trained = {
        row["staff_member__company"]: row
        for row in Enrolment.objects.completed()
        .filter(staff_member__company__in=company_ids)
        .values("staff_member__company")
        .annotate(people=Count("staff_member", distinct=True), courses=Count("pk", distinct=True))
    }
    listed = {}
    for member in members:
        listed[member.company_id] = listed.get(member.company_id, 0) + 1
    rows = []
    for programme, ids in funded.items():
        rows.append(
            ProgrammeSkills(
                programme=programme,
                companies=len(ids),
                people_listed=sum(listed.get(pk, 0) for pk in ids),
                people_trained=sum(trained.get(pk, {}).get("people", 0) for pk in ids),
                courses_completed=sum(trained.get(pk, {}).get("courses", 0) for pk in ids),
                filled=[
                    (role, sum(code in filled.get(pk, ()) for pk in ids))
                    for code, role in ROLES.items()
                ],
            )
        )
    return rows
