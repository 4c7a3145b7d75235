"""Assessments for tests: built through the same services the portal uses."""

from diagnosis.models import Assessment, DiagnosisShare
from diagnosis.questionnaire.scoring import NA
from diagnosis.questionnaire.simulated import simulated_answers
from diagnosis.services.assessments import (
    answers_save,
    assessment_start,
    assessment_submit,
    respondent_add,
)
from diagnosis.services.questionnaires import questionnaire_publish_all


def publish():
    questionnaire_publish_all()


def answer(assessment, user, *, maturity=0.5, seed=0, answers=None):
    respondent = respondent_add(assessment=assessment, user=user, added_by=user)
    spec = assessment.questionnaire.spec
    answers = (
        answers if answers is not None else simulated_answers(spec, maturity=maturity, seed=seed)
    )
    answers_save(
        respondent=respondent,
        answers={c: v for c, v in answers.items() if v is not NA},
        not_applicable={c for c, v in answers.items() if v is NA},
    )
    return respondent


def submitted_assessment(company, owner, *, maturity=0.5, seed=0):
    publish()
    assessment = assessment_start(company=company, user=owner)
    answer(assessment, owner, maturity=maturity, seed=seed)
    assessment_submit(assessment=assessment, user=owner)
    return Assessment.objects.select_related("result", "questionnaire", "company").get(
        pk=assessment.pk
    )


def open_assessment(company, owner):
    publish()
    return assessment_start(company=company, user=owner)


class DiagnosisObjects:
    """For company A and B: a submitted T0, an open T1; A shares its diagnoses with partner P."""

    def __init__(self, world):
        self.submitted_a = submitted_assessment(world.company_a, world.owner_a, seed=1)
        self.submitted_b = submitted_assessment(world.company_b, world.owner_b, seed=2)
        self.open_a = open_assessment(world.company_a, world.owner_a)
        self.open_b = open_assessment(world.company_b, world.owner_b)
        self.share_a = DiagnosisShare.objects.create(
            company=world.company_a, partner=world.partner_p
        )
        self.share_b = DiagnosisShare.objects.create(
            company=world.company_b, partner=world.partner_q
        )


def diagnosis_objects(world):
    if not hasattr(world, "_diagnosis"):
        world._diagnosis = DiagnosisObjects(world)
    return world._diagnosis


# A plant with some connected machines and two years of digital data, in the quick start.
QUICK_START = {
    "digital_strategy": 2,
    "machine_connectivity": 3,
    "quality_inspection": 2,
    "data_collected_digitally": "yes",
    "data_history_years": 2,
    "data_granularity": 3,
}


def screened(company, user, **answers):
    """The company's quick start, answered by ``user``."""
    from diagnosis.services.screening import screening_questionnaire, screening_save

    publish()
    return screening_save(
        company=company,
        user=user,
        questionnaire=screening_questionnaire(),
        answers={**QUICK_START, **answers},
    )
