"""questionnaires."""
