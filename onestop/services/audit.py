"""The audit log: one entry per state change made by staff, partners or owners."""

import json

from django.core.serializers.json import DjangoJSONEncoder

from onestop.models import AuditEntry

# Never copy these into the log, whatever model they appear on.
REDACTED_FIELDS = {"password", "secret_hash", "token_hash"}


def audit_snapshot(instance):
    """A JSON-safe dict of a model's concrete fields, secrets left out."""
    if instance is None:
        return None
    data = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        data[field.attname] = "<redacted>" if field.name in REDACTED_FIELDS else value
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder, default=str))


def audit_record(
    *,
    action,
    target,
    actor=None,
    api_key=None,
    before=None,
    after=None,
    company=None,
    partner=None,
):
    """Write one entry. ``before``/``after`` are snapshots (see ``audit_snapshot``)."""
    if api_key is not None:
        label = f"{api_key.partner} / {api_key.display_prefix}"
        partner = partner or api_key.partner
    elif actor is not None:
        label = actor.email
    else:
        label = "system"
    return AuditEntry.objects.create(
        actor=actor if actor is not None and actor.is_authenticated else None,
        actor_api_key=api_key,
        actor_label=label[:200],
        action=action,
        target_type=target._meta.label_lower,
        target_id=str(target.pk or ""),
        target_label=str(target)[:200],
        company=company,
        partner=partner,
        before=before,
        after=after,
    )
