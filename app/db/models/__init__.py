"""All tables. Importing this module registers every model on the shared metadata."""

from app.db.base import metadata
from app.db.models.audit import AuditEntry
from app.db.models.certificate import Certificate
from app.db.models.draw import SampledCase, SampleDraw
from app.db.models.invitation import Invitation
from app.db.models.plan import ScoringPlan
from app.db.models.questionnaire import QuestionnaireVersion
from app.db.models.registry import CaseRegistry, QuarantinedRow, ServiceCase
from app.db.models.response import Answer, SurveyResponse
from app.db.models.round import EvaluationRound, RoundEnterprise
from app.db.models.scorecard import Scorecard
from app.db.models.tenancy import Enterprise, EvaluationBody
from app.db.models.user import Role, User

__all__ = [
    "Answer",
    "AuditEntry",
    "CaseRegistry",
    "Certificate",
    "Enterprise",
    "EvaluationBody",
    "EvaluationRound",
    "Invitation",
    "QuarantinedRow",
    "QuestionnaireVersion",
    "Role",
    "RoundEnterprise",
    "SampleDraw",
    "SampledCase",
    "Scorecard",
    "ScoringPlan",
    "ServiceCase",
    "SurveyResponse",
    "User",
    "metadata",
]
