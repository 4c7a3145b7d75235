import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from diagnosis.models import Answer, Assessment, CohortScore
from diagnosis.services.assessments import assessment_score, assessment_start
from tests.diagnosis_factories import answer, open_assessment, publish, submitted_assessment


@pytest.fixture
def assessment(world):
    return open_assessment(world.company_a, world.owner_a)


def page_url(assessment, dimension):
    return reverse("diagnosis:answer_page", args=[assessment.pk, dimension])


def test_the_owner_starts_t0_and_lands_on_the_questionnaire(owner_client, world):
    publish()
    response = owner_client.post(reverse("diagnosis:start"))
    assessment = Assessment.objects.get(company=world.company_a)
    assert assessment.stage == "T0"
    assert response["Location"] == reverse("diagnosis:answer", args=[assessment.pk])
    first = owner_client.get(response["Location"])
    assert first["Location"] == page_url(assessment, "strategy")


def test_answers_are_saved_and_resumed_with_progress(owner_client, assessment):
    response = owner_client.post(
        page_url(assessment, "strategy"), {"q_digital_strategy": "3", "action": "next"}
    )
    assert response["Location"] == page_url(assessment, "shop_floor")
    page = owner_client.get(page_url(assessment, "strategy"))
    assert page.context["questions"][0]["value"] == 3
    assert page.context["answered"] == 1
    assert 0 < page.context["percent"] < 10
    # Resuming goes to the first page with an unanswered question.
    assert owner_client.get(reverse("diagnosis:answer", args=[assessment.pk]))[
        "Location"
    ] == page_url(assessment, "strategy")


def test_a_bad_answer_is_shown_on_the_form_and_nothing_is_saved(owner_client, assessment):
    response = owner_client.post(
        page_url(assessment, "data"),
        {"q_data_collected_digitally": "yes", "q_data_history_years": "-4", "action": "save"},
    )
    assert response.status_code == 400
    assert "data_history_years" in response.context["errors"]
    assert not Answer.objects.filter(respondent__assessment=assessment).exists()


def test_the_skip_rule_drops_answers_to_questions_it_hides(owner_client, assessment):
    owner_client.post(
        page_url(assessment, "data"),
        {"q_data_collected_digitally": "yes", "q_data_history_years": "4", "action": "save"},
    )
    assert Answer.objects.filter(question="data_history_years").exists()
    owner_client.post(
        page_url(assessment, "data"),
        {"q_data_collected_digitally": "no", "q_data_history_years": "4", "action": "save"},
    )
    assert not Answer.objects.filter(question="data_history_years").exists()
    page = owner_client.get(page_url(assessment, "data"))
    hidden = [row["q"].code for row in page.context["questions"] if not row["visible"]]
    assert "data_history_years" in hidden


def test_not_applicable_is_stored_as_such(owner_client, assessment):
    owner_client.post(
        page_url(assessment, "strategy"),
        {"na_digital_strategy": "1", "q_digital_strategy": "4", "action": "save"},
    )
    stored = Answer.objects.get(question="digital_strategy")
    assert stored.not_applicable
    assert stored.value is None


def test_a_teammate_joins_and_answers_alone(client, world, assessment):
    answer(assessment, world.owner_a, seed=3)
    client.force_login(world.member_a)
    client.post(reverse("diagnosis:respondent_add", args=[assessment.pk]), {"self": "1"})
    client.post(page_url(assessment, "strategy"), {"q_digital_strategy": "1", "action": "save"})
    owner_answer = Answer.objects.get(respondent__user=world.owner_a, question="digital_strategy")
    member_answer = Answer.objects.get(respondent__user=world.member_a, question="digital_strategy")
    assert member_answer.value == 1
    assert owner_answer.pk != member_answer.pk


