"""Scoring a round from the database."""
