"""On-site observation visits and random assessor assignment records.

Revision ID: d5a8f3c21e67
Revises: ea9567638275
Create Date: 2026-11-22 13:38:32.824514
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db.types

revision: str = "d5a8f3c21e67"
down_revision: str | None = "ea9567638275"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessor_assignment",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("seed", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("record", sa.JSON(), nullable=False),
        sa.Column("created_by", sa.Integer(), nullable=True),
        sa.Column("created_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["created_by"], ["app_user.id"], name=op.f("fk_assessor_assignment_created_by_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["evaluation_round.id"],
            name=op.f("fk_assessor_assignment_round_id_evaluation_round"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessor_assignment")),
        sa.UniqueConstraint("round_id", name=op.f("uq_assessor_assignment_round_id")),
    )
    op.create_table(
        "observation_visit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("round_id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("questionnaire_version_id", sa.Integer(), nullable=False),
        sa.Column("assessor_id", sa.Integer(), nullable=True),
        sa.Column("outlet", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("visit_date", sa.Date(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=False),
        sa.Column("notes", sqlmodel.sql.sqltypes.AutoString(length=4000), nullable=False),
        sa.Column("created_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["assessor_id"], ["app_user.id"], name=op.f("fk_observation_visit_assessor_id_app_user")
        ),
        sa.ForeignKeyConstraint(
            ["enterprise_id"],
            ["enterprise.id"],
            name=op.f("fk_observation_visit_enterprise_id_enterprise"),
        ),
        sa.ForeignKeyConstraint(
            ["questionnaire_version_id"],
            ["questionnaire_version.id"],
            name=op.f("fk_observation_visit_questionnaire_version_id_questionnaire_version"),
        ),
        sa.ForeignKeyConstraint(
            ["round_id"],
            ["evaluation_round.id"],
            name=op.f("fk_observation_visit_round_id_evaluation_round"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_observation_visit")),
    )
    with op.batch_alter_table("observation_visit", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_observation_visit_enterprise_id"), ["enterprise_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_observation_visit_round_id"), ["round_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("observation_visit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_observation_visit_round_id"))
        batch_op.drop_index(batch_op.f("ix_observation_visit_enterprise_id"))

    op.drop_table("observation_visit")
    op.drop_table("assessor_assignment")
