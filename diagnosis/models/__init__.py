from diagnosis.models.assessment import (
    Answer,
    Assessment,
    AssessmentResult,
    DiagnosisShare,
    Respondent,
    ReviewComment,
)
from diagnosis.models.datacheck import DataCheck, FeasibilityStudy
from diagnosis.models.jobs import JobStatus
from diagnosis.models.matching import (
    ColumnMapping,
    DataEvaluation,
    MatchChoice,
    MatchingNeeds,
    MatchingPolicy,
)
from diagnosis.models.peers import CohortScore
from diagnosis.models.questionnaire import Questionnaire
from diagnosis.models.screening import Screening

__all__ = [
    "Answer",
    "Assessment",
    "AssessmentResult",
    "CohortScore",
    "ColumnMapping",
    "DataCheck",
    "DataEvaluation",
    "DiagnosisShare",
    "FeasibilityStudy",
    "JobStatus",
    "MatchChoice",
    "MatchingNeeds",
    "MatchingPolicy",
    "Questionnaire",
    "Respondent",
    "ReviewComment",
    "Screening",
]
