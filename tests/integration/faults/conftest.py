"""Fixtures of the fault tests: a private PostgreSQL cluster to restart (``pg_cluster.py``)."""

from tests.integration.faults.pg_cluster import pg_cluster

__all__ = ["pg_cluster"]
