from diagnosis.models.assessment import (
    Answer,
    Assessment,
    AssessmentResult,
    DiagnosisShare,
    Respondent,
    ReviewComment,
)
from diagnosis.models.benchmark import CohortScore
from diagnosis.models.datacheck import DataCheck, FeasibilityStudy, JobStatus
from diagnosis.models.questionnaire import Questionnaire

__all__ = [
    "Answer",
    "Assessment",
    "AssessmentResult",
    "CohortScore",
    "DataCheck",
    "DiagnosisShare",
    "FeasibilityStudy",
    "JobStatus",
    "Questionnaire",
    "Respondent",
    "ReviewComment",
]
