"""Applying for accelerator time: the application, its review, the grant it creates, and the
waitlist when the pools are fully promised."""

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from deployment.models import Grant
from deployment.programmes.deciding import application_decide
from deployment.programmes.waitlist import waitlist_advance
from onestop.models import Application
from tests import deployment_factories as make


@pytest.fixture
def npu(db):
    return make.pool(flavor="rbln-atom", name="ATOM", capacity_units=2)


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


def test_an_owner_applies_with_the_evidence_of_the_match(world, owner_client, npu):
    programme = make.programme()
    url = reverse("application_new", args=[programme.pk])
    page = owner_client.get(url).content.decode()
    assert 'data-testid="evidence"' in page
    response = owner_client.post(
        url,
        {
            "flavor": "rbln-atom",
            "units": 2,
            "quarterly_plan": "100, 200, 300, 300, 300, 300, 300, 300",
            "purpose": "예지 보전",
        },
    )
    assert response.status_code == 302
    application = Application.objects.get()
    assert (application.company, application.units, application.state) == (
        world.company_a,
        2,
        "submitted",
    )
    assert application.quarterly_plan == [100, 200, 300, 300, 300, 300, 300, 300]


def test_a_bad_plan_and_a_duplicate_are_explained(world, owner_client, npu):
    programme = make.programme()
    url = reverse("application_new", args=[programme.pk])
    response = owner_client.post(
        url, {"flavor": "rbln-atom", "units": 2, "quarterly_plan": "1, 2", "purpose": "x"}
    )
    explained = "8개 분기 각각에 숫자를 하나씩 입력하세요."  # one number per quarter of 2 years
    assert response.context["form"].errors["quarterly_plan"] == [explained]
    assert explained in response.content.decode()
    assert not Application.objects.exists()
    make.application(world.company_a, world.owner_a, programme)
    with pytest.raises(ValidationError):
        make.application(world.company_a, world.owner_a, programme)


def test_approval_grants_the_staged_share_and_the_waitlist_gets_the_rest(world, npu):
    programme = make.programme()
    first = make.application(world.company_a, world.owner_a, programme, units=4)
    second = make.application(world.company_b, world.owner_b, programme, units=2)
    first = application_decide(application=first, reviewer=world.officer, approve=True, score=80)
    assert first.state == "approved"
    grant = Grant.objects.get(company=world.company_a)
    assert grant.guarantee_units == 2  # half at award
    assert grant.unit_hours_budget == 4000
    second = application_decide(
        application=second, reviewer=world.consultant_a, approve=True, score=70
    )
    assert second.state == "waitlisted"
    assert second.waitlist_position == 1
    npu.capacity_units = 4
    npu.save()
    assert waitlist_advance("rbln-atom") == [second]
    assert Application.objects.get(pk=second.pk).state == "approved"
    assert Grant.objects.filter(company=world.company_b).exists()


def test_the_consultant_reviews_and_the_grant_shows_on_the_dashboard(world, owner_client, npu):
    application = make.application(world.company_a, world.owner_a)
    consultant = signed_in(world.consultant_a)
    url = reverse("consultant_application", args=[application.pk])
    assert "<dd>설비 고장 예측 엔드포인트</dd>" in consultant.get(url).content.decode()  # purpose
    consultant.post(url, {"score": 85, "comment": "계획이 구체적입니다.", "decision": "approve"})
    application.refresh_from_db()
    assert application.state == "approved"
    assert application.reviewed_by == world.consultant_a
    dashboard = owner_client.get(reverse("dashboard")).content.decode()
    assert "ATOM" in dashboard
    assert "ATOM" in owner_client.get(reverse("programmes")).content.decode()


def test_a_decided_application_is_not_decided_again(world, npu):
    application = make.application(world.company_a, world.owner_a)
    application_decide(application=application, reviewer=world.officer, approve=False, score=20)
    with pytest.raises(ValidationError):
        application_decide(application=application, reviewer=world.officer, approve=True, score=90)


def test_providers_read_the_grants_on_their_pools_through_the_api(world, npu):
    from rest_framework.test import APIClient

    application = make.application(world.company_a, world.owner_a)
    application_decide(application=application, reviewer=world.officer, approve=True, score=80)
    _key, raw = factories_key(npu.provider)
    provider = APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}")
    body = provider.get(reverse("deployment_api:grants")).json()
    assert [(g["company"], g["flavor"], g["guarantee_units"]) for g in body["results"]] == [
        (world.company_a.name, "rbln-atom", 1)
    ]
    other = make.provider()
    _key, raw = factories_key(other)
    assert (
        APIClient(HTTP_AUTHORIZATION=f"Bearer {raw}")
        .get(reverse("deployment_api:grants"))
        .json()["results"]
        == []
    )
    programmes = provider.get(reverse("deployment_api:programmes")).json()["results"]
    assert programmes[0]["flavors"][0]["flavor"] == "nvidia-h200"


def factories_key(partner):
    from tests import factories

    return factories.make_api_key(partner, "ops")


def approved(world, company, owner, units=2):
    application = make.application(company, owner, units=units)
    return application_decide(
        application=application, reviewer=world.officer, approve=True, score=80
    )


