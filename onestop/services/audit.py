"""The audit log: one entry per state change made by staff, partners or owners."""

import json

from django.core.serializers.json import DjangoJSONEncoder

from onestop.models import AuditEntry
from onestop.models.audit import ON_BEHALF

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


def audit_on_behalf(*, action, target, consultant, company, details=None):
    """Record that ``consultant`` did ``action`` for ``company``, in its place (an upload, a
    study, answers entered on a visit…). The service that did the work keeps its own entry;
    this one says it was done on the company's behalf, and with what (the consent, whose
    answers)."""
    return audit_record(
        action=ON_BEHALF + action,
        target=target,
        actor=consultant,
        after={"on_behalf": True, "company": company.pk, **(details or {})},
        company=company,
    )


def audited_update(*, instance, allowed, fields, action, actor=None, api_key=None, **owners):
    """Apply the ``allowed`` ``fields`` that change, validate, save only those (and the row's
    ``auto_now`` time), and audit the change once. Returns the instance; no change, no write
    and no entry."""
    changed = [
        name for name in allowed if name in fields and getattr(instance, name) != fields[name]
    ]
    if not changed:
        return instance
    before = audit_snapshot(instance)
    for name in changed:
        setattr(instance, name, fields[name])
    instance.full_clean()
    # Fields stamped on every save (``auto_now``, "changed") follow the change.
    stamped = [f.name for f in instance._meta.concrete_fields if getattr(f, "auto_now", False)]
    instance.save(update_fields=changed + stamped)
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
