"""Matching ranks (model, pool) pairs for a company with readable parts; a measurement on the
company's own data outranks a vendor's claim."""

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from diagnosis.matching.columns import auto_map
from diagnosis.matching.rank import rank
from diagnosis.models import DataEvaluation, MatchChoice, MatchingNeeds, MatchingPolicy
from diagnosis.services import matching
from tests import deployment_factories as make
from tests.datacheck_factories import uploaded_check
from tests.matching_factories import csv_bytes, plant_data, published, trained_onnx


@pytest.fixture
def plant(world):
    """Company A with a data check of its plant, two vendor models that claim the opposite of
    what they do on its data, and one CPU pool."""
    check = uploaded_check(
        world.company_a, world.owner_a, content=csv_bytes(plant_data()), name="plant.csv"
    )
    boastful = published(
        make.family(world.partner_p, name="Boastful", use_cases=["predictive_maintenance"]),
        trained_onnx(invert=True),
        claimed={"roc_auc": 0.97},
    )
    modest = published(
        make.family(world.partner_q, name="Modest", use_cases=["predictive_maintenance"]),
        trained_onnx(seed=2),
        claimed={"roc_auc": 0.80},
    )
    cpu = make.pool(flavor="cpu", name="CPU pool", price_per_unit_hour=300)
    make.programme(flavors=["cpu"])  # the CPU pool's matches can be funded
    return check, boastful, modest, cpu


def names(matches):
    return [m.version.family.name for m in matches]


def test_a_measurement_on_the_company_data_changes_the_ranking(
    world, plant, django_capture_on_commit_callbacks
):
    _check, boastful, modest, _cpu = plant
    before = rank(world.company_a)
    assert names(before) == ["Boastful", "Modest"]  # on the vendors' word
    assert before[0].reasons["accuracy"] == (
        "공급사 보고 ROC-AUC(구분 능력) 0.97. 아직 귀사 데이터로 측정하지 않았습니다."
    )
    for version in (boastful, modest):
        with django_capture_on_commit_callbacks(execute=True):
            matching.evaluation_request(
                company=world.company_a, user=world.owner_a, version=version, target="failure"
            )
    measured = {e.version_id: e for e in DataEvaluation.objects.all()}
    assert measured[modest.pk].status == "ready", measured[modest.pk].error
    assert measured[modest.pk].value > 0.9
    assert measured[boastful.pk].value < 0.2
    after = rank(world.company_a)
    assert names(after) == ["Modest", "Boastful"]
    modest_measured = measured[modest.pk]
    assert after[0].reasons["accuracy"] == (
        f"귀사 데이터로 측정: {modest_measured.rows:,}행 기준 "
        f"{modest_measured.metric} {modest_measured.value:.3f}"
    )
    assert after[0].parts["accuracy"] > before[1].parts["accuracy"]


def test_inputs_are_mapped_by_name_and_unit_and_corrections_win(world, plant):
    check, boastful, _modest, _cpu = plant
    mapping = auto_map(boastful.input_columns, check.columns)
    assert mapping.columns == {
        "torque": "Torque [Nm]",
        "rotational speed": "Rotational speed [rpm]",
    }
    matching.mapping_save(
        company=world.company_a,
        user=world.owner_a,
        version=boastful,
        corrections={"torque": "", "rotational speed": "Rotational speed [rpm]"},
        columns=check.columns,
    )
    match = next(m for m in rank(world.company_a) if m.version == boastful)
    assert match.parts["inputs"] == 50
    assert match.reasons["inputs"] == (
        "입력 2개 중 1개가 데이터에 있습니다. 나머지는 직접 매핑하세요."  # 1 of 2 found
    )


def test_pools_that_cannot_serve_are_left_out(world, plant):
    _check, _boastful, _modest, _cpu = plant
    make.pool(flavor="rbln-atom", name="NPU pool")  # the forests' ai.onnx.ml ops don't compile
    make.pool(flavor="cpu", name="Abroad", region="overseas")
    make.pool(flavor="cpu", name="Silent", reporting=False)
    make.pool(flavor="nvidia-h200", name="Training", purpose="training")
    assert {m.pool.name for m in rank(world.company_a)} == {"CPU pool"}
    MatchingNeeds.objects.create(company=world.company_a, data_in_korea=False)
    assert {m.pool.name for m in rank(world.company_a)} == {"CPU pool", "Abroad"}


