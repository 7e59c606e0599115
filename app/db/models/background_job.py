"""Status of long work (imports, scoring, report rendering) started from a request.

Kept in the database, not in a worker's memory, so any worker behind the load balancer can
answer a progress poll and a restart can tell the owner that a job died with its process.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint
from sqlmodel import Field, SQLModel

from app.db.models._columns import created_at, timestamp


class BackgroundJob(SQLModel, table=True):
    __tablename__ = "background_job"
    __table_args__ = (
        CheckConstraint("state IN ('running', 'done', 'failed')", name="state_known"),
    )

    # Random and unguessable (it appears in URLs); owner checks come on top of that.
    id: str = Field(primary_key=True, max_length=32)
    owner_id: int = Field(foreign_key="app_user.id", index=True)
    label: str = Field(max_length=200)
    state: str = Field(default="running", max_length=16, index=True)
    done: float = Field(default=0.0)
    total: float = Field(default=0.0)
    message: str = Field(default="", max_length=4000)
    result_url: str | None = Field(default=None, max_length=500)
    # Which process runs it: at start-up a process marks its own dead predecessors' jobs failed.
    worker: str = Field(default="", max_length=100)
    created_at: datetime = created_at()
    updated_at: datetime = timestamp(nullable=False)
    finished_at: datetime | None = timestamp()
