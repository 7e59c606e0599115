"""Scoring plans: write, validate, freeze."""
