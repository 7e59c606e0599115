"""Read models for the enterprise portal and the public register (aggregates only)."""
