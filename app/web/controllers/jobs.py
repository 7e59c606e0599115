"""Progress of a background job for the pages' poller: ``/jobs/{id}.json`` (owner only)."""

from __future__ import annotations

from typing import Any

from litestar import Controller, Request, get
from litestar.datastructures import CacheControlHeader
from litestar.params import FromPath

from app.errors import NotFoundError
from app.web.auth import current_user, require_any_role
from app.web.workflow_jobs import runner


class JobsController(Controller):
    path = "/jobs"
    guards = [require_any_role]  # noqa: RUF012
    include_in_schema = False
    cache_control = CacheControlHeader(no_store=True)

    @get("/{job_file:str}", sync_to_thread=True)
    def status(self, request: Request[Any, Any, Any], job_file: FromPath[str]) -> dict[str, Any]:
        user = current_user(request)
        job_id, dot, ext = job_file.rpartition(".")
        found = runner(request).get(job_id, user.id) if user and dot and ext == "json" else None
        if found is None:
            # Another user's job answers exactly like a job that does not exist.
            raise NotFoundError("no such job")
        return found.as_dict()
