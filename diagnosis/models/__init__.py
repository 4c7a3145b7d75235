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
from diagnosis.models.peers import CohortScore, CohortSummary
from diagnosis.models.questionnaire import Questionnaire
from diagnosis.models.screening import Screening
from diagnosis.models.skills import (
    Course,
    Enrolment,
    SelfCheck,
    SkillLevel,
    SkillRole,
    StaffMember,
)
from diagnosis.models.workspace import ActionItem, ApplicationDraft, UploadConsent, VisitNote

__all__ = [
    "ActionItem",
    "Answer",
    "ApplicationDraft",
    "Assessment",
    "AssessmentResult",
    "CohortScore",
    "CohortSummary",
    "ColumnMapping",
    "Course",
    "DataCheck",
    "DataEvaluation",
    "DiagnosisShare",
    "Enrolment",
    "FeasibilityStudy",
    "JobStatus",
    "MatchChoice",
    "MatchingNeeds",
    "MatchingPolicy",
    "Questionnaire",
    "Respondent",
    "ReviewComment",
    "Screening",
    "SelfCheck",
    "SkillLevel",
    "SkillRole",
    "StaffMember",
    "UploadConsent",
    "VisitNote",
]
