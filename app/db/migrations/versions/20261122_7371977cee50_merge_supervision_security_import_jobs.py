"""merge the session-2 branches: case follow-up columns, findings and escalation, follow-up
rounds and public results, API tokens and persisted jobs, signed audit heads

Revision ID: 7371977cee50
Revises: 45103fda5a75, 81c0cb3c46e3, 272557c42a96, b4ec59db6424, efc4c47017c8
Create Date: 2026-11-22 16:50:00
"""

from collections.abc import Sequence

revision: str = "7371977cee50"
down_revision: str | None = (
    "45103fda5a75",
    "81c0cb3c46e3",
    "272557c42a96",
    "b4ec59db6424",
    "efc4c47017c8",
)
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
