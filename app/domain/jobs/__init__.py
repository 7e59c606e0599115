"""Status of background jobs, kept in the database."""
