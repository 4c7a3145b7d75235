import io

import pytest
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext
from pypdf import PdfReader

from diagnosis.models import CohortScore
from diagnosis.questionnaire.peers import COHORT_MIN, peer_benchmark
from onestop.korea import Region
from tests import factories
from tests.diagnosis_factories import answer, open_assessment, submitted_assessment


def peers(count, **company_fields):
    companies = []
    for n in range(count):
        owner = factories.make_user()
        company = factories.make_company(owner=owner, **company_fields)
        submitted_assessment(company, owner, seed=100 + n, maturity=0.3 + 0.05 * n)
        companies.append(company)
    return companies


def benchmark_for(assessment):
    return peer_benchmark(
        company=assessment.company,
        questionnaire_code="manufacturing-ai-readiness",
        scores={**assessment.result.dimensions, "overall": assessment.result.overall},
    )


def test_a_cohort_smaller_than_five_is_hidden_and_a_broader_one_used(world):
    mine = submitted_assessment(world.company_a, world.owner_a, seed=1)
    same = {"ksic_division": "29", "employee_band": world.company_a.employee_band}
    peers(COHORT_MIN - 1, region=world.company_a.region, **same)  # 4 in my region
    peers(3, region=Region.SEOUL, **same)  # 3 more of my industry and size elsewhere
    benchmark = benchmark_for(mine)
    assert benchmark.narrowest_n == 4
    assert benchmark.keys == ("ksic_section", "employee_band")
    assert benchmark.fell_back
    assert benchmark.n == 7
    assert benchmark.standings["overall"].n == 7
    from diagnosis.questionnaire.report import cohort_label

    with translation.override("en"):
        label = cohort_label(benchmark, world.company_a)
    assert "Compared with 7 companies" in label
    assert "(4 do), so a broader group is used" in label


def test_with_fewer_than_five_peers_in_all_no_comparison_is_shown(world, owner_client):
    mine = submitted_assessment(world.company_a, world.owner_a, seed=1)
    peers(COHORT_MIN - 1, region=world.company_a.region)
    benchmark = benchmark_for(mine)
    assert not benchmark.shown
    assert benchmark.standings == {}
    response = owner_client.get(reverse("diagnosis:report", args=[mine.pk]))
    with translation.override("ko"):
        expected = gettext(
            "Fewer than 5 comparable companies have submitted an assessment yet, "
            "so no peer comparison is shown."
        )
    assert response.context["report"].cohort_label == expected
    page = response.content.decode()
    assert expected in page
    assert "series-cohort" not in page  # no cohort polygon on the radar


def test_percentile_and_median_come_from_the_peers_scores(world):
    mine = submitted_assessment(world.company_a, world.owner_a, seed=1)
    companies = peers(
        5,
        region=world.company_a.region,
        ksic_division="29",
        employee_band=world.company_a.employee_band,
    )
    scores = sorted(
        CohortScore.objects.filter(company__in=companies, dimension="overall").values_list(
            "score", flat=True
        )
    )
    standing = benchmark_for(mine).standings["overall"]
    below = sum(s < mine.result.overall for s in scores) + 0.5 * sum(
        s == mine.result.overall for s in scores
    )
    assert standing.n == 5
    assert standing.median == pytest.approx(scores[2], abs=0.05)
    assert standing.percentile == pytest.approx(100 * below / 5, abs=0.05)


def test_the_report_shows_radar_roadmap_and_stage_changes(world, owner_client):
    first = submitted_assessment(world.company_a, world.owner_a, seed=1, maturity=0.3)
    second = submitted_assessment(world.company_a, world.owner_a, seed=2, maturity=0.7)
    page = owner_client.get(reverse("diagnosis:report", args=[second.pk]))
    report = page.context["report"]
    assert report.previous == first
    assert report.overall_change == pytest.approx(
        second.result.overall - first.result.overall, abs=0.1
    )
    html = page.content.decode()
    assert 'data-testid="radar"' in html
    assert "<polygon" in html
    assert 'data-testid="roadmap"' in html
    assert len(report.use_cases) == 7


def test_the_report_costs_the_same_queries_for_one_or_many_respondents(
    world, owner_client, django_assert_num_queries
):
    one = submitted_assessment(world.company_a, world.owner_a, seed=1)
    many = open_assessment(world.company_b, world.owner_b)
    answer(many, world.owner_b, seed=2)
    answer(many, world.teammate_b, seed=3)
    for n in range(3):
        person = factories.make_user()
        factories.add_member(world.company_b, person)
        answer(many, person, seed=10 + n)
    from diagnosis.services.assessments import assessment_submit

    assessment_submit(assessment=many, user=world.owner_b)
    many.refresh_from_db()
    owner_client.get(reverse("diagnosis:report", args=[one.pk]))  # warm the session
    client_b = factories_client(world.owner_b)
    client_b.get(reverse("diagnosis:report", args=[many.pk]))
    # 1 session, 2 user, 3 membership with company, 4 assessment with questionnaire, company
    # and result, 5 the previous stage, 6 the company's own benchmark entry, 7 every cohort's
    # size at once (no cohort is big enough here, so no standings query), 8 comments, 9 the
    # latest data check, 10 the layout's partner link, 11 the company switcher, 12 the unread
    # notifications, 13–14 the respondents and their answers (the use cases' evidence shows
    # what was answered): the same whether 1 or 5 people answered.
    with django_assert_num_queries(14):
        owner_client.get(reverse("diagnosis:report", args=[one.pk]))
    with django_assert_num_queries(14):
        client_b.get(reverse("diagnosis:report", args=[many.pk]))
    assert many.result.respondent_count == 5


