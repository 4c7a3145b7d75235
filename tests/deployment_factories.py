"""Catalog and compute objects for tests."""

from datetime import timedelta

from django.utils import timezone

from deployment.models import ComputePool, ModelFamily, ModelVersion
from onestop.models import Partner
from tests import factories


def family(vendor=None, company=None, **fields):
    defaults = {"name": f"Model {ModelFamily.objects.count() + 1}", "task": "binary"}
    return ModelFamily.objects.create(
        vendor=vendor,
        company=company,
        visibility="private" if company else "public",
        **{**defaults, **fields},
    )


def version(of, **fields):
    defaults = {
        "version": f"1.{ModelVersion.objects.count()}",
        "sha256": "0" * 64,
        "size": 1,
        "state": "published",
        "flavors": ["cpu", "nvidia-h200", "rbln-atom", "furiosa-rngd"],
        "latency_ms": {"batch_1": 0.5, "batch_32": 2.0},
    }
    return ModelVersion.objects.create(family=of, **{**defaults, **fields})


def provider(name=None):
    return factories.make_partner(name=name, kind=Partner.Kind.COMPUTE_PROVIDER)


def pool(provider_partner=None, reporting=True, **fields):
    defaults = {
        "name": f"Pool {ComputePool.objects.count() + 1}",
        "flavor": "rbln-atom",
        "purpose": "inference",
        "capacity_units": 8,
        "price_per_unit_hour": 1000,
        "region": "daejeon",
    }
    return ComputePool.objects.create(
        provider=provider_partner or provider(),
        last_heartbeat=timezone.now() - timedelta(seconds=10) if reporting else None,
        **{**defaults, **fields},
    )


class DeploymentObjects:
    """Vendor P's and vendor Q's models and versions; two providers' pools."""

    def __init__(self, world):
        self.family_p = family(world.partner_p, name="P model")
        self.family_q = family(world.partner_q, name="Q model")
        self.version_p = version(self.family_p)
        self.version_q = version(self.family_q)
        self.pool_x = pool(name="X pool")
        self.pool_y = pool(name="Y pool")
        self.private_a = version(family(company=world.company_a, name="A own model"))
        self.private_b = version(family(company=world.company_b, name="B own model"))


def deployment_objects(world):
    if not hasattr(world, "_deployment"):
        world._deployment = DeploymentObjects(world)
    return world._deployment


def programme(flavors=("nvidia-h200", "rbln-atom"), **fields):
    from onestop.models import Programme, ProgrammeFlavor

    created = Programme.objects.create(**{"name": "AI 컴퓨팅 지원사업", "year": 2026, **fields})
    for flavor in flavors:
        ProgrammeFlavor.objects.create(programme=created, flavor=flavor, budget_unit_hours=100_000)
    return created


def application(company, user, of=None, **fields):
    from onestop.services.programmes import application_submit

    of = of or programme()
    return application_submit(
        company=company,
        programme=of,
        user=user,
        **{
            "flavor": "rbln-atom",
            "units": 2,
            "quarterly_plan": [500] * 8,
            "purpose": "설비 고장 예측 엔드포인트",
            **fields,
        },
    )


class ProgrammeObjects:
    def __init__(self, world):
        self.programme = programme()
        self.application_a = application(world.company_a, world.owner_a, self.programme)
        self.application_b = application(world.company_b, world.owner_b, self.programme)
        from datetime import timedelta

        from django.utils import timezone

        from deployment.models import Grant
        from onestop.models import Application, ProgressReport

        self.approved_a, self.approved_b = (
            application(company, owner, self.programme, flavor="nvidia-h200")
            for company, owner in (
                (world.company_a, world.owner_a),
                (world.company_b, world.owner_b),
            )
        )
        Application.objects.filter(pk__in=[self.approved_a.pk, self.approved_b.pk]).update(
            state="approved"
        )
        self.report_a, self.report_b = (
            ProgressReport.objects.create(
                application=a, month=1, kpis="불량률 30% 감소", products="모델 1개"
            )
            for a in (self.approved_a, self.approved_b)
        )
        now = timezone.now()
        npu = pool(flavor="rbln-atom", name="Matrix ATOM", capacity_units=4)
        self.grant_a, self.grant_b = (
            Grant.objects.create(
                company=company,
                pool=npu,
                guarantee_units=1,
                starts_at=now,
                ends_at=now + timedelta(days=30),
            )
            for company in (world.company_a, world.company_b)
        )


def programme_objects(world):
    if not hasattr(world, "_programmes"):
        world._programmes = ProgrammeObjects(world)
    return world._programmes
