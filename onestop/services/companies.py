"""Companies (tenants), sign-up and membership changes."""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from onestop.models import Company, Membership
from onestop.services.assignment import consultant_assign_automatically
from onestop.services.audit import audit_record, audit_snapshot, audited_update

COMPANY_FIELDS = Company.PROFILE_FIELDS


@transaction.atomic
def company_create(*, owner, **fields):
    """Create a company and make ``owner`` its first owner."""
    company = Company(**{name: fields[name] for name in COMPANY_FIELDS if name in fields})
    company.full_clean()
    company.save()
    Membership.objects.create(user=owner, company=company, role=Membership.Role.OWNER)
    audit_record(
        action="company.create",
        target=company,
        actor=owner,
        after=audit_snapshot(company),
        company=company,
    )
    return company


def user_create(*, email, full_name, password):
    """A new account (an invitee's, say), without a company."""
    return get_user_model().objects.create_user(email=email, password=password, full_name=full_name)


@transaction.atomic
def company_open(*, owner, **fields):
    """A company someone opens in the portal: created, and given a consultant who covers its
    region and industry (or left in the officers' queue). (company, consultant or None)."""
    company = company_create(owner=owner, **fields)
    return company, consultant_assign_automatically(company)


@transaction.atomic
def user_signup(*, email, full_name, password, company_fields):
    """Sign-up creates the person and their company in one step, or neither.
    (user, company, consultant or None)."""
    user = user_create(email=email, full_name=full_name, password=password)
    company, consultant = company_open(owner=user, **company_fields)
    return user, company, consultant


@transaction.atomic
def company_update(*, company, actor, **fields):
    return audited_update(
        instance=company,
        allowed=COMPANY_FIELDS,
        fields=fields,
        action="company.update",
        actor=actor,
        company=company,
    )


@transaction.atomic
def membership_remove(*, membership, actor):
    """Remove a teammate. A company always keeps at least one owner."""
    # Lock the company's owner rows so two owners cannot remove each other at once.
    owners = list(
        Membership.objects.select_for_update()
        .filter(company_id=membership.company_id, role=Membership.Role.OWNER)
        .order_by("pk")
    )
    if membership.is_owner and len(owners) <= 1:
        raise ValidationError(
            _("A company needs at least one owner. Make someone else an owner first.")
        )
    before = audit_snapshot(membership)
    membership.delete()
    audit_record(
        action="membership.remove",
        target=membership,
        actor=actor,
        before=before,
        company=membership.company,
    )
