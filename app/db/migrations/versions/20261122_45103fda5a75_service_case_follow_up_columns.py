"""Optional registry columns on service cases: assessed, followed up, closed, extended, category.

Revision ID: 45103fda5a75
Revises: e070b6ad8fe3
Create Date: 2026-11-22 15:55:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db.types

revision: str = "45103fda5a75"
down_revision: str | None = "e070b6ad8fe3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("service_case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("assessed_at", app.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("followed_up_at", app.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("closed_at", app.db.types.UTCDateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(sa.Column("extended", sa.Boolean(), nullable=True))
        batch_op.add_column(
            sa.Column("category", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("service_case", schema=None) as batch_op:
        batch_op.drop_column("category")
        batch_op.drop_column("extended")
        batch_op.drop_column("closed_at")
        batch_op.drop_column("followed_up_at")
        batch_op.drop_column("assessed_at")
