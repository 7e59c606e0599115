"""Persistence: engine set-up, SQLModel tables, Alembic migrations, backup and restore."""
