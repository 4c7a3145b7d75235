"""Small factories: each returns a saved object with sensible defaults."""

import itertools

from django.contrib.auth import get_user_model

from onestop.korea import EmployeeBand, Region, registration_number_with_check_digit
from onestop.models import (
    Company,
    ConsultantAssignment,
    Membership,
    Partner,
    PartnerMembership,
    StaffProfile,
)
from onestop.services.api_keys import api_key_create
from onestop.services.invitations import invitation_create

PASSWORD = "correct horse battery staple"
_sequence = itertools.count(1)


def make_user(email=None, *, full_name="테스트 사용자", staff=False):
    n = next(_sequence)
    return get_user_model().objects.create_user(
        email=email or f"person{n}@example.com",
        password=PASSWORD,
        full_name=full_name,
        is_staff=staff,
    )


def make_company(*, name=None, owner=None, **fields):
    n = next(_sequence)
    company = Company.objects.create(
        name=name or f"테스트 제조 {n}",
        registration_number=fields.pop(
            "registration_number",
            registration_number_with_check_digit(f"{100000000 + n * 7919:09d}"),
        ),
        ksic_division=fields.pop("ksic_division", "29"),
        employee_band=fields.pop("employee_band", EmployeeBand.B10_49),
        region=fields.pop("region", Region.GYEONGNAM),
        contact_name=fields.pop("contact_name", "담당자"),
        contact_email=fields.pop("contact_email", f"contact{n}@example.com"),
        **fields,
    )
    if owner is not None:
        add_member(company, owner, Membership.Role.OWNER)
    return company


def add_member(company, user, role=Membership.Role.MEMBER):
    return Membership.objects.create(company=company, user=user, role=role)


def make_staff(role=StaffProfile.Role.CONSULTANT, *, companies=()):
    user = make_user(staff=True)
    StaffProfile.objects.create(user=user, role=role)
    for company in companies:
        ConsultantAssignment.objects.create(consultant=user, company=company)
    return user


def make_partner(*, name=None, kind=Partner.Kind.MODEL_VENDOR, owner=None):
    n = next(_sequence)
    partner = Partner.objects.create(
        name=name or f"Partner {n}", kind=kind, contact_email=f"partner{n}@example.com"
    )
    if owner is not None:
        PartnerMembership.objects.create(
            partner=partner, user=owner, role=PartnerMembership.Role.OWNER
        )
    return partner


def make_api_key(partner, name="test key"):
    """Returns (key, raw)."""
    return api_key_create(partner=partner, name=name)


def make_invitation(company, email, *, invited_by=None, role=Membership.Role.MEMBER):
    """Returns (invitation, token)."""
    invitation, link = invitation_create(
        company=company, email=email, role=role, invited_by=invited_by
    )
    return invitation, link.rstrip("/").rsplit("/", 1)[-1]
