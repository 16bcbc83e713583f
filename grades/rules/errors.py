"""Validation issues and the error raised for input that a rule set must refuse."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from .types import Reason

__all__ = ["Issue", "RulesInputError"]


@dataclass(frozen=True, slots=True)
class Issue:
    """A problem found in entered data. ``error`` refuses the data, ``warning`` only flags it."""

    level: Literal["error", "warning"]
    location: str  # e.g. "toan, Học kì I, ĐĐGtx 3"; "" for the whole case
    message: str  # Vietnamese
    rule: str = ""
    clause: str = ""

    def __str__(self) -> str:
        where = f"{self.location}: " if self.location else ""
        return f"{where}{self.message}"

    def as_reason(self) -> Reason:
        text = f"{self.location}: {self.message}" if self.location else self.message
        return Reason(rule=self.rule, clause=self.clause, text=text.rstrip("."))


class RulesInputError(ValueError):
    """The case cannot be evaluated: the listed entries break the rule set."""

    def __init__(self, issues: Sequence[Issue]) -> None:
        self.issues = tuple(issues)
        super().__init__("; ".join(str(issue) for issue in self.issues))
