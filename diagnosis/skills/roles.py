"""What each role means, and its self-check: three statements of growing skill per role.

A person's self-check level in a role is the number of statements that hold for them, counted
from the first and stopping at the first that does not: each statement needs the ones before
it, so ticking only the last one does not make an expert."""

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

from diagnosis.models import SkillRole


@dataclass(frozen=True)
class Role:
    code: str
    summary: object  # what the person does, in words a plant manager uses
    statements: tuple  # (question code, statement), level 1 first

    @property
    def name(self):
        return SkillRole(self.code).label


ROLES = {
    SkillRole.CHAMPION: Role(
        code=SkillRole.CHAMPION,
        summary=_(
            "Leads AI work in the plant: picks the problem worth solving, keeps management and "
            "the floor on board, and checks whether the model pays off."
        ),
        statements=(
            (
                "champion_explain",
                _(
                    "Can explain in plain words what an AI model would do for one of the "
                    "plant's problems (defects, stoppages, energy)."
                ),
            ),
            (
                "champion_project",
                _(
                    "Has run, or helped run, a digital or AI project until it was used on the "
                    "floor, with a KPI measured before and after."
                ),
            ),
            (
                "champion_plan",
                _(
                    "Plans the next AI projects with management: budget, support programmes "
                    "and the people needed."
                ),
            ),
        ),
    ),
    SkillRole.DATA_OWNER: Role(
        code=SkillRole.DATA_OWNER,
        summary=_(
            "Answers for the data a model learns from: what is collected, where it is kept, who "
            "may use it, and that it is complete and correct."
        ),
        statements=(
            (
                "data_where",
                _(
                    "Knows which data the plant collects (machines, quality, production) and "
                    "where each kind is kept."
                ),
            ),
            (
                "data_complete",
                _(
                    "Keeps the data for one use case complete: defects and stoppages are "
                    "recorded, gaps and wrong values are fixed."
                ),
            ),
            (
                "data_rules",
                _(
                    "Decides who may use which data, how long it is kept and how it is backed "
                    "up, and writes it down."
                ),
            ),
        ),
    ),
    SkillRole.OPERATOR: Role(
        code=SkillRole.OPERATOR,
        summary=_(
            "Works beside a running model: reads its health page, notices when the line's data "
            "no longer looks like what the model learnt from, and knows whom to call."
        ),
        statements=(
            (
                "operator_read",
                _("Can open a model's health page and say whether the model is healthy."),
            ),
            (
                "operator_alert",
                _(
                    "When a drift or accuracy alert is raised, can find the likely cause on the "
                    "line (new material, a sensor fault, a changed setting)."
                ),
            ),
            (
                "operator_labels",
                _(
                    "Reports the true results (labels) back regularly and decides with the "
                    "engineer when the model needs retraining."
                ),
            ),
        ),
    ),
    SkillRole.ENGINEER: Role(
        code=SkillRole.ENGINEER,
        summary=_(
            "Trains and retrains models on the plant's data, judges whether a new model is "
            "better, and puts it into service."
        ),
        statements=(
            (
                "engineer_prepare",
                _(
                    "Can prepare a data file for training: one row per case and a column with "
                    "the result to predict."
                ),
            ),
            (
                "engineer_train",
                _(
                    "Has trained a model (on OneStop or elsewhere) and can read its accuracy on "
                    "data it did not learn from."
                ),
            ),
            (
                "engineer_retrain",
                _(
                    "Retrains a model on newer data after an alert and decides from the numbers "
                    "whether it replaces the running one."
                ),
            ),
        ),
    ),
}


def question_codes():
    return [code for role in ROLES.values() for code, _text in role.statements]


def level_from_answers(role, answers):
    """The role's level (0–3) from ``answers`` (question code → bool)."""
    level = 0
    for code, _text in ROLES[role].statements:
        if not answers.get(code):
            break
        level += 1
    return level


def levels_from_answers(answers):
    return {str(role): level_from_answers(role, answers) for role in ROLES}
