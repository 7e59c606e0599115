"""Message ids built at run time (``"status:" ~ value`` in templates), listed for extraction."""

from __future__ import annotations


def N_(message: str) -> str:
    return message


DYNAMIC_MESSAGES = (
    N_("status:valid"),
    N_("status:revoked"),
    N_("status:expired"),
    N_("status:superseded"),
    N_("status:unknown"),
    N_("state:draft"),
    N_("state:plan_frozen"),
    N_("state:sampling"),
    N_("state:fieldwork"),
    N_("state:scoring"),
    N_("state:review"),
    N_("state:issued"),
    N_("state:revoked"),
    N_("state:superseded"),
    N_("state:expired"),
    N_("weights:fixed"),
    N_("weights:ahp"),
    N_("weights:entropy"),
    N_("job:running"),
    N_("job:done"),
    N_("job:failed"),
    N_("Plan"),
    N_("Registries"),
    N_("Draw"),
    N_("Fieldwork"),
    N_("Scoring"),
    N_("Review"),
    N_("Certificates"),
)
