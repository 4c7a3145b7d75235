"""The quick start: eleven questions on one page place the factory on a level, rank its use
cases for matching, mark the dashboard's first step done with the next one proposed, and fill
in the full diagnosis when it starts."""

import pytest
from django.urls import reverse

from diagnosis.matching.rank import context_for
from diagnosis.models import Answer, Screening
from diagnosis.questionnaire.screening import QUESTIONS, screening_questions
from diagnosis.services.assessments import assessment_start
from diagnosis.services.screening import screening_questionnaire
from onestop.journey import journey_for, next_step
from tests.diagnosis_factories import publish

# A plant with connected machines, five years of labelled data and downtime as its worry.
ANSWERS = {
    "q_digital_strategy": "2",
    "q_machine_connectivity": "4",
    "q_quality_inspection": "3",
    "q_data_collected_digitally": "yes",
    "q_data_history_years": "5",
    "q_data_granularity": "4",
    "q_data_labels": ["defect_type_cause", "failure_records"],
    "q_plant_network": "3",
    "q_digital_skills": "2",
    "q_energy_metering": "1",
    "q_kpi_priority__downtime": "3",
    "q_kpi_priority__quality": "2",
}


@pytest.fixture
def published(db):
    publish()


def test_every_screening_question_is_in_the_questionnaire_and_there_are_about_ten(published):
    spec = screening_questionnaire().spec
    assert [q.code for q in screening_questions(spec)] == list(QUESTIONS)
    assert 9 <= len(QUESTIONS) <= 12


def test_the_page_asks_the_questions_on_one_page(published, owner_client):
    page = owner_client.get(reverse("diagnosis:screening"))
    assert page.status_code == 200
    text = page.content.decode()
    assert text.count("data-question=") == len(QUESTIONS)
    assert 'data-testid="screening-result"' not in text


def test_answering_places_the_factory_and_opens_the_data_check_and_matching(
    published, owner_client, world
):
    response = owner_client.post(reverse("diagnosis:screening"), ANSWERS)
    assert response.status_code == 302
    screening = Screening.objects.get(company=world.company_a)
    assert 1 <= screening.level <= 5
    assert screening.answers["machine_connectivity"] == 4
    page = owner_client.get(reverse("diagnosis:screening")).content.decode()
    assert 'data-testid="screening-result"' in page
    assert page.count('data-testid="screening-use-case"') == 3
    assert 'data-testid="go-data-check"' in page  # no data check yet: that is the next step
    # Matching ranks use cases from the screening, as it would from a diagnosis.
    context = context_for(world.company_a)
    assert context.has_diagnosis
    assert max(context.use_cases.values()) == 1.0
    # The dashboard: the first step is done and the next one says how long it takes.
    steps = journey_for(world.company_a)
    assert steps[0].state == "done"
    upcoming = next_step(steps)
    assert upcoming.key == "match"
    assert upcoming.url == reverse("diagnosis:data_home")
    assert upcoming.minutes == 8
    dashboard = owner_client.get(reverse("dashboard")).content.decode()
    assert 'data-testid="next-step-minutes"' in dashboard


def test_the_full_diagnosis_starts_with_the_screening_s_answers(published, owner_client, world):
    owner_client.post(reverse("diagnosis:screening"), {**ANSWERS, "q_data_labels": []})
    assessment = assessment_start(company=world.company_a, user=world.owner_a)
    filled = dict(
        Answer.objects.filter(respondent__assessment=assessment).values_list("question", "value")
    )
    assert filled["machine_connectivity"] == 4
    assert filled["data_collected_digitally"] == "yes"
    assert set(filled) <= set(QUESTIONS)


def test_too_few_answers_or_a_wrong_one_are_refused_with_a_reason(published, owner_client, world):
    few = owner_client.post(reverse("diagnosis:screening"), {"q_digital_strategy": "2"})
    assert few.status_code == 400
    assert "최소 6개" in few.content.decode()
    wrong = owner_client.post(reverse("diagnosis:screening"), {**ANSWERS, "q_plant_network": "9"})
    assert wrong.status_code == 400
    assert not Screening.objects.exists()


def test_a_new_company_s_dashboard_proposes_the_quick_start_first(published, owner_client):
    dashboard = owner_client.get(reverse("dashboard")).content.decode()
    go = dashboard.split('data-testid="next-step"')[1]
    assert reverse("diagnosis:screening") in go
    assert "5분" in go


def test_the_use_cases_evidence_shows_the_answers_given_not_their_scores(published, owner_client):
    owner_client.post(reverse("diagnosis:screening"), ANSWERS)
    page = owner_client.get(reverse("diagnosis:screening")).content.decode()
    evidence = page.split('id="use-cases-title"')[1].split('data-testid="screening-next"')[0]
    assert "불량 유형과 원인" in evidence  # a ticked option, in words
    assert "5 년" in evidence or "5년" in evidence  # the years of history, with its unit
    assert "%</li>" not in evidence  # no bare scores


def test_a_hidden_question_s_leftover_is_no_error(published, owner_client, world):
    """Years typed, then "not recorded digitally": the years question is hidden, not wrong."""
    answers = {**ANSWERS, "q_data_collected_digitally": "no", "q_data_history_years": "2년"}
    response = owner_client.post(reverse("diagnosis:screening"), answers)
    assert response.status_code == 302
    assert "data_history_years" not in Screening.objects.get(company=world.company_a).answers
