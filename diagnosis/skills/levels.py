"""A person's level in each role, derived from their records as they stood at a moment.

level = the larger of the latest self-check's level (taken by then) and the level of every
course completed by then that builds the role. A completed course is evidence, so a later,
more modest self-check does not undo it; a self-check above every course counts as it is."""

from dataclasses import dataclass, field

from django.utils import timezone

from diagnosis.models import Enrolment, SelfCheck, SkillRole

ROLES = tuple(SkillRole.values)
# The level at which a role counts as filled in the company: the person does the work in
# their daily job (SkillLevel.PRACTISING).
FILLED_AT = 2


@dataclass
class Profile:
    """One staff member's levels, with where each came from."""

    member: object
    levels: dict = field(default_factory=dict)  # role → level
    from_courses: dict = field(default_factory=dict)  # role → the course that gave the level
    self_checked_at: object = None

    def rows(self):
        return [(role, self.levels.get(role, 0)) for role in ROLES]


def role_levels(self_checks, completions, at=None):
    """Levels per role from a person's ``self_checks`` (objects with ``taken_at`` and
    ``levels``) and ``completions`` (completed enrolments, course loaded), as at ``at`` (a
    datetime; None: now). Returns (levels, course per role that set it, self-check time)."""
    at = at or timezone.now()
    day = timezone.localdate(at)
    latest = max(
        (check for check in self_checks if check.taken_at <= at),
        key=lambda check: check.taken_at,
        default=None,
    )
    levels = {role: int((latest.levels if latest else {}).get(role, 0)) for role in ROLES}
    sources = {}
    for enrolment in completions:
        if enrolment.completed_on is None or enrolment.completed_on > day:
            continue
        for role in enrolment.course.roles or []:
            if role in levels and enrolment.course.level > levels[role]:
                levels[role] = enrolment.course.level
                sources[role] = enrolment.course
    return levels, sources, latest.taken_at if latest else None


def records(members):
    """Everyone's self-checks and completed enrolments (course loaded), by member id: two
    queries for any number of people, read as often as needed with ``profiles_at``."""
    ids = [m.pk for m in members]
    checks, done = {}, {}
    for check in SelfCheck.objects.filter(staff_member_id__in=ids).only(
        "staff_member_id", "levels", "taken_at"
    ):
        checks.setdefault(check.staff_member_id, []).append(check)
    for enrolment in (
        Enrolment.objects.completed().filter(staff_member_id__in=ids).select_related("course")
    ):
        done.setdefault(enrolment.staff_member_id, []).append(enrolment)
    return checks, done


def profiles_at(members, loaded, at=None):
    """Profiles of ``members`` in their order, from ``records(members)``, as at ``at``."""
    checks, done = loaded
    result = []
    for member in members:
        levels, sources, checked = role_levels(
            checks.get(member.pk, []), done.get(member.pk, []), at
        )
        result.append(
            Profile(member=member, levels=levels, from_courses=sources, self_checked_at=checked)
        )
    return result


def profiles(members, at=None):
    """Profiles of ``members`` (a list), in their order: two queries for any number."""
    members = list(members)
    return profiles_at(members, records(members), at)


def best_levels(profile_list):
    """The company's highest level per role over ``profile_list``."""
    return {role: max((p.levels[role] for p in profile_list), default=0) for role in ROLES}


def filled_roles(profile_list):
    """Roles someone holds at ``FILLED_AT`` or above."""
    best = best_levels(profile_list)
    return {role for role, level in best.items() if level >= FILLED_AT}
