from django.db import transaction

from diagnosis.models import DiagnosisShare
from onestop.services.audit import audit_record, audit_snapshot


@transaction.atomic
def share_grant(*, company, partner, user):
    share, created = DiagnosisShare.objects.get_or_create(
        company=company, partner=partner, defaults={"granted_by": user}
    )
    if created:
        audit_record(
            action="diagnosis.share",
            target=share,
            actor=user,
            after=audit_snapshot(share),
            company=company,
            partner=partner,
        )
    return share


@transaction.atomic
def share_revoke(*, share, user):
    before = audit_snapshot(share)
    share.delete()
    audit_record(
        action="diagnosis.unshare",
        target=share,
        actor=user,
        before=before,
        company=share.company,
        partner=share.partner,
    )
