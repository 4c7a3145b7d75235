"""Enrolments: a staff member is put on a course, completes it on a date (which raises their
level in the course's roles, see ``diagnosis.skills.levels``), or the place is cancelled."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diagnosis.models import Enrolment, SkillRole, StaffMember
from onestop.services.audit import audit_record


@transaction.atomic
def enrolment_create(*, member, course, user, role=""):
    """Put ``member`` on ``course``. Refused for a retired course, and for a course the person
    is already on or has completed."""
    # Two clicks of the same button must not make two places: serialise on the person.
    StaffMember.objects.select_for_update().filter(pk=member.pk).first()
    if not course.active:
        raise ValidationError(_("This course is no longer offered."))
    current = (
        Enrolment.objects.filter(staff_member=member, course=course)
        .exclude(status=Enrolment.Status.CANCELLED)
        .first()
    )
    if current is not None:
        if current.status == Enrolment.Status.COMPLETED:
            raise ValidationError(
                _("%(name)s has already completed this course.") % {"name": member.name}
            )
        raise ValidationError(
            _("%(name)s is already enrolled in this course.") % {"name": member.name}
        )
    if role and role not in SkillRole.values:
        role = ""
    try:
        with transaction.atomic():
            enrolment = Enrolment.objects.create(
                staff_member=member, course=course, role=role, enrolled_by=user
            )
    except IntegrityError as exc:  # the constraint caught what the check above let through
        raise ValidationError(
            _("%(name)s is already enrolled in this course.") % {"name": member.name}
        ) from exc
    audit_record(
        action="skills.enrol",
        target=enrolment,
        actor=user,
        after={"course": course.pk, "role": role},
        company=member.company,
    )
    return enrolment


@transaction.atomic
def enrolment_complete(*, enrolment, completed_on, user):
    """Mark the course completed on ``completed_on`` (today or earlier)."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status != Enrolment.Status.ENROLLED:
        raise ValidationError(_("Only a course someone is enrolled in can be completed."))
    if completed_on > timezone.localdate():
        raise ValidationError(_("The completion date cannot be in the future."))
    # Levels are read as they stood on a date (a later stage's report compares two): a course
    # completed before it was taken would rewrite the past.
    if completed_on < timezone.localdate(enrolment.enrolled_at):
        raise ValidationError(_("The completion date cannot be before the enrolment."))
    enrolment.status = Enrolment.Status.COMPLETED
    enrolment.completed_on = completed_on
    enrolment.save(update_fields=["status", "completed_on"])
    _audit("skills.complete", enrolment, user, {"completed_on": completed_on.isoformat()})
    return enrolment


@transaction.atomic
def enrolment_cancel(*, enrolment, user):
    """Give up a place not yet completed (a completed course stays on the record)."""
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.status != Enrolment.Status.ENROLLED:
        raise ValidationError(_("Only a course someone is enrolled in can be cancelled."))
    enrolment.status = Enrolment.Status.CANCELLED
    enrolment.save(update_fields=["status"])
    _audit("skills.cancel", enrolment, user, {"status": enrolment.status})
    return enrolment


def _audit(action, enrolment, user, after):
    audit_record(
        action=action,
        target=enrolment,
        actor=user,
        after=after,
        company=enrolment.staff_member.company,
    )
