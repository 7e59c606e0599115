"""Errors of the consumer survey. Their messages never reveal anything about other tokens."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import NotFoundError, TianpingError

# One message for every unusable token, so a caller cannot tell "never existed" from "someone
# else's" or "withdrawn": guessing tokens teaches nothing.
INVALID_LINK = (
    "this survey link is not valid; check that the whole link was copied, or ask the "
    "evaluation body for a new one"
)


class InvalidTokenError(NotFoundError):
    """Unknown, malformed or withdrawn token (same message for all)."""

    def __init__(self) -> None:
        super().__init__(INVALID_LINK)


class TokenExpiredError(TianpingError):
    """The token was valid but its fieldwork period is over."""

    def __init__(self) -> None:
        super().__init__(
            "this survey link has expired; the survey is closed, thank you for your interest"
        )


@dataclass(frozen=True, slots=True)
class AnswerProblem:
    """One answer to re-ask: the item, a stable problem code (for translated messages)."""

    item_code: str
    problem: str  # "required" | "out_of_range" | "not_a_choice" | "too_long" | "unknown_item"
    detail: str = ""


class AnswersInvalidError(TianpingError):
    """Answers out of range, of the wrong kind, or required ones missing; lists them all."""

    def __init__(self, problems: tuple[AnswerProblem, ...]) -> None:
        self.problems = problems
        listed = "; ".join(
            f"{p.item_code}: {p.problem}{' (' + p.detail + ')' if p.detail else ''}"
            for p in problems
        )
        super().__init__(f"some answers need attention — {listed}; correct them and submit again")
