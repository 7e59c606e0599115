"""Findings, rectification plans, evidence, decisions, escalation rules and escalations.

Revision ID: 81c0cb3c46e3
Revises: e070b6ad8fe3
Create Date: 2026-11-22 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db.types

revision: str = "81c0cb3c46e3"
down_revision: str | None = "e070b6ad8fe3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "escalation_rule",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("grade_below", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=True),
        sa.Column("composite_below", sa.Float(), nullable=True),
        sa.Column("days_to_rectify", sa.Integer(), nullable=False),
        sa.Column("severity", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("escalate_when_overdue", sa.Boolean(), nullable=False),
        sa.Column("escalate_when_repeated", sa.Boolean(), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "severity IN ('minor', 'major', 'critical')",
            name=op.f("ck_escalation_rule_severity_known"),
        ),
        sa.CheckConstraint("days_to_rectify >= 1", name=op.f("ck_escalation_rule_days_positive")),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["evaluation_round.id"],
            name=op.f("fk_escalation_rule_round_id_evaluation_round"),
        ),
        sa.ForeignKeyConstraint(
            ["updated_by"], ["app_user.id"], name=op.f("fk_escalation_rule_updated_by_app_user")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation_rule")),
        sa.UniqueConstraint("round_id", name=op.f("uq_escalation_rule_round_id")),
    )
    op.create_table(
        "finding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("target_kind", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("target_code", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("severity", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("required_action", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("deadline", sa.Date(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
        sa.Column("source", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status_changed_at", app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_on", sa.Date(), nullable=True),
        sa.CheckConstraint(
            "severity IN ('minor', 'major', 'critical')", name=op.f("ck_finding_severity_known")
        ),
        sa.CheckConstraint("source IN ('assessor', 'rule')", name=op.f("ck_finding_source_known")),
        sa.CheckConstraint(
            "status IN ('open', 'plan_submitted', 'accepted', 'rejected', 'overdue', 'escalated')",
            name=op.f("ck_finding_status_known"),
        ),
        sa.CheckConstraint(
            "target_kind IN ('dimension', 'item', 'kpi', 'observation', 'composite')",
            name=op.f("ck_finding_target_kind_known"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_finding_created_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"], ["enterprise.id"], name=op.f("fk_finding_enterprise_id_enterprise")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"], ["evaluation_round.id"], name=op.f("fk_finding_round_id_evaluation_round")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding")),
    )
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_finding_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_finding_round_id"), ["round_id"], unique=False)

    op.create_table(
        "escalation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("level", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("cause", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "cause IN ('shortfall', 'overdue', 'repeated')", name=op.f("ck_escalation_cause_known")
        ),
        sa.CheckConstraint(
            "level IN ('warning', 'escalated')", name=op.f("ck_escalation_level_known")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_escalation_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["finding.id"], name=op.f("fk_escalation_finding_id_finding")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["evaluation_round.id"],
            name=op.f("fk_escalation_round_id_evaluation_round"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_escalation")),
        sa.UniqueConstraint("finding_id", "level", name=op.f("uq_escalation_finding_id_level")),
    )
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_escalation_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_escalation_finding_id"), ["finding_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_escalation_round_id"), ["round_id"], unique=False)

    op.create_table(
        "rectification_plan",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(length=8000), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=True),
        sa.Column("submitted_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["finding.id"], name=op.f("fk_rectification_plan_finding_id_finding")
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by"],
            ["app_user.id"],
            name=op.f("fk_rectification_plan_submitted_by_app_user"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rectification_plan")),
    )
    with op.batch_alter_table("rectification_plan", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_rectification_plan_finding_id"), ["finding_id"], unique=False
        )

    op.create_table(
        "evidence",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column(
            "original_filename", sqlmodel.sql.sqltypes.AutoString(length=255), nullable=False
        ),
        sa.Column("sha256", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("media_type", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("uploaded_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "media_type IN ('application/pdf', 'image/png', 'image/jpeg')",
            name=op.f("ck_evidence_media_type_known"),
        ),
        sa.CheckConstraint("size > 0", name=op.f("ck_evidence_size_positive")),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["rectification_plan.id"],
            name=op.f("fk_evidence_plan_id_rectification_plan"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evidence")),
    )
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_evidence_plan_id"), ["plan_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_evidence_sha256"), ["sha256"], unique=False)

    op.create_table(
        "finding_decision",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("finding_id", sa.Integer(), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=False),
        sa.Column("outcome", sqlmodel.sql.sqltypes.AutoString(length=8), nullable=False),
        sa.Column("reason", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "outcome IN ('accept', 'reject')", name=op.f("ck_finding_decision_outcome_known")
        ),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["app_user.id"], name=op.f("fk_finding_decision_decided_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["finding_id"], ["finding.id"], name=op.f("fk_finding_decision_finding_id_finding")
        ),
        sa.ForeignKeyConstraint(
            ["plan_id"],
            ["rectification_plan.id"],
            name=op.f("fk_finding_decision_plan_id_rectification_plan"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_finding_decision")),
        sa.UniqueConstraint("plan_id", name=op.f("uq_finding_decision_plan_id")),
    )
    with op.batch_alter_table("finding_decision", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_finding_decision_finding_id"), ["finding_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("finding_decision", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_decision_finding_id"))

    op.drop_table("finding_decision")
    with op.batch_alter_table("evidence", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_evidence_sha256"))
        batch_op.drop_index(batch_op.f("ix_evidence_plan_id"))

    op.drop_table("evidence")
    with op.batch_alter_table("rectification_plan", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_rectification_plan_finding_id"))

    op.drop_table("rectification_plan")
    with op.batch_alter_table("escalation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_escalation_round_id"))
        batch_op.drop_index(batch_op.f("ix_escalation_finding_id"))
        batch_op.drop_index(batch_op.f("ix_escalation_enterprise_id"))

    op.drop_table("escalation")
    with op.batch_alter_table("finding", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_finding_round_id"))
        batch_op.drop_index(batch_op.f("ix_finding_enterprise_id"))

    op.drop_table("finding")
    op.drop_table("escalation_rule")
