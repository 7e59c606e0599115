"""Signed audit chain heads (append-only, like the audit log itself).

Revision ID: efc4c47017c8
Revises: e070b6ad8fe3
Create Date: 2026-11-22 15:50:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import app.db.types

revision: str = "efc4c47017c8"
down_revision: str | None = "e070b6ad8fe3"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_SQLITE_GUARDS = (
    """CREATE TRIGGER audit_head_no_update BEFORE UPDATE ON audit_head_signature
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
    """CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head_signature
    BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END""",
)
# tianping_refuse_audit_change() comes with the audit log in the initial schema.
_POSTGRES_GUARDS = (
    """CREATE TRIGGER audit_head_append_only BEFORE UPDATE OR DELETE ON audit_head_signature
    FOR EACH ROW EXECUTE FUNCTION tianping_refuse_audit_change()""",
)


def upgrade() -> None:
    op.create_table(
        "audit_head_signature",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column(
            "entry_seq", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False
        ),
        sa.Column("entry_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("key_id", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=False),
        sa.Column("signature", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("signed_at", app.db.types.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_head_signature")),
    )
    with op.batch_alter_table("audit_head_signature", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_audit_head_signature_entry_seq"), ["entry_seq"], unique=False
        )
    guards = _SQLITE_GUARDS if op.get_bind().dialect.name == "sqlite" else _POSTGRES_GUARDS
    for statement in guards:
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_update")
        op.execute("DROP TRIGGER IF EXISTS audit_head_no_delete")
    else:
        op.execute("DROP TRIGGER IF EXISTS audit_head_append_only ON audit_head_signature")
    with op.batch_alter_table("audit_head_signature", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_audit_head_signature_entry_seq"))
    op.drop_table("audit_head_signature")
