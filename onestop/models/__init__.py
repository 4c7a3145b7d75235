from onestop.models.audit import AuditEntry
from onestop.models.company import Company, Invitation, Membership
from onestop.models.idempotency import IdempotencyRecord
from onestop.models.notification import Notification
from onestop.models.partner import ApiKey, Partner, PartnerMembership
from onestop.models.programme import Application, Programme, ProgrammeFlavor, ProgressReport
from onestop.models.staff import ConsultantAssignment, StaffProfile
from onestop.models.user import User

__all__ = [
    "ApiKey",
    "Application",
    "AuditEntry",
    "Company",
    "ConsultantAssignment",
    "IdempotencyRecord",
    "Invitation",
    "Membership",
    "Notification",
    "Partner",
    "PartnerMembership",
    "Programme",
    "ProgrammeFlavor",
    "ProgressReport",
    "StaffProfile",
    "User",
]
