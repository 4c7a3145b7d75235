"""The grant list of the partner API (deployment/programmes/api.py): who sees which grants, the
grant's flavor, and the use figure, read for a whole page in one query."""

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from deployment.models import AllocationEvent, Grant
from deployment.programmes.deciding import application_decide
from deployment.programmes.waitlist import waitlist_advance
from deployment.services.allocation import grant_create, workload_finish, workload_submit
from onestop.models import Application
from tests import deployment_factories as make
from tests import factories

GRANTS = reverse("deployment_api:grants")


def provider_api(pool):
    _key, raw = factories.make_api_key(pool.provider, "ops")
    return APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}")


def officer_api(world):
    api = APIClient()
    api.force_login(world.officer)
    return api


def listed(api):
    return [(g["company"], g["flavor"]) for g in api.get(GRANTS).json()["results"]]


def test_each_flavor_is_granted_on_its_own_pools_and_listed_with_it(world):
    gpu = make.pool(flavor="nvidia-h200", name="H200", capacity_units=8)
    npu = make.pool(flavor="rbln-atom", name="ATOM", capacity_units=1)
    programme = make.programme()
    on_gpu = make.application(world.company_a, world.owner_a, programme, flavor="nvidia-h200")
    on_npu = make.application(world.company_b, world.owner_b, programme, flavor="rbln-atom")
    waiting = make.application(world.company_a, world.owner_a, programme, flavor="rbln-atom")
    for application in (on_gpu, on_npu, waiting):
        application_decide(application=application, reviewer=world.officer, approve=True)
    # The GPU pool has room, but an NPU application waits for an NPU pool...
    assert Application.objects.get(pk=waiting.pk).state == Application.State.WAITLISTED
    assert Grant.objects.get(application=on_npu).pool == npu
    # ...and only units of its own flavor coming back take it off the waitlist.
    npu.capacity_units = 2
    npu.save(update_fields=["capacity_units"])
    assert waitlist_advance("nvidia-h200") == []
    assert waitlist_advance("rbln-atom") == [waiting]
    assert Grant.objects.get(application=waiting).pool == npu

    assert listed(officer_api(world)) == [  # the latest first
        (world.company_a.name, "rbln-atom"),
        (world.company_b.name, "rbln-atom"),
        (world.company_a.name, "nvidia-h200"),
    ]
    # Each provider sees the grants on its own pools: the other flavor's grant is not listed.
    assert listed(provider_api(npu)) == [
        (world.company_a.name, "rbln-atom"),
        (world.company_b.name, "rbln-atom"),
    ]
    assert listed(provider_api(gpu)) == [(world.company_a.name, "nvidia-h200")]


def hold(company, pool, units, *, started, ended):
    """A workload of ``company`` that held ``units`` of ``pool`` from ``started`` to ``ended``."""
    workload = workload_submit(
        company=company, pool=pool, name="job", kind="inference", units=units, priority=100
    )
    workload_finish(workload=workload)
    AllocationEvent.objects.filter(workload=workload, action="admit").update(at=started)
    AllocationEvent.objects.filter(workload=workload, action="finish").update(at=ended)


def test_the_use_figure_is_the_unit_hours_held_on_the_grants_pool_in_30_days(world):
    npu = make.pool(flavor="rbln-atom", name="ATOM", capacity_units=8)
    gpu = make.pool(flavor="nvidia-h200", name="H200", capacity_units=8)
    now = timezone.now()
    grant = grant_create(
        company=world.company_a,
        pool=npu,
        guarantee_units=4,
        starts_at=now - timedelta(days=60),
        ends_at=now + timedelta(days=300),
    )
    hold(world.company_a, npu, 2, started=now - timedelta(hours=10), ended=now - timedelta(hours=4))
    hold(
        world.company_a,
        npu,
        3,
        started=now - timedelta(days=2, hours=1),
        ended=now - timedelta(days=2),
    )
    # Not counted: before the 30 days, on another pool, another company's.
    hold(world.company_a, npu, 4, started=now - timedelta(days=40), ended=now - timedelta(days=31))
    hold(world.company_a, gpu, 4, started=now - timedelta(hours=5), ended=now - timedelta(hours=1))
    hold(world.company_b, npu, 1, started=now - timedelta(hours=5), ended=now - timedelta(hours=1))

    (row,) = provider_api(npu).get(GRANTS).json()["results"]
    assert row["id"] == grant.pk
    assert row["used_unit_hours_30d"] == 15.0  # 2 units × 6 h + 3 units × 1 h


def test_the_grant_list_reads_use_for_the_whole_page_in_one_query(world, django_assert_num_queries):
    npu = make.pool(flavor="rbln-atom", name="ATOM", capacity_units=16)
    now = timezone.now()
    for company in (world.company_a, world.company_b, factories.make_company(name="씨테크")):
        grant_create(
            company=company,
            pool=npu,
            guarantee_units=2,
            starts_at=now - timedelta(days=10),
            ends_at=now + timedelta(days=300),
        )
        hold(company, npu, 1, started=now - timedelta(hours=3), ended=now - timedelta(hours=1))
    api = provider_api(npu)
    # 1 the API key with its partner, 2 the key's last use, 3 the count for the page, 4 the
    # grants with their companies and pools, 5 the allocation events of the whole page.
    with django_assert_num_queries(5):
        results = api.get(GRANTS).json()["results"]
    assert [g["used_unit_hours_30d"] for g in results] == [2.0, 2.0, 2.0]