def test_submission_freezes_answers_and_keeps_a_recomputable_snapshot(
    owner_client, world, assessment
):
    answer(assessment, world.owner_a, seed=4)
    answer(assessment, world.member_a, seed=5, maturity=0.8)
    asked = owner_client.post(reverse("diagnosis:submit", args=[assessment.pk]))
    assert asked.status_code == 200  # submitting asks first
    assert 'data-testid="confirm"' in asked.content.decode()
    assessment.refresh_from_db()
    assert assessment.is_open
    response = owner_client.post(
        reverse("diagnosis:submit", args=[assessment.pk]), {"confirmed": "yes"}
    )
    assert response["Location"] == reverse("diagnosis:report", args=[assessment.pk])
    assessment.refresh_from_db()
    snapshot = assessment.result
    recomputed = assessment_score(assessment)
    assert snapshot.overall == recomputed.overall
    assert snapshot.dimensions == recomputed.dimensions
    assert snapshot.respondent_count == 2
    assert (
        CohortScore.objects.filter(assessment=assessment, dimension="overall").get().score
        == snapshot.overall
    )
    # Answers can no longer change.
    late = owner_client.post(page_url(assessment, "strategy"), {"q_digital_strategy": "5"})
    assert late.status_code == 302
    assert assessment_score(assessment).overall == snapshot.overall


def test_a_member_cannot_submit_and_an_empty_assessment_is_refused(
    client, owner_client, world, assessment
):
    client.force_login(world.member_a)
    assert client.post(reverse("diagnosis:submit", args=[assessment.pk])).status_code == 403
    owner_client.post(reverse("diagnosis:submit", args=[assessment.pk]), {"confirmed": "yes"})
    assessment.refresh_from_db()
    assert assessment.is_open


def test_stages_follow_each_other(world):
    first = submitted_assessment(world.company_a, world.owner_a, seed=6)
    second = assessment_start(company=world.company_a, user=world.owner_a)
    assert (first.stage, second.stage) == ("T0", "T1")
    with pytest.raises(ValidationError) as refused:
        assessment_start(company=world.company_a, user=world.owner_a)
    assert "진행 중인 진단" in refused.value.messages[0]  # "finish the open assessment first"


def test_the_consensus_view_flags_disagreement(owner_client, world, assessment):
    spec = assessment.questionnaire.spec
    low = {code: 0 for code, q in spec.questions.items() if q.kind == "ordinal"}
    high = {code: 5 for code, q in spec.questions.items() if q.kind == "ordinal"}
    answer(assessment, world.owner_a, answers=low)
    answer(assessment, world.member_a, answers=high)
    page = owner_client.get(reverse("diagnosis:assessment", args=[assessment.pk]))
    rows = page.context["consensus"]
    assert rows
    assert all(row["disagree"] for row in rows if row["question"].kind == "ordinal")
    assert "disagree" in page.content.decode()


@pytest.mark.parametrize("prefix", ["=", "+", "-", "@", "\t", "\r"])
def test_the_csv_export_escapes_formula_cells(owner_client, world, assessment, prefix):
    answer(
        assessment,
        world.owner_a,
        answers={"main_pain_point": f"{prefix}SUM(A1)", "data_collected_digitally": "partial"},
    )
    response = owner_client.get(reverse("diagnosis:answers_csv", args=[assessment.pk]))
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    cells = {row[2]: row[4] for row in rows[1:]}
    assert cells["main_pain_point"] == f"'{prefix}SUM(A1)"
    assert cells["data_collected_digitally"] == "일부"  # the label, in the reader's language
    assert response["Content-Disposition"].startswith("attachment")


def test_teammates_see_each_others_answers_only_after_finishing(client, world, assessment):
    answer(assessment, world.owner_a, seed=4)
    client.force_login(world.member_a)
    client.post(reverse("diagnosis:respondent_add", args=[assessment.pk]), {"self": "1"})
    page = client.get(reverse("diagnosis:assessment", args=[assessment.pk]))
    assert page.context["consensus"] == []
    assert client.get(reverse("diagnosis:answers_csv", args=[assessment.pk])).status_code == 403
    client.post(page_url(assessment, "green"), {"action": "finish"})
    page = client.get(reverse("diagnosis:assessment", args=[assessment.pk]))
    assert page.context["consensus"]
