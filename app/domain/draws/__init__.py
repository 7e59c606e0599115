"""Sample draws stored in the database."""
