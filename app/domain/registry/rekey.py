"""Re-encrypt stored personal data under the active key (key rotation, DESIGN §6).

Rotation: add a new key to ``pii_keys``, make it ``pii_active_key``, run
``tianping registry rotate-keys``, and drop the old key once this reports nothing left under
it. Work goes in batches, each its own transaction, so a large registry never holds the write
lock for long; only values still under another key are touched, so an interrupted run is simply
started again and a finished one changes nothing (idempotent).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Column, Table, bindparam, func, select, update
from sqlalchemy.engine import Engine

from app.db.engine import read_session, write_session
from app.db.models.registry import QuarantinedRow, ServiceCase
from app.db.models.user import User
from app.domain.audit.chain import append
from app.pii import FORMAT_VERSION, Keyring

# Every column holding a Keyring token: (table, column).
ENCRYPTED_COLUMNS: tuple[tuple[str, str], ...] = (
    ("service_case", "phone_enc"),
    ("service_case", "email_enc"),
    ("quarantined_row", "raw_enc"),
    ("app_user", "totp_secret_enc"),
)
_TABLES: dict[str, Table] = {
    "service_case": ServiceCase.__table__,  # type: ignore[attr-defined]
    "quarantined_row": QuarantinedRow.__table__,  # type: ignore[attr-defined]
    "app_user": User.__table__,  # type: ignore[attr-defined]
}


@dataclass
class RotationResult:
    active_key: str
    rotated: dict[str, int] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return sum(self.rotated.values())


def _stale(column: Column[str], active: str):  # type: ignore[no-untyped-def]
    prefix = f"{FORMAT_VERSION}.{active}."
    return column.is_not(None) & (column != "") & ~column.startswith(prefix, autoescape=True)


def count_stale(engine: Engine, keyring: Keyring) -> dict[str, int]:
    """How many stored values per column are still under a key other than the active one."""
    out: dict[str, int] = {}
    with read_session(engine) as session:
        for table_name, column_name in ENCRYPTED_COLUMNS:
            column = _TABLES[table_name].c[column_name]
            query = select(func.count()).where(_stale(column, keyring.active))
            out[f"{table_name}.{column_name}"] = int(session.execute(query).scalar_one())
    return out


def rotate_keys(
    engine: Engine, keyring: Keyring, *, actor: str, batch_size: int = 500
) -> RotationResult:
    if batch_size < 1:
        raise ValueError("batch_size must be at least 1")
    result = RotationResult(keyring.active)
    for table_name, column_name in ENCRYPTED_COLUMNS:
        table = _TABLES[table_name]
        column, key = table.c[column_name], table.c.id
        change = (
            update(table)
            .where(key == bindparam("row_id"))
            .values({column_name: bindparam("token")})
        )
        done, last_id = 0, 0
        while True:
            with write_session(engine) as session:
                rows = session.execute(
                    select(key, column)
                    .where(key > last_id, _stale(column, keyring.active))
                    .order_by(key)
                    .limit(batch_size)
                ).all()
                if not rows:
                    break
                session.execute(
                    change, [{"row_id": r[0], "token": keyring.rotate(r[1])} for r in rows]
                )
            done += len(rows)
            last_id = rows[-1][0]
        result.rotated[f"{table_name}.{column_name}"] = done
    with write_session(engine) as session:
        append(
            session,
            actor=actor,
            action="pii.rotate_keys",
            object_type="keyring",
            object_id=keyring.active,
            details={"rotated": result.rotated},
        )
    return result
