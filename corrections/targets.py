"""What a correction changes: the kinds of cell (scores, conduct, attendance) behind one small interface.

The correction flow never touches another app's tables itself. For each kind of cell a ``Target``
knows how to list the columns a line may name, read the current values (the "old value" the
minutes record), parse a typed new value, and apply a list of changes with the minutes as the
reference, in the caller's transaction, only if every cell still holds its recorded value. The
lower apps' write services do the writing (and their history); the lock check is skipped there
for an approved correction only.

A kind is *wired* when the app behind it exists; the registry lists every kind so the pages can
say plainly which ones cannot be corrected yet.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

if TYPE_CHECKING:
    from .models import Correction

CONDUCT = "conduct"
ATTENDANCE = "attendance"
COMMENT = "comment"
RESULTS = "results"


@dataclass(frozen=True)
class Cell:
    """One cell of the book: a student (enrolment) and a column of the correction's subject or class."""

    enrolment_id: int
    column: str


@dataclass(frozen=True)
class Change:
    cell: Cell
    old: str  # canonical text; "" is an empty cell
    new: str
    reason: str


class StaleCells(ValidationError):
    """Some cells no longer hold the value the minutes recorded: nothing was written."""

    def __init__(self, stale: dict[Cell, str], message: str):
        super().__init__(message)
        self.stale = stale


class Target(ABC):
    kind: str

    def is_wired(self) -> bool:
        return True

    @abstractmethod
    def columns(self, correction: Correction) -> list[tuple[str, str]]:
        """(key, label) of every column a line of these minutes may name, in book order."""

    def column_label(self, correction: Correction, column: str) -> str:
        return dict(self.columns(correction)).get(column, column)

    @abstractmethod
    def lock_column(self, correction: Correction, column: str) -> tuple[int | None, str]:
        """(class_subject_id, column) as ``schools.locks.LockMap.state`` names the cell."""

    def lock_term(self, correction: Correction, column: str):
        """The term whose locks hold the cell (``None``: the year's results and conduct)."""
        return correction.term

    @abstractmethod
    def read(self, correction: Correction, cells: Sequence[Cell]) -> dict[Cell, str]:
        """The current canonical value of each cell ("" when empty), in a fixed number of queries."""

    @abstractmethod
    def parse(self, correction: Correction, column: str, raw: str) -> str:
        """The canonical form of a typed new value; ``ValidationError`` with a Vietnamese message."""

    def display(self, correction: Correction, column: str, value: str) -> str:
        return value

    def windowed(self, column: str) -> bool:
        """Whether the correction deadline (one week before the end-of-term test) applies."""
        return True

    def final_test_date(self, correction: Correction):
        """The end-of-term test date the correction deadline counts back from."""
        return correction.term.final_test_date

    @abstractmethod
    def apply(self, *, correction: Correction, changes: Sequence[Change], actor) -> None:
        """Write every change in the caller's transaction, or raise ``StaleCells`` and write nothing."""


class UnwiredTarget(Target):
    """A kind whose app does not exist yet: listed, but no minutes can be drafted for it."""

    def __init__(self, kind: str):
        self.kind = kind

    def is_wired(self) -> bool:
        return False

    def _refuse(self):
        raise ValidationError(_("Corrections of this kind cannot be made in the software yet."))

    def columns(self, correction):
        return []

    def lock_column(self, correction, column):
        return (None, self.kind)

    def read(self, correction, cells):
        self._refuse()

    def parse(self, correction, column, raw):
        self._refuse()

    def apply(self, *, correction, changes, actor):
        self._refuse()


_REGISTRY: dict[str, Target] = {}


def register(target: Target) -> Target:
    _REGISTRY[target.kind] = target
    return target


def _load() -> None:
    from .wiring import ensure_loaded

    ensure_loaded()


def target_for(kind: str) -> Target:
    _load()
    try:
        return _REGISTRY[kind]
    except KeyError:
        return UnwiredTarget(kind)


def wired_kinds() -> list[str]:
    _load()
    return [kind for kind, target in _REGISTRY.items() if target.is_wired()]


def check_unchanged(changes: Sequence[Change], current: dict[Cell, str], describe) -> None:
    """Refuse the whole batch when any cell moved since the minutes recorded it (P-COR-5)."""
    stale = {c.cell: current.get(c.cell, "") for c in changes if current.get(c.cell, "") != c.old}
    if stale:
        parts = [
            _("%(cell)s now holds “%(now)s”, not “%(old)s”")
            % {"cell": describe(change.cell), "now": stale[change.cell] or "∅", "old": change.old or "∅"}
            for change in changes
            if change.cell in stale
        ]
        raise StaleCells(
            stale,
            _("Nothing was changed: some cells changed after the minutes were drawn up: %(cells)s.")
            % {"cells": "; ".join(parts)},
        )
