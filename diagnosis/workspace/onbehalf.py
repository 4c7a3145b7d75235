"""Acting in a client's place. Each function calls the service that does the work, as the
consultant (so that service's own checks, limits and audit entry apply), and records in the
same transaction that it was done on the company's behalf (``audit_on_behalf``).

Who may act for which company is the caller's check (``companies_seen_by``); consent to upload
data is checked here, because no upload may go without it."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from diagnosis.models import Assessment
from diagnosis.services import datachecks
from diagnosis.services.assessments import (
    answers_save,
    assessment_start,
    respondent_add,
    respondent_complete,
)
from diagnosis.workspace.consent import consent_required
from diagnosis.workspace.notices import data_uploaded_notice
from onestop.models import Company, Membership
from onestop.services.audit import audit_on_behalf


@transaction.atomic
def visit_respondent(*, company, consultant, member):
    """The respondent whose answers ``consultant`` enters on a visit: ``member`` of the company,
    on its open assessment, which is started in the company's name when none is open.

    1. Lock the company row: a second click while the first is starting the assessment waits,
       then finds it open and continues it (it would otherwise be refused: one open at a time).
    2. Continue the open assessment, adding the member as a respondent if they are not yet one,
       or start the next stage with the member as its first respondent.
    """
    Company.objects.select_for_update().filter(pk=company.pk).first()
    if not Membership.objects.filter(company=company, user=member).exists():
        raise ValidationError(_("Choose a member of the company: the answers are theirs."))
    assessment = (
        Assessment.objects.for_company(company).filter(status=Assessment.Status.OPEN).first()
    )
    if assessment is None:
        assessment = assessment_start(company=company, user=consultant, respondent=member)
        respondent = assessment.respondents.get(user=member)
        action, details = "assessment_start", {"stage": assessment.stage}
    else:
        respondent = assessment.respondents.filter(user=member).first()
        if respondent is not None:
            return respondent  # a second click, or the member answers already
        respondent = respondent_add(assessment=assessment, user=member, added_by=consultant)
        action, details = "respondent_add", {}
    audit_on_behalf(
        action=action,
        target=assessment,
        consultant=consultant,
        company=company,
        details={**details, "respondent": member.email},
    )
    return respondent


def _audit_answers(action, *, respondent, consultant, **details):
    """The on-behalf entry of something done to ``respondent``'s answers, naming them."""
    assessment = respondent.assessment
    audit_on_behalf(
        action=action,
        target=assessment,
        consultant=consultant,
        company=assessment.company,
        details={"respondent": respondent.user.email, **details},
    )


@transaction.atomic
def visit_answers_complete(*, respondent, consultant):
    """The consultant marks the member's answers finished ("Save and finish") on a visit;
    audited the first time only, as finishing again changes nothing."""
    if respondent.completed_at is None:
        respondent_complete(respondent=respondent)
        _audit_answers("answers_complete", respondent=respondent, consultant=consultant)
    return respondent


@transaction.atomic
def visit_answers_save(*, respondent, consultant, answers, not_applicable, dimension):
    """A page of ``respondent``'s answers, entered by the consultant on a visit."""
    answers_save(respondent=respondent, answers=answers, not_applicable=not_applicable)
    _audit_answers(
        "answers",
        respondent=respondent,
        consultant=consultant,
        dimension=dimension,
        answered=sorted(c for c, v in answers.items() if v is not None),
        not_applicable=sorted(not_applicable),
    )


def data_upload(*, company, consultant, upload, sheet=""):
    """A data file uploaded for ``company``: refused without consent in force. The consent is
    read and locked in the upload's transaction, so an owner's withdrawal waits for the upload
    to finish and the upload never goes through on a consent already withdrawn."""
    with transaction.atomic():
        consent = consent_required(company=company, consultant=consultant, lock=True)
        check = datachecks.data_check_create(
            company=company, user=consultant, upload=upload, sheet=sheet
        )
        audit_on_behalf(
            action="data_upload",
            target=check,
            consultant=consultant,
            company=company,
            details={
                "consent": consent.pk,
                "consent_method": consent.method,
                "consent_given_by": consent.given_by_name,
                "file": check.original_name,
            },
        )
        data_uploaded_notice(check, consultant, consent)
    return check


@transaction.atomic
def study_start(*, check, consultant, target="", excluded=()):
    """A feasibility study of one of the company's data checks."""
    study = datachecks.study_request(check=check, user=consultant, target=target, excluded=excluded)
    audit_on_behalf(
        action="study",
        target=study,
        consultant=consultant,
        company=check.company,
        details={"data_check": check.pk, "target": target},
    )
    return study
