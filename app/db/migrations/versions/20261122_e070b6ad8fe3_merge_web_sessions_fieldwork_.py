"""merge web sessions, fieldwork, observations and assignment branches

Revision ID: e070b6ad8fe3
Revises: b7e3c1a9d2f4, c4f1a8e27b90, d5a8f3c21e67
Create Date: 2026-11-22 14:03:54.357686
"""

from collections.abc import Sequence

revision: str = "e070b6ad8fe3"
down_revision: str | None = ("b7e3c1a9d2f4", "c4f1a8e27b90", "d5a8f3c21e67")
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    pass


def downgrade() -> None:
    pass