def test_cost_follows_latency_and_traffic(world, plant):
    _check, boastful, _modest, _cpu = plant
    boastful.latency_ms = {"batch_1": 250.0}
    boastful.save()
    MatchingNeeds.objects.create(
        company=world.company_a,
        requests_per_day=86_400,
        latency_ms=1000,
        monthly_budget_krw=100_000,
    )
    match = next(m for m in rank(world.company_a) if m.version == boastful)
    # 1 request/s on average, 4 at peak, 0.25 s each, at most half busy: 2 units, 730 h, ₩300.
    assert match.units == 2
    assert match.monthly_cost == 2 * 730 * 300
    assert match.parts["cost"] < 50  # over budget
    assert "₩438,000" in match.reasons["cost"]


def test_officers_weights_decide_between_npu_and_cpu(world, plant):
    from tests.onnx_files import linear_model

    neural = published(
        make.family(world.partner_p, name="Neural", use_cases=["predictive_maintenance"]),
        linear_model(features=2).SerializeToString(),
    )
    make.pool(flavor="rbln-atom", name="Domestic NPU", price_per_unit_hour=5000)
    policy = MatchingPolicy.current()
    for part in policy.PARTS:
        setattr(policy, part, 0)
    policy.policy = 100
    policy.save()
    top = rank(world.company_a)[0]
    assert (top.version, top.pool.name) == (neural, "Domestic NPU")
    policy.policy, policy.cost = 0, 100
    policy.save()
    assert rank(world.company_a)[0].pool.name == "CPU pool"


def test_other_companies_private_models_are_never_matched(world, plant):
    private = make.family(
        company=world.company_b, name="B own", use_cases=["predictive_maintenance"]
    )
    make.version(private, flavors=["cpu"])
    assert "B own" not in names(rank(world.company_a, limit=50))
    assert "B own" in names(rank(world.company_b, limit=50))


def test_the_page_shows_matches_and_the_owner_picks_one(world, plant, owner_client):
    page = owner_client.get(reverse("diagnosis:matching")).content.decode()
    assert page.count('data-testid="match"') == 2
    assert "Boastful" in page
    for match in rank(world.company_a):
        assert f'<span data-testid="match-cost">₩{match.monthly_cost:,}</span>' in page
    _check, boastful, _modest, cpu = plant
    response = owner_client.post(
        reverse("diagnosis:match_choose"), {"version": boastful.pk, "pool": cpu.pk}
    )
    assert response.status_code == 302
    choice = MatchChoice.objects.get()
    assert (choice.version, choice.pool, choice.chosen_by) == (boastful, cpu, world.owner_a)
    assert (
        'data-testid="chosen-match"'
        in owner_client.get(reverse("diagnosis:matching")).content.decode()
    )


def test_choosing_a_match_that_is_not_offered_says_so(world, plant, owner_client):
    _check, boastful, _modest, _cpu = plant
    silent = make.pool(flavor="cpu", name="Silent", reporting=False)
    response = owner_client.post(
        reverse("diagnosis:match_choose"), {"version": boastful.pk, "pool": silent.pk}, follow=True
    )
    assert not MatchChoice.objects.exists()
    assert response.status_code == 200


def test_a_choice_is_scored_as_ranked_and_refused_where_ranking_would_not_offer_it(world, plant):
    _check, boastful, _modest, cpu = plant
    npu = make.pool(flavor="rbln-atom", name="NPU pool")  # the forest's ai.onnx.ml ops don't run
    abroad = make.pool(flavor="cpu", name="Abroad", region="overseas")  # the data stays in Korea
    training = make.pool(flavor="cpu", name="Training", purpose="training")
    b_own = make.version(make.family(company=world.company_b, name="B own"), flavors=["cpu"])
    rejected = make.version(make.family(world.partner_p, name="Rejected"), state="rejected")
    for version, pool in [
        (boastful, npu),
        (boastful, abroad),
        (boastful, training),
        (b_own, cpu),
        (rejected, cpu),
    ]:
        with pytest.raises(ValidationError) as refusal:
            matching.choice_make(
                company=world.company_a,
                user=world.owner_a,
                version_id=version.pk,
                pool_id=pool.pk,
            )
        assert refusal.value.messages == [
            "해당 매칭은 더 이상 제공되지 않습니다. "
            "모델이나 자원 풀이 변경되었습니다. 다시 선택하세요."
        ]
    assert not MatchChoice.objects.exists()
    ranked = next(m for m in rank(world.company_a) if (m.version, m.pool) == (boastful, cpu))
    choice = matching.choice_make(
        company=world.company_a, user=world.owner_a, version_id=boastful.pk, pool_id=cpu.pk
    )
    assert (choice.score, choice.parts, choice.monthly_cost_krw) == (
        ranked.total,
        ranked.parts,
        ranked.monthly_cost,
    )


