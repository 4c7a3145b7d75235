"""The audit log: one entry per state change made by staff, partners or owners."""

import json

from django.core.serializers.json import DjangoJSONEncoder

from onestop.models import AuditEntry

# Never copy these into the log, whatever model they appear on.
REDACTED_FIELDS = {"password", "secret_hash", "token_hash", "cluster_token"}


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


def audited_update(*, instance, allowed, fields, action, actor=None, api_key=None, **owners):
    """Apply the ``allowed`` ``fields`` that change, validate, save only those, and audit the
    change once. Returns the instance; no change, no write and no entry."""
    changed = [
        name for name in allowed if name in fields and getattr(instance, name) != fields[name]
    ]
    if not changed:
        return instance
    before = audit_snapshot(instance)
    for name in changed:
        setattr(instance, name, fields[name])
    instance.full_clean()
    instance.save(update_fields=changed)
    audit_record(
        action=action,
        target=instance,
        actor=actor,
        api_key=api_key,
        before=before,
        after=audit_snapshot(instance),
        **owners,
    )
    return instance
