from django.db import transaction

from onestop.services.audit import audit_record, audit_snapshot

PARTNER_EDITABLE_FIELDS = ("website", "contact_email")


@transaction.atomic
def partner_update(*, partner, actor=None, via_key=None, **fields):
    """Partners keep their own contact details current; each change is audited."""
    changed = [
        name
        for name in PARTNER_EDITABLE_FIELDS
        if name in fields and getattr(partner, name) != fields[name]
    ]
    if not changed:
        return partner
    before = audit_snapshot(partner)
    for name in changed:
        setattr(partner, name, fields[name])
    partner.full_clean()
    partner.save(update_fields=changed)
    audit_record(
        action="partner.update",
        target=partner,
        actor=actor,
        api_key=via_key,
        before=before,
        after=audit_snapshot(partner),
        partner=partner,
    )
    return partner
