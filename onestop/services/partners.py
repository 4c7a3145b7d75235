from django.db import transaction

from onestop.services.audit import audited_update

PARTNER_EDITABLE_FIELDS = ("website", "contact_email")


@transaction.atomic
def partner_update(*, partner, actor=None, via_key=None, **fields):
    """Partners keep their own contact details current; each change is audited."""
    return audited_update(
        instance=partner,
        allowed=PARTNER_EDITABLE_FIELDS,
        fields=fields,
        action="partner.update",
        actor=actor,
        api_key=via_key,
        partner=partner,
    )
