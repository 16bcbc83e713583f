"""Which parts of the book are locked now: the one place every write path asks (grid, paste,
import, attendance, conduct, results). Reads only; locks are written by the corrections app's
services on the principal's decision.

For any cell the most specific lock row in force decides; among rows of the same specificity the
latest start wins. A row is in force once the admin board has carried it out and while
``starts_at <= now < ends_at``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from .models import BookLock, ClassGroup, ClassSubject, Term

ALL_COLUMNS = ""


@dataclass(frozen=True)
class LockState:
    locked: bool
    reason: str = ""
    lock_id: int | None = None

    @property
    def message(self) -> str:
        if not self.locked:
            return ""
        return _("Locked: %(reason)s") % {"reason": self.reason} if self.reason else _("Locked.")


OPEN = LockState(False)


def _rows(class_group: ClassGroup, term: Term | None, moment: datetime, term_ids=None) -> list[BookLock]:
    """Every executed lock row that can touch the class in the term (or, given ``term_ids``, in
    any of those terms), in force at ``moment`` (one query)."""
    scope_filter = (
        Q(scope=BookLock.Scope.SCHOOL)
        | Q(scope=BookLock.Scope.GRADE, grade_level=class_group.grade_level)
        | Q(scope=BookLock.Scope.CLASS, class_group_id=class_group.pk)
        | Q(
            scope__in=[BookLock.Scope.CLASS_SUBJECT, BookLock.Scope.COLUMN],
            class_subject__class_group_id=class_group.pk,
        )
    )
    if term_ids is not None:
        term_filter = Q(term_id__in=term_ids)
    else:
        term_filter = Q(term__isnull=True) if term is None else Q(term_id=term.pk)
    return list(
        BookLock.objects.filter(scope_filter, term_filter, school_year_id=class_group.school_year_id)
        .filter(executed_at__isnull=False, starts_at__lte=moment)
        .filter(Q(ends_at__isnull=True) | Q(ends_at__gt=moment))
        .order_by("scope", "starts_at", "pk")
    )


def _decide(rows: list[BookLock], class_subject_id: int | None, column: str) -> LockState:
    winner: BookLock | None = None
    for row in rows:  # ordered by specificity, then start: the last applicable row wins
        if (
            row.scope in (BookLock.Scope.CLASS_SUBJECT, BookLock.Scope.COLUMN)
            and row.class_subject_id != class_subject_id
        ):
            continue
        if row.scope == BookLock.Scope.COLUMN and row.column != column:
            continue
        if row.scope != BookLock.Scope.COLUMN and row.column and row.column != column:
            continue
        winner = row
    if winner is None or winner.action == BookLock.Action.UNLOCK:
        return OPEN
    return LockState(True, winner.reason, winner.pk)


class LockMap:
    """The lock state of every column of one class (and its subjects) in one term, from one query."""

    def __init__(self, class_group: ClassGroup, term: Term | None, moment: datetime | None = None, *, rows=None):
        self._rows = rows if rows is not None else _rows(class_group, term, moment or timezone.now())

    def state(self, *, class_subject_id: int | None = None, column: str = ALL_COLUMNS) -> LockState:
        return _decide(self._rows, class_subject_id, column)


def lock_maps(class_group: ClassGroup, terms: Iterable[Term], moment: datetime | None = None) -> dict[int, LockMap]:
    """A ``LockMap`` for each of the class's terms, by term id, from one query for all of them."""
    terms = list(terms)
    if not terms:
        return {}
    rows = _rows(class_group, None, moment or timezone.now(), term_ids=[t.pk for t in terms])
    return {t.pk: LockMap(class_group, t, rows=[r for r in rows if r.term_id == t.pk]) for t in terms}


def lock_state(
    *,
    class_group: ClassGroup,
    term: Term | None,
    column: str,
    class_subject: ClassSubject | None = None,
    moment: datetime | None = None,
) -> LockState:
    """The lock state of one column (of a class's subject, or of the class: conduct, attendance)."""
    return LockMap(class_group, term, moment).state(
        class_subject_id=class_subject.pk if class_subject else None, column=column
    )
