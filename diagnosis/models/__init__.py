from diagnosis.models.assessment import (
    Answer,
    Assessment,
    AssessmentResult,
    DiagnosisShare,
    Respondent,
    ReviewComment,
)
from diagnosis.models.benchmark import CohortScore
from diagnosis.models.questionnaire import Questionnaire

__all__ = [
    "Answer",
    "Assessment",
    "AssessmentResult",
    "CohortScore",
    "DiagnosisShare",
    "Questionnaire",
    "Respondent",
    "ReviewComment",
]
