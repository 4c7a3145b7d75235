import pytest
from django.core.management import call_command

from onestop.models import Company, ConsultantAssignment, Membership, Partner, User


@pytest.fixture(autouse=True)
def _debug_on(settings):
    settings.DEBUG = True  # the development setting seed_demo is meant for


def test_seed_demo_is_idempotent(db, capsys):
    call_command("seed_demo")
    counts = [m.objects.count() for m in (User, Company, Membership, Partner, ConsultantAssignment)]
    call_command("seed_demo")
    assert [
        m.objects.count() for m in (User, Company, Membership, Partner, ConsultantAssignment)
    ] == counts
    assert counts[1] == 2 + 24  # two named demo companies and the benchmark's demo peers
    out = capsys.readouterr().out
    assert "owner@hanbit.example" in out


def test_demo_logins_work(db, client):
    call_command("seed_demo")
    from onestop.management.commands.seed_demo import DEMO_PASSWORD

    assert client.login(email="owner@hanbit.example", password=DEMO_PASSWORD)
    assert "한빛정밀" in client.get("/dashboard/").content.decode()


def test_seed_demo_refuses_to_run_without_debug(db, settings):
    from django.core.management.base import CommandError

    settings.DEBUG = False
    with pytest.raises(CommandError, match="DEBUG"):
        call_command("seed_demo")
    assert not User.objects.exists()


def test_seed_demo_leaves_a_submitted_diagnosis_with_peers(db, client):
    from diagnosis.models import Assessment

    call_command("seed_demo")
    hanbit = Assessment.objects.get(company__name="한빛정밀")
    assert hanbit.result.respondent_count == 2
    assert Assessment.objects.submitted().count() == 25


def test_the_demo_catalog_holds_real_validated_models_and_pools(db):
    from deployment.models import ComputePool, ModelVersion
    from deployment.services.pools import local_heartbeat
    from diagnosis.matching.rank import rank

    call_command("seed_demo")
    versions = ModelVersion.objects.select_related("family")
    assert versions.count() == 5
    assert all(v.state == "published" for v in versions), [v.reason for v in versions]
    by_task = {v.family.task: v for v in versions}
    assert set(by_task) == {"binary", "regression", "image", "forecasting", "anomaly"}
    # Claimed metrics were measured on held-out rows, not typed in.
    assert 0.85 < by_task["binary"].claimed_metrics["roc_auc"] < 1
    assert "rbln-atom" in by_task["binary"].flavors  # standard operators only: NPUs take it
    assert "rbln-atom" not in by_task["anomaly"].flavors  # a forest: GPUs and CPUs only
    assert ComputePool.objects.count() == 4
    assert local_heartbeat() == 4  # the H200 pool too: training runs with `make run`
    hanbit = Company.objects.get(name="한빛정밀")
    matches = rank(hanbit)
    assert matches
    assert {m.pool.flavor for m in matches} >= {"rbln-atom", "furiosa-rngd", "cpu"}
    assert all(m.pool.purpose != "training" for m in matches)
