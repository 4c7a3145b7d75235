"""The course catalog as the portal reads it: offered courses, and which ones to suggest for a
role. The catalog is small (officers keep it by hand), so it is read once and filtered here."""

from diagnosis.models import Course

SUGGESTED = 3


def offered_courses():
    return list(Course.objects.active().order_by("level", "title", "pk"))


def suggested_courses(courses, *, role, current_level, target_level):
    """Up to ``SUGGESTED`` offered courses that build ``role``: those that lift the person past
    ``current_level`` first, nearest the ``target_level`` first, then the cheapest after
    subsidy, then the shortest."""
    building = [c for c in courses if c.builds(role)]

    def key(course):
        lifts = course.level > current_level
        return (not lifts, abs(course.level - target_level), course.net_cost_won, course.hours)

    return sorted(building, key=key)[:SUGGESTED]
