"""Staff members and their self-checks: added, answered and removed by the company's people,
each change audited."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from diagnosis.models import SelfCheck, StaffMember
from diagnosis.skills.roles import levels_from_answers, question_codes
from onestop.models import Membership
from onestop.services.audit import audit_record, audit_snapshot


@transaction.atomic
def staff_member_add(*, company, user, name, job_title="", login=None):
    """A named person of ``company``; ``login``, when given, must be one of its members and not
    yet linked to another staff record."""
    name = name.strip()
    if not name:
        raise ValidationError(_("Write the person's name."))
    if login is not None:
        if not Membership.objects.filter(company=company, user=login).exists():
            raise ValidationError(_("That login is not a member of this company."))
        if StaffMember.objects.filter(company=company, user=login).exists():
            raise ValidationError(_("That login already belongs to someone on the list."))
    try:
        with transaction.atomic():
            member = StaffMember.objects.create(
                company=company,
                name=name,
                job_title=job_title.strip(),
                user=login,
                created_by=user,
            )
    except IntegrityError:  # the same login added by someone else a moment ago
        raise ValidationError(_("That login already belongs to someone on the list.")) from None
    audit_record(
        action="skills.staff_add",
        target=member,
        actor=user,
        after=audit_snapshot(member),
        company=company,
    )
    return member


@transaction.atomic
def staff_member_remove(*, member, user):
    """Remove the person with their self-checks and enrolments (and certificate files)."""
    from diagnosis.skills.certificates import certificate_delete_on_commit

    for enrolment in member.enrolments.exclude(certificate_name=""):
        certificate_delete_on_commit(enrolment)
    before = audit_snapshot(member)
    audit_record(
        action="skills.staff_remove",
        target=member,
        actor=user,
        before=before,
        company=member.company,
    )
    member.delete()


@transaction.atomic
def self_check_save(*, member, answers, user):
    """Record one taking of the self-check; ``answers`` maps question codes to booleans (codes
    not asked are ignored, missing ones count as "no")."""
    answers = {code: bool(answers.get(code)) for code in question_codes()}
    check = SelfCheck.objects.create(
        staff_member=member, answers=answers, levels=levels_from_answers(answers), taken_by=user
    )
    audit_record(
        action="skills.self_check",
        target=member,
        actor=user,
        after={"levels": check.levels},
        company=member.company,
    )
    return check
