"""drop the index on service_case.contact_hash: no query reads by it, and keeping it cost a
third of PostgreSQL's work on every registry import (random 64-character keys)

The keyed hash itself stays, for de-duplication; the query that first needs to look cases up
by it should bring the index it needs (most likely scoped to a round).

Revision ID: 4832f4ab448d
Revises: 7371977cee50
Create Date: 2026-11-22 22:10:00
"""

from collections.abc import Sequence

from alembic import op

revision: str = "4832f4ab448d"
down_revision: str | None = "7371977cee50"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_service_case_contact_hash", table_name="service_case")


def downgrade() -> None:
    op.create_index("ix_service_case_contact_hash", "service_case", ["contact_hash"])
