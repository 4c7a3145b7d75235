"""Demo data for a fresh installation. Safe to run again: it only fills in what is missing."""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from onestop.korea import EmployeeBand, Region, registration_number_with_check_digit
from onestop.models import (
    Company,
    ConsultantAssignment,
    Membership,
    Partner,
    PartnerMembership,
    StaffProfile,
)
from onestop.registry import demo_seeders

# Printed by `make run`; demo accounts exist only in demo databases.
DEMO_PASSWORD = "onestop-demo-2026"  # noqa: S105

COMPANIES = [
    {
        "name": "한빛정밀",
        "registration_number": registration_number_with_check_digit("314860123"),
        "ksic_division": "29",
        "employee_band": EmployeeBand.B50_99,
        "region": Region.GYEONGNAM,
        "contact_name": "김민준",
        "contact_email": "owner@hanbit.example",
        "people": [
            ("owner@hanbit.example", "김민준", Membership.Role.OWNER),
            ("engineer@hanbit.example", "이서연", Membership.Role.MEMBER),
        ],
    },
    {
        "name": "대성금속",
        "registration_number": registration_number_with_check_digit("605810456"),
        "ksic_division": "25",
        "employee_band": EmployeeBand.B10_49,
        "region": Region.GYEONGGI,
        "contact_name": "박지호",
        "contact_email": "owner@daesung.example",
        "people": [("owner@daesung.example", "박지호", Membership.Role.OWNER)],
    },
]

STAFF = [
    ("officer@onestop.example", "정하은", StaffProfile.Role.OFFICER),
    ("consultant@onestop.example", "최도윤", StaffProfile.Role.CONSULTANT),
]

PARTNERS = [
    {
        "name": "K-Vision AI",
        "kind": Partner.Kind.MODEL_VENDOR,
        "contact_email": "vendor@kvision.example",
        "people": [("vendor@kvision.example", "윤지우", PartnerMembership.Role.OWNER)],
    },
    {
        "name": "Korea NPU Cloud",
        "kind": Partner.Kind.COMPUTE_PROVIDER,
        "contact_email": "ops@npucloud.example",
        "people": [("ops@npucloud.example", "강시우", PartnerMembership.Role.OWNER)],
    },
]


class Command(BaseCommand):
    help = "Create demo companies, people, consultants and partners (idempotent)."

    def add_arguments(self, parser):
        parser.add_argument(
            "--force",
            action="store_true",
            help="Seed even when DEBUG is off (never on a live service).",
        )

    def handle(self, *args, force=False, **options):
        if not settings.DEBUG and not force:
            raise CommandError(
                "seed_demo creates accounts with a published password; it runs only with "
                "DEBUG on. Use --force on a throw-away database."
            )
        with transaction.atomic():
            self.seed()
            # The apps' own demo data (catalog, diagnoses, ...), registered by each app.
            for seeder in demo_seeders():
                seeder()
        self.stdout.write(self.style.SUCCESS("Demo data is in place."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for email, role in [
            ("owner@hanbit.example", "SME owner (한빛정밀)"),
            ("engineer@hanbit.example", "SME member (한빛정밀)"),
            ("owner@daesung.example", "SME owner (대성금속)"),
            ("consultant@onestop.example", "consultant, assigned to 한빛정밀"),
            ("officer@onestop.example", "programme officer (sees all)"),
            ("vendor@kvision.example", "partner owner (K-Vision AI)"),
        ]:
            self.stdout.write(f"  {email:<30} {role}")

    def person(self, email, name, *, staff=False):
        user, created = get_user_model().objects.get_or_create(
            email=email, defaults={"full_name": name, "is_staff": staff}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        return user

    def seed(self):
        companies = {}
        for spec in COMPANIES:
            spec = dict(spec)
            people = spec.pop("people")
            company, _ = Company.objects.get_or_create(
                registration_number=spec["registration_number"], defaults=spec
            )
            companies[company.name] = company
            for email, name, role in people:
                Membership.objects.get_or_create(
                    user=self.person(email, name), company=company, defaults={"role": role}
                )
        for email, name, role in STAFF:
            user = self.person(email, name, staff=True)
            StaffProfile.objects.get_or_create(user=user, defaults={"role": role})
        officer = get_user_model().objects.get(email=STAFF[0][0])
        consultant = get_user_model().objects.get(email=STAFF[1][0])
        ConsultantAssignment.objects.get_or_create(
            consultant=consultant, company=companies["한빛정밀"], defaults={"assigned_by": officer}
        )
        for spec in PARTNERS:
            spec = dict(spec)
            people = spec.pop("people")
            partner, _ = Partner.objects.get_or_create(name=spec["name"], defaults=spec)
            for email, name, role in people:
                PartnerMembership.objects.get_or_create(
                    user=self.person(email, name), partner=partner, defaults={"role": role}
                )
