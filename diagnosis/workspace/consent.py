"""Consent to upload data in a company's name. An owner grants it to one desk member in the
portal, or the consultant records consent given on site with who gave it, when and how. An
upload without consent in force is refused.

Consent is in force only while its person is assigned to the company (programme officers
included, though they see every company): unassigned, they lose it, and being assigned again
does not bring it back (``UploadConsentQuerySet.in_force``)."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from diagnosis.models import UploadConsent
from onestop.services.audit import audit_record, audit_snapshot


def consent_required(*, company, consultant, lock=False):
    """The consent in force for ``consultant`` to upload for ``company``; ValidationError
    with what to do otherwise. ``lock`` (inside a transaction): hold the consent's row until
    it ends, so a withdrawal waits for the upload that relies on it."""
    consents = UploadConsent.objects.all()
    if lock:
        consents = consents.select_for_update(of=("self",))
    consent = consents.for_upload(company=company, consultant=consultant)
    if consent is None:
        raise ValidationError(
            _(
                "No consent to upload data for %(company)s is recorded for you. Ask an owner to "
                "grant it on the company's action plan page, or record the consent they gave "
                "you on site (who, when and how) first."
            )
            % {"company": company}
        )
    return consent


def _assigned(company, person):
    return company.consultants().filter(pk=person.pk).exists()


def _lapse(*, company, consultant):
    """Close the consents of ``consultant`` that were never withdrawn but lapsed with an
    earlier assignment, so a new one can be recorded (one per person may be open)."""
    lapsed = (
        UploadConsent.objects.active()
        .filter(company=company, consultant=consultant)
        .exclude(pk__in=UploadConsent.objects.in_force().values("pk"))
        .select_for_update()
    )
    for consent in lapsed:
        _close(consent, action="consent.lapse")


def _close(consent, *, action, user=None):
    """End a consent (``user``: who withdrew it; None when it lapsed), audited."""
    before = audit_snapshot(consent)
    consent.withdrawn_at, consent.withdrawn_by = timezone.now(), user
    consent.save(update_fields=["withdrawn_at", "withdrawn_by"])
    audit_record(
        action=action,
        target=consent,
        actor=user,
        before=before,
        after=audit_snapshot(consent),
        company=consent.company,
    )


def _create(*, action, actor, **fields):
    """The consent, audited; one in force already for the same person is refused."""
    _lapse(company=fields["company"], consultant=fields["consultant"])
    try:
        with transaction.atomic():
            consent = UploadConsent.objects.create(recorded_by=actor, **fields)
    except IntegrityError:
        raise ValidationError(
            _("A consent for this consultant is already in force; withdraw it first.")
        ) from None
    audit_record(
        action=action,
        target=consent,
        actor=actor,
        after=audit_snapshot(consent),
        company=consent.company,
    )
    return consent


@transaction.atomic
def consent_grant(*, company, consultant, owner):
    """An owner, in the portal, lets ``consultant`` (one who works on the company) upload."""
    if not _assigned(company, consultant):
        raise ValidationError(_("Choose one of the company's consultants."))
    return _create(
        action="consent.grant",
        actor=owner,
        company=company,
        consultant=consultant,
        method=UploadConsent.Method.PORTAL,
        given_by_name=owner.full_name or owner.email,
        granted_by=owner,
        given_on=timezone.localdate(),
    )


@transaction.atomic
def consent_record(*, company, consultant, given_by, given_on, how):
    """The consultant records the consent an owner gave on site: who, when and how."""
    given_by, how = given_by.strip(), how.strip()
    if not given_by or not how:
        raise ValidationError(_("Say who gave the consent and how it was given."))
    if given_on > timezone.localdate():
        raise ValidationError(_("Consent cannot be given in the future."))
    if not _assigned(company, consultant):
        raise ValidationError(
            _(
                "Consent to upload data goes with looking after the company: record it once "
                "you are assigned to %(company)s."
            )
            % {"company": company}
        )
    return _create(
        action="consent.record",
        actor=consultant,
        company=company,
        consultant=consultant,
        method=UploadConsent.Method.ON_SITE,
        given_by_name=given_by[:150],
        given_on=given_on,
        how=how[:300],
    )


@transaction.atomic
def consent_withdraw(*, consent, user):
    """An owner ends a consent; the consultant's later uploads are refused."""
    consent = UploadConsent.objects.select_for_update().get(pk=consent.pk)
    if consent.is_active:
        _close(consent, action="consent.withdraw", user=user)
    return consent
