"""Re-evaluation link (follows_round_id) and opt-in public results (results_public) on rounds.

Revision ID: 272557c42a96
Revises: e070b6ad8fe3
Create Date: 2026-11-22 16:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "272557c42a96"
down_revision: str | None = "e070b6ad8fe3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK_NAME = "fk_evaluation_round_follows_round_id_evaluation_round"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        # SQLite adds a nullable column with its REFERENCES clause in place. Batch mode would
        # rebuild evaluation_round, and dropping the old copy trips the foreign keys of every
        # table that references a round.
        op.execute(
            "ALTER TABLE evaluation_round ADD COLUMN follows_round_id INTEGER "
            "REFERENCES evaluation_round (id)"
        )
    else:
        op.add_column(
            "evaluation_round", sa.Column("follows_round_id", sa.Integer(), nullable=True)
        )
        op.create_foreign_key(
            FK_NAME, "evaluation_round", "evaluation_round", ["follows_round_id"], ["id"]
        )
    op.add_column(
        "evaluation_round",
        sa.Column("results_public", sa.Boolean(), server_default=sa.false(), nullable=False),
    )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        op.drop_constraint(FK_NAME, "evaluation_round", type_="foreignkey")
    with op.batch_alter_table("evaluation_round", schema=None) as batch_op:
        batch_op.drop_column("results_public")
        batch_op.drop_column("follows_round_id")