def test_the_first_accepted_report_releases_the_rest_of_the_guarantee(world, npu, owner_client):
    from deployment.programmes.evaluation import report_evaluate
    from onestop.services.programmes import report_submit

    npu.capacity_units = 4
    npu.save()
    application = approved(world, world.company_a, world.owner_a, units=4)
    grant = Grant.objects.get(company=world.company_a)
    assert grant.guarantee_units == 2
    page = owner_client.get(reverse("programmes")).content.decode()
    assert 'data-testid="write-report"' in page
    owner_client.post(
        reverse("report_edit", args=[application.pk, 1]),
        {"kpis": "불량률 30% 감소", "products": "예측 모델, 엔드포인트 1개", "deviations": ""},
    )
    report = application.reports.get(month=1)
    _report, released = report_evaluate(
        report=report, reviewer=world.officer, score=60, evaluation="부족", accept=False
    )
    assert not released
    grant.refresh_from_db()
    assert grant.guarantee_units == 2
    report_submit(
        application=application,
        user=world.owner_a,
        month=1,
        kpis="불량률 35% 감소",
        products="모델",
    )
    _report, released = report_evaluate(
        report=report, reviewer=world.officer, score=85, evaluation="좋음", accept=True
    )
    assert released
    grant.refresh_from_db()
    assert grant.guarantee_units == 4
    with pytest.raises(ValidationError):
        report_submit(application=application, user=world.owner_a, month=1, kpis="x", products="y")


def test_top_performers_are_ranked_and_extended_once(world, npu):
    from deployment.programmes.extension import extension_candidates, extension_grant
    from onestop.models import ProgressReport

    npu.capacity_units = 4
    npu.save()
    first = approved(world, world.company_a, world.owner_a)
    second = approved(world, world.company_b, world.owner_b)
    ProgressReport.objects.create(
        application=first, month=1, kpis="k", products="p", state="accepted", score=70
    )
    ProgressReport.objects.create(
        application=second, month=1, kpis="k", products="p", state="accepted", score=90
    )
    ranked = extension_candidates(Application.objects.all())
    assert [a for _score, _usage, a in ranked] == [second, first]
    grant = Grant.objects.get(company=world.company_b)
    end = grant.ends_at
    extension_grant(application=second, officer=world.officer)
    grant.refresh_from_db()
    assert (grant.ends_at - end).days == 365
    second.refresh_from_db()
    with pytest.raises(ValidationError):
        extension_grant(application=second, officer=world.officer)
    assert [a for _s, _u, a in extension_candidates(Application.objects.all())] == [first]


def test_the_review_page_shows_reports_to_evaluate(world, npu):
    from onestop.models import ProgressReport

    application = approved(world, world.company_a, world.owner_a)
    ProgressReport.objects.create(
        application=application, month=1, kpis="불량률 감소", products="모델"
    )
    page = signed_in(world.consultant_a).get(
        reverse("consultant_application", args=[application.pk])
    )
    html = page.content.decode()
    title = html.split("<title>")[1].split("</title>")[0]
    assert "<h2>" not in title
    assert 'data-testid="evaluate-report"' in html
    assert "불량률 감소" in html


def test_approvals_stay_within_the_programmes_budget(world, npu):
    from onestop.models import ProgrammeFlavor

    programme = make.programme()
    ProgrammeFlavor.objects.filter(programme=programme, flavor="rbln-atom").update(
        budget_unit_hours=6000
    )
    first = make.application(world.company_a, world.owner_a, programme, quarterly_plan=[500] * 8)
    second = make.application(world.company_b, world.owner_b, programme, quarterly_plan=[500] * 8)
    application_decide(application=first, reviewer=world.officer, approve=True, score=80)
    with pytest.raises(ValidationError, match="2,000"):
        application_decide(application=second, reviewer=world.officer, approve=True, score=80)
    second.refresh_from_db()
    assert second.state == "submitted"  # nothing changed; the officer can ask for a smaller plan


def test_between_equal_scores_measured_outcomes_rank_first(world, npu):
    """Two reports scored 80: the one with the firm's KPI before and after, backed by
    evidence, goes first, whatever the use of the grant."""
    from deployment.programmes.extension import extension_candidates
    from onestop.models import ProgressReport

    told = approved(world, world.company_a, world.owner_a)
    measured = approved(world, world.company_b, world.owner_b)
    ProgressReport.objects.create(
        application=told, month=1, kpis="좋아졌습니다", products="p", state="accepted", score=80
    )
    ProgressReport.objects.create(
        application=measured,
        month=1,
        kpis="정지 시간 40% 감소",
        products="p",
        state="accepted",
        score=80,
        kpi_before=12,
        kpi_after=7.2,
        kpi_evidence="설비 정지 일지",
    )
    ranked = extension_candidates(Application.objects.all())
    assert [a for _score, _usage, a in ranked] == [measured, told]


def test_between_equal_scores_and_kpis_the_models_checked_against_reality_rank_first(world, npu):
    """Two reports scored 80, neither with a KPI: the one whose period measured 90 % right
    answers on 200 reported labels goes before the one whose models were never checked."""
    from deployment.programmes.extension import extension_candidates
    from onestop.models import ProgressReport

    unchecked = approved(world, world.company_a, world.owner_a)
    checked = approved(world, world.company_b, world.owner_b)
    for application, facts in (
        (unchecked, {"labels": 0, "labels_right": 0}),
        (checked, {"labels": 200, "labels_right": 180, "accuracy": 0.9}),
    ):
        ProgressReport.objects.create(
            application=application,
            month=1,
            kpis="k",
            products="p",
            state="accepted",
            score=80,
            facts=facts,
        )
    ranked = extension_candidates(Application.objects.all())
    assert [a for _score, _usage, a in ranked] == [checked, unchecked]
