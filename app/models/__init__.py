"""Every model, imported here so Alembic and the app see the whole schema."""

from app.models.certification import (
    AuditEntry,
    Certificate,
    CertificationPolicy,
    CompetencySignoff,
    IssuerKey,
    RenewalReminder,
)
from app.models.consultation import (
    Apology,
    AttendanceChange,
    AttendanceMark,
    CalendarFeed,
    ConsultationGroup,
    ConsultationSession,
    GroupMember,
)
from app.models.fidelity import FidelityReview
from app.models.lti import Platform, RegistrationInvitation, StoreEntry, ToolKey
from app.models.people import Director, Enrolment, Person
from app.models.quizzes import ExtraAttempt, GradeDelivery, QuizAttempt
from app.models.tenancy import Cohort, Organisation, OrganisationLogo, Program
from app.models.training import ActivityResponse, ModuleCompletion, ReflectionConsent, ToolkitPdf

__all__ = [
    "ActivityResponse",
    "Apology",
    "AttendanceChange",
    "AttendanceMark",
    "AuditEntry",
    "CalendarFeed",
    "Certificate",
    "CertificationPolicy",
    "Cohort",
    "CompetencySignoff",
    "ConsultationGroup",
    "ConsultationSession",
    "Director",
    "Enrolment",
    "ExtraAttempt",
    "FidelityReview",
    "GradeDelivery",
    "GroupMember",
    "IssuerKey",
    "ModuleCompletion",
    "Organisation",
    "OrganisationLogo",
    "Person",
    "Platform",
    "Program",
    "QuizAttempt",
    "ReflectionConsent",
    "RegistrationInvitation",
    "RenewalReminder",
    "StoreEntry",
    "ToolKey",
    "ToolkitPdf",
]
