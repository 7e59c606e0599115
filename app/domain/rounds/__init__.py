"""Evaluation rounds: lifecycle and services."""