def test_needs_are_saved_from_the_page(world, owner_client):
    response = owner_client.post(
        reverse("diagnosis:matching_needs"),
        {
            "latency_ms": 50,
            "requests_per_day": 1000,
            "monthly_budget_krw": 500000,
            "data_in_korea": "on",
        },
    )
    assert response.status_code == 302
    needs = MatchingNeeds.objects.get(company=world.company_a)
    assert (
        needs.latency_ms,
        needs.requests_per_day,
        needs.monthly_budget_krw,
        needs.data_in_korea,
    ) == (50, 1000, 500000, True)


def test_the_column_mapping_page_saves_corrections(world, plant, owner_client):
    _check, boastful, _modest, _cpu = plant
    url = reverse("diagnosis:match_columns", args=[boastful.pk])
    assert "Torque [Nm]" in owner_client.get(url).content.decode()
    owner_client.post(url, {"map_0": "Rotational speed [rpm]", "map_1": "Torque [Nm]"})
    from diagnosis.models import ColumnMapping

    assert ColumnMapping.objects.get().corrections == {
        "torque": "Rotational speed [rpm]",
        "rotational speed": "Torque [Nm]",
    }


def test_an_integrator_the_company_shared_with_reads_its_matches(world, plant, api_client):
    from diagnosis.models import DiagnosisShare

    DiagnosisShare.objects.create(company=world.company_a, partner=world.partner_p)
    body = api_client.get(
        reverse("diagnosis_api:company_matches", args=[world.company_a.pk])
    ).json()
    assert [r["model"]["name"] for r in body["results"]] == ["Boastful", "Modest"]
    first = body["results"][0]
    assert first["pool"]["flavor"] == "cpu"
    assert first["monthly_cost_krw"] > 0
    assert set(first["parts"]) == set(MatchingPolicy.PARTS) == set(first["reasons"])
    other = api_client.get(reverse("diagnosis_api:company_matches", args=[world.company_b.pk]))
    assert other.status_code == 404


def test_officers_change_the_weights_in_the_admin_and_consultants_cannot(world):
    from django.test import Client

    policy = MatchingPolicy.current()
    url = reverse("admin:diagnosis_matchingpolicy_change", args=[policy.pk])
    fields = {part: getattr(policy, part) for part in MatchingPolicy.PARTS} | {"policy": 40}
    consultant = Client()
    consultant.force_login(world.consultant_a)
    assert consultant.post(url, fields).status_code == 403
    officer = Client()
    officer.force_login(world.officer)
    assert officer.post(url, fields).status_code == 302
    assert MatchingPolicy.current().policy == 40


def test_a_match_nothing_funds_says_so_offers_what_would_work_and_cannot_be_chosen(
    world, plant, owner_client
):
    """Only the CPU programme is open: a match on an NPU pool is a dead end today, so it has no
    "choose" or "deploy", names the funded match of the same model instead, and a forged choice
    of it is refused."""
    _check, _boastful, modest, _cpu = plant
    npu_ready = make.version(modest.family, version="study-1-npu", flavors=["rbln-atom"])
    npu_ready.input_columns, npu_ready.state = modest.input_columns, modest.state
    npu_ready.save()
    atom = make.pool(flavor="rbln-atom", name="ATOM pool", price_per_unit_hour=100)
    unfunded = [m for m in rank(world.company_a) if m.pool == atom]
    assert unfunded, "the NPU-ready form ranks on the NPU pool"
    page = owner_client.get(reverse("diagnosis:matching")).content.decode()
    cards = page.split('data-testid="match"')[1:]
    atom_cards = [c for c in cards if "ATOM pool" in c.split("</h3>")[0]]
    assert atom_cards
    for card in atom_cards:
        assert 'data-testid="unfunded"' in card
        assert 'data-testid="choose"' not in card
        assert 'data-testid="deploy"' not in card
        instead = card.split('data-testid="instead">')[1].split("</strong>")[0]
        assert "CPU pool" in instead
        assert "Modest" in instead
    cpu_cards = [c for c in cards if "CPU pool" in c.split("</h3>")[0]]
    assert all('data-testid="choose"' in c for c in cpu_cards)
    refused = owner_client.post(
        reverse("diagnosis:match_choose"), {"version": npu_ready.pk, "pool": atom.pk}, follow=True
    )
    assert "비용을 지원받을 수 없습니다" in refused.content.decode()
    assert not MatchChoice.objects.exists()


