"""``python -m app.cli`` runs the ``tianping`` command."""

from app.cli.main import run

run()
