"""Fieldwork: save-and-resume drafts, the message outbox and reminder tokens.

Revision ID: c4f1a8e27b90
Revises: ea9567638275
Create Date: 2026-11-22 13:20:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db.types

revision: str = "c4f1a8e27b90"
down_revision: str | None = "ea9567638275"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BigId = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "survey_draft",
        sa.Column("id", BigId, nullable=False),
        sa.Column("invitation_id", BigId, nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("screen", sa.Integer(), nullable=False),
        sa.Column("started_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitation.id"],
            name=op.f("fk_survey_draft_invitation_id_invitation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_survey_draft")),
        sa.UniqueConstraint("invitation_id", name=op.f("uq_survey_draft_invitation_id")),
    )
    op.create_table(
        "outbox_message",
        sa.Column("id", BigId, nullable=False),
        sa.Column("invitation_id", BigId, nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("channel", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("last_error", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("created_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", app.db.types.UTCDateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "status IN ('queued', 'sent', 'failed', 'skipped')",
            name=op.f("ck_outbox_message_status_known"),
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitation.id"],
            name=op.f("fk_outbox_message_invitation_id_invitation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint(
            "invitation_id", "number", name=op.f("uq_outbox_message_invitation_id_number")
        ),
    )
    op.create_index(
        op.f("ix_outbox_message_invitation_id"), "outbox_message", ["invitation_id"], unique=False
    )
    op.create_table(
        "reminder_token",
        sa.Column("id", BigId, nullable=False),
        sa.Column("invitation_id", BigId, nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["invitation_id"],
            ["invitation.id"],
            name=op.f("fk_reminder_token_invitation_id_invitation"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reminder_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_reminder_token_token_hash")),
    )
    op.create_index(
        op.f("ix_reminder_token_invitation_id"), "reminder_token", ["invitation_id"], unique=False
    )


def downgrade() -> None:
    op.drop_index(op.f("ix_reminder_token_invitation_id"), table_name="reminder_token")
    op.drop_table("reminder_token")
    op.drop_index(op.f("ix_outbox_message_invitation_id"), table_name="outbox_message")
    op.drop_table("outbox_message")
    op.drop_table("survey_draft")
