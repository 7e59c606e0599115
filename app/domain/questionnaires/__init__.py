"""Questionnaire versions stored per evaluation body."""
