"""A company's request not to be cut for the current quarter of a grant, for an officer to
accept before the quarter is reviewed."""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from deployment.models import Exemption
from deployment.programmes.usage_review import quarter_of
from onestop.services.audit import audit_record, audit_snapshot


def exemption_request(*, grant, user, reason):
    """The exemption for the grant's current quarter; one per quarter."""
    try:
        with transaction.atomic():
            exemption = Exemption.objects.create(
                grant=grant, quarter=quarter_of(grant, timezone.now()), reason=reason
            )
            audit_record(
                action="grant.exemption_request",
                target=exemption,
                actor=user,
                after=audit_snapshot(exemption),
                company=grant.company,
            )
    except IntegrityError:
        raise ValidationError(_("You have already asked about this quarter.")) from None
    return exemption
