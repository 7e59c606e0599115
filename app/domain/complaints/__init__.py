"""Complaint analysis: the standards' time limits per enterprise and class, categories, breaches."""
