"""Who works at the desk, and on which companies: the one answer to "is this person a
programme officer?" for the admin, the portal, the API and /metrics.

A desk member is an active staff user with a staff profile. The profile's role makes them a
consultant, who works on the companies assigned to them, or a programme officer, who oversees
every company. A superuser counts as an officer, profile or not, so the person who set the
site up is never locked out of the desk."""

from django.utils.functional import SimpleLazyObject

from onestop.models import Company, StaffProfile

OFFICER = StaffProfile.Role.OFFICER
CONSULTANT = StaffProfile.Role.CONSULTANT


def desk_role(user):
    """``OFFICER``, ``CONSULTANT`` or None (not at the desk: a company member, a partner, a
    partner's API key, someone signed out)."""
    if not (user.is_active and user.is_staff):
        return None
    if user.is_superuser:
        return OFFICER
    profile = getattr(user, "staff_profile", None)
    return profile.role if profile else None


def is_desk_member(user):
    return desk_role(user) is not None


def is_officer(user):
    return desk_role(user) == OFFICER


def companies_seen_by(user):
    """The companies a desk member works on: every one for an officer, the assigned ones for
    a consultant, none for anyone else."""
    role = desk_role(user)
    if role == OFFICER:
        return Company.objects.all()
    if role == CONSULTANT:
        return Company.objects.filter(consultant_assignments__consultant=user)
    return Company.objects.none()


def desk_role_context(request):
    """Template context: ``desk_role`` of the person signed in (the navigation shows the desk's
    pages to desk members). Lazy: pages that never ask pay no query."""
    user = getattr(request, "user", None)
    return {"desk_role": SimpleLazyObject(lambda: desk_role(user) if user else None)}