def test_the_chosen_match_leads_to_the_application_with_a_plan_from_its_traffic(
    world, plant, owner_client
):
    _check, boastful, _modest, cpu = plant
    owner_client.post(reverse("diagnosis:match_choose"), {"version": boastful.pk, "pool": cpu.pk})
    page = owner_client.get(reverse("diagnosis:matching")).content.decode()
    link = page.split('data-testid="apply-for-match"')[0].rsplit('href="', 1)[1].split('"')[0]
    form = owner_client.get(link)
    assert form.status_code == 200
    units = form.context["suggestion"]["units"]
    quarters = form.context["quarters"]
    assert quarters == 8  # a two-year programme
    assert form.context["form"].initial["units"] == units
    # The first quarter plans the share released at award (half), the rest the whole units:
    # a unit busy all day for a 91-day quarter is 2,184 unit-hours.
    first = -(-units // 2) * 2184
    assert form.context["form"].initial["quarterly_plan"] == ", ".join(
        [str(first)] + [str(units * 2184)] * 7
    )
    explained = form.content.decode().split('data-testid="plan-explained"')[1]
    assert "8" in explained
    assert "2,184" in explained


def test_with_a_grant_on_one_pool_another_pool_of_the_flavor_is_no_longer_fundable(
    world, plant, owner_client
):
    """Approved once for CPU, with the grant on the chosen match's pool (not the first CPU
    pool): the other CPU pool cannot be paid for (a second application would be refused), so
    its matches are marked unfunded."""
    from deployment.programmes.deciding import application_decide
    from onestop.models import Programme

    _check, boastful, _modest, _cpu = plant
    chosen = make.pool(flavor="cpu", name="Second CPU", price_per_unit_hour=200)
    owner_client.post(
        reverse("diagnosis:match_choose"), {"version": boastful.pk, "pool": chosen.pk}
    )
    application = make.application(
        world.company_a,
        world.owner_a,
        Programme.objects.get(),
        flavor="cpu",
        evidence={"match": {"pool_id": chosen.pk}},
    )
    application_decide(application=application, reviewer=world.officer, approve=True, score=80)
    assert application.grants.get().pool == chosen  # the chosen match's pool, not the first
    page = owner_client.get(reverse("diagnosis:matching")).content.decode()
    cards = page.split('data-testid="match"')[1:]
    first_pool = [c for c in cards if "→ CPU pool" in c.split("</h3>")[0]]
    assert first_pool
    assert all('data-testid="unfunded"' in c for c in first_pool)
    assert all(
        'data-testid="unfunded"' not in c for c in cards if "Second CPU" in c.split("</h3>")[0]
    )


def test_equal_scores_keep_one_order_the_older_version_and_the_earlier_pool_first(
    world, monkeypatch
):
    """Ties are common (versions of one family, pools of one flavor): the list shown must not
    reshuffle between two visits, so a tie goes to the older version, then the older pool;
    and scoring the catalog a block at a time picks the same pairs as scoring it at once."""
    family = make.family(world.partner_p, name="Twins")
    versions = [make.version(family, version=f"1.{n}") for n in range(3)]
    pools = [make.pool(flavor="cpu", name=f"CPU {n}", price_per_unit_hour=300) for n in range(2)]
    make.version(make.family(world.partner_q, name="Slow"), latency_ms={"batch_1": 900.0})
    matches = rank(world.company_a, limit=4)
    assert len({m.total for m in matches}) == 1
    assert [(m.version.pk, m.pool.pk) for m in matches] == [
        (versions[0].pk, pools[0].pk),
        (versions[0].pk, pools[1].pk),
        (versions[1].pk, pools[0].pk),
        (versions[1].pk, pools[1].pk),
    ]
    assert [(m.version.pk, m.pool.pk) for m in rank(world.company_a, limit=4)] == [
        (m.version.pk, m.pool.pk) for m in matches
    ]
    whole = [(m.version.pk, m.pool.pk, m.total) for m in rank(world.company_a, limit=7)]
    monkeypatch.setattr("diagnosis.matching.rank.BLOCK", 1)  # one version at a time
    assert [(m.version.pk, m.pool.pk, m.total) for m in rank(world.company_a, limit=7)] == whole
    assert whole[-1][2] < whole[0][2]  # the slow model comes last
