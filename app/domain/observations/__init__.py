"""On-site observation checklists filled in by assessors at enterprises' service outlets."""
