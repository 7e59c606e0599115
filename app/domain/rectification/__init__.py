"""Findings, rectification plans with evidence, and escalation of shortfalls (issue #10)."""
