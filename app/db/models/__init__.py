"""All tables. Importing this module registers every model on the shared metadata."""

from app.db.base import metadata
from app.db.models.api_token import ApiToken
from app.db.models.assignment import AssessorAssignment
from app.db.models.audit import AuditEntry
from app.db.models.audit_head import AuditHeadSignature
from app.db.models.background_job import BackgroundJob
from app.db.models.certificate import Certificate
from app.db.models.draw import SampledCase, SampleDraw
from app.db.models.escalation import Escalation
from app.db.models.escalation_rule import EscalationRule
from app.db.models.evidence import Evidence
from app.db.models.fieldwork import OutboxMessage, ReminderToken, SurveyDraft
from app.db.models.finding import Finding
from app.db.models.finding_decision import FindingDecision
from app.db.models.invitation import Invitation
from app.db.models.observation import ObservationVisit
from app.db.models.plan import ScoringPlan
from app.db.models.questionnaire import QuestionnaireVersion
from app.db.models.rectification_plan import RectificationPlan
from app.db.models.registry import CaseRegistry, QuarantinedRow, ServiceCase
from app.db.models.response import Answer, SurveyResponse
from app.db.models.round import EvaluationRound, RoundEnterprise
from app.db.models.scorecard import Scorecard
from app.db.models.tenancy import Enterprise, EvaluationBody
from app.db.models.user import Role, User
from app.db.models.web_session import PasswordResetToken, WebSession

__all__ = [
    "Answer",
    "ApiToken",
    "AssessorAssignment",
    "AuditEntry",
    "AuditHeadSignature",
    "BackgroundJob",
    "CaseRegistry",
    "Certificate",
    "Enterprise",
    "Escalation",
    "EscalationRule",
    "EvaluationBody",
    "EvaluationRound",
    "Evidence",
    "Finding",
    "FindingDecision",
    "Invitation",
    "ObservationVisit",
    "OutboxMessage",
    "PasswordResetToken",
    "QuarantinedRow",
    "QuestionnaireVersion",
    "RectificationPlan",
    "ReminderToken",
    "Role",
    "RoundEnterprise",
    "SampleDraw",
    "SampledCase",
    "Scorecard",
    "ScoringPlan",
    "ServiceCase",
    "SurveyDraft",
    "SurveyResponse",
    "User",
    "WebSession",
    "metadata",
]
