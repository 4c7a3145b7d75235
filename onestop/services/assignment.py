"""Who looks after a new company: a consultant who covers its region and industry and has
room, chosen when the company is created; when none has, the company waits in the programme
officers' queue until an officer assigns one by hand."""

from django.db import transaction
from django.db.models import Count
from django.utils.translation import gettext as _

from onestop.models import Company, ConsultantAssignment, StaffProfile
from onestop.services.audit import audit_record


def _covers(values, wanted):
    return not values or wanted in values


def consultant_for(company):
    """The consultant a new ``company`` gets, or None when every one who covers it is full.

    A consultant who names the company's region and industry beats one who covers them only
    by leaving the list empty; then the one with the fewest companies; then the longest-serving.
    """
    profiles = (
        StaffProfile.objects.filter(
            role=StaffProfile.Role.CONSULTANT, user__is_active=True, user__is_staff=True
        )
        .select_related("user")
        .annotate(load=Count("user__assignments"))
        .order_by("pk")
    )
    candidates = []
    for profile in profiles:
        if profile.load >= profile.capacity:
            continue
        if not (
            _covers(profile.regions, company.region)
            and _covers(profile.ksic_divisions, company.ksic_division)
        ):
            continue
        named = (company.region in profile.regions) + (
            company.ksic_division in profile.ksic_divisions
        )
        candidates.append((-named, profile.load, profile.pk, profile.user))
    return min(candidates, key=lambda c: c[:3])[3] if candidates else None


@transaction.atomic
def consultant_assign(*, company, consultant, assigned_by=None):
    """Assign ``consultant`` to ``company`` (safe to repeat), audited."""
    assignment, created = ConsultantAssignment.objects.get_or_create(
        consultant=consultant, company=company, defaults={"assigned_by": assigned_by}
    )
    if created:
        audit_record(
            action="company.consultant_assign",
            target=assignment,
            actor=assigned_by,
            after={"consultant": consultant.email, "automatic": assigned_by is None},
            company=company,
        )
    return assignment


def consultant_assign_automatically(company):
    """Give a new company its consultant; None leaves it in the officers' queue."""
    consultant = consultant_for(company)
    if consultant is not None:
        consultant_assign(company=company, consultant=consultant)
    return consultant


def waiting_for_a_consultant():
    """The officers' queue: companies nobody looks after yet, oldest first."""
    looked_after = Company.objects.filter(
        consultant_assignments__consultant__is_active=True,
        consultant_assignments__consultant__is_staff=True,
    )
    return Company.objects.exclude(pk__in=looked_after).order_by("created_at", "pk")


def who_reviews(consultant):
    """The sentence a new company reads about who will look at its diagnosis and applications."""
    if consultant is None:
        return _(
            "A programme officer will assign you a consultant within two working days; until "
            "then the officers' desk reviews your diagnosis and applications."
        )
    return _(
        "Your consultant is %(name)s (%(email)s): they review your diagnosis and your "
        "applications, and you can ask them anything on the way."
    ) % {"name": consultant.full_name or consultant.email, "email": consultant.email}