def factories_client(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize(("language", "expected"), [("ko", "에이정밀"), ("en", "AI readiness")])
def test_the_pdf_is_a_real_pdf_in_the_chosen_language(world, owner_client, language, expected):
    mine = submitted_assessment(world.company_a, world.owner_a, seed=1)
    owner_client.post(reverse("set_language"), {"language": language, "next": "/"})
    response = owner_client.get(reverse("diagnosis:report_pdf", args=[mine.pk]))
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF-")
    reader = PdfReader(io.BytesIO(response.content))
    text = "".join(page.extract_text() for page in reader.pages)
    assert expected in text
    assert "에이정밀" in text  # the company's name, embedded in a Korean-capable font
    english, korean = "Scores by dimension", "영역별 점수"
    if language == "ko":
        assert korean in text
        assert english not in text
    else:
        assert english in text
        assert korean not in text


def test_a_consultant_comments_and_the_company_sees_it(world, owner_client):
    mine = submitted_assessment(world.company_a, world.owner_a, seed=1)
    consultant = factories_client(world.consultant_a)
    consultant.post(
        reverse("diagnosis:consultant_comment", args=[mine.pk]),
        {"text": "데이터 수집부터 시작하세요.", "dimension": "data"},
    )
    page = owner_client.get(reverse("diagnosis:report", args=[mine.pk])).content.decode()
    assert "데이터 수집부터 시작하세요." in page


def test_with_peers_and_a_previous_stage_the_query_count_is_still_fixed(
    world, owner_client, django_assert_num_queries
):
    from diagnosis.services.assessments import assessment_start, assessment_submit

    peers(
        5,
        region=world.company_a.region,
        ksic_division="29",
        employee_band=world.company_a.employee_band,
    )
    submitted_assessment(world.company_a, world.owner_a, seed=1)
    second = assessment_start(company=world.company_a, user=world.owner_a)
    for n, person in enumerate([world.owner_a, world.member_a]):
        answer(second, person, seed=20 + n)
    assessment_submit(assessment=second, user=world.owner_a)
    url = reverse("diagnosis:report", args=[second.pk])
    owner_client.get(url)
    # 1 session, 2 user, 3 membership, 4 assessment with questionnaire, company and result,
    # 5 the previous stage with its result, 6 the company's own benchmark entry, 7 every
    # cohort's size at once (the narrowest has 5: enough), 8 the cohort's score buckets,
    # 9 comments, 10 the latest data check, 11 the layout's partner link, 12 the company
    # switcher, 13 the unread notifications, 14–15 the respondents and their answers, 16 the
    # company's people for the skills change since the previous stage (none listed here).
    with django_assert_num_queries(16):
        page = owner_client.get(url)
    report = page.context["report"]
    assert report.previous is not None
    assert report.benchmark.keys == ("ksic_section", "employee_band", "region")
    assert report.overall_standing.n == 5


def test_a_dimension_that_fewer_than_five_peers_answered_is_not_compared(world):
    from diagnosis.questionnaire.scoring import NA
    from diagnosis.questionnaire.simulated import simulated_answers
    from diagnosis.services.assessments import assessment_submit

    mine = submitted_assessment(world.company_a, world.owner_a, seed=1)
    same = {
        "region": world.company_a.region,
        "ksic_division": "29",
        "employee_band": world.company_a.employee_band,
    }
    peers(3, **same)
    # Three peers mark the whole green section "not applicable": they have no green score.
    spec = mine.questionnaire.spec
    for n in range(3):
        owner = factories.make_user()
        company = factories.make_company(owner=owner, **same)
        peer = open_assessment(company, owner)
        answers = simulated_answers(spec, maturity=0.5, seed=200 + n)
        for code, question in spec.questions.items():
            if question.dimension == "green":
                answers[code] = NA
        answer(peer, owner, answers=answers)
        assessment_submit(assessment=peer, user=owner)
    assert CohortScore.objects.filter(dimension="green").count() == 4  # mine and three peers
    standings = benchmark_for(mine).standings
    assert standings["overall"].n == 6
    assert "green" not in standings


def test_radar_labels_are_broken_into_short_lines_and_have_room_at_the_sides():
    from diagnosis.questionnaire.radar import Series, label_lines, radar

    assert label_lines("생산 현장의 자동화와 연결") == ["생산 현장의", "자동화와 연결"]
    assert label_lines("데이터 관리") == ["데이터 관리"]
    chart = radar(
        ["전략과 리더십", "생산 현장의 자동화와 연결", "거버넌스와 보안"],
        [Series("company", "귀사", [50, 40, 30])],
    )
    assert all(len(line) <= 8 or " " not in line for a in chart.axes for line in a.lines)
    # The side labels start or end inside the drawing, which is wider than the square.
    left = min(a.label_x for a in chart.axes)
    assert left > -chart.pad
    assert chart.view_box.startswith(f"{-chart.pad:g} 0 ")
