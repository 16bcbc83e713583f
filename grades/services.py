"""Writes of the grade-entry grid: scores, comments and test dates.

One code path for every way a score arrives (a typed cell, a pasted block, an xlsx upload, an
approved correction): ``score_record_many``. It checks everything first (the student belongs to
the class, the column to the rule set, the value to the scale, the cell is not locked and the
student has not left) and refuses the whole batch with every reason if anything is wrong; then,
in one short transaction, it locks the touched rows, compares each cell's version with the one
the editor saw, refuses the batch on any difference (a ``ConflictError`` naming who changed what),
and writes the rows and their history rows in bulk (``_save_rows``) so every changed cell gets its
history row, with the real user and the reason, in the same transaction: a fixed number of
statements whatever the size of the batch (performance-and-reliability.md G3).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from schools.locks import LockMap
from schools.locks import lock_maps as read_lock_maps
from schools.models import ClassSubject, Enrolment, Term

from .grid import PERIODIC_KINDS, GridSpec, ParsedEntry, grid_spec, parse_entry
from .models import COMMENT_COLUMN, AssessmentDate, CellState, ScoreCell, SubjectComment

# Reasons recorded in the history (data, kept in Vietnamese whatever the reader's language).
REASON_GRID = "Nhập trên bảng điểm"
REASON_PASTE = "Dán từ bảng tính"
REASON_IMPORT = "Nhập từ tệp Excel"
REASON_TEST_DATE = "Ghi ngày kiểm tra"
REASON_CORRECTION = "Sửa chữa theo biên bản số {reference}"

SCORE_FIELDS = ["value", "mark", "state", "version", "updated_at", "updated_by"]
COMMENT_FIELDS = ["text", "version", "updated_at", "updated_by"]
BATCH = 1000  # rows a statement: a whole grid (≤ 45 × 2 terms × 7 columns = 630 cells) in one


@dataclass(frozen=True)
class Entry:
    """One cell to write: a student (enrolment) × term × column, the text typed, and what the editor
    saw: ``version`` (0 for a cell never saved) or, for a correction, ``expected_text`` (the old
    value the minutes record)."""

    enrolment_id: int
    term_id: int
    column: str
    text: str
    version: int | None = None
    expected_text: str | None = None
    no_makeup: bool = False

    @property
    def key(self) -> tuple[int, int, str]:
        return (self.enrolment_id, self.term_id, self.column)


@dataclass(frozen=True)
class Refusal:
    index: int
    entry: Entry
    code: str  # "unknown" (ids that are not the grid's), "invalid", "locked", "left", "duplicate"
    message: str


class EntriesRefused(ValidationError):
    """Some entries cannot be written; nothing was."""

    def __init__(self, refusals: Sequence[Refusal]):
        self.refusals = list(refusals)
        super().__init__([r.message for r in self.refusals])


class CellLocked(PermissionDenied):
    """The column is locked (schools.locks); only an approved correction may change it."""


@dataclass(frozen=True)
class Conflict:
    entry: Entry
    theirs: str  # the stored value as the grid shows it
    version: int
    by: str
    at: datetime | None


class ConflictError(Exception):
    """Someone saved some of these cells after the editor loaded them; nothing was written."""

    def __init__(self, conflicts: Sequence[Conflict]):
        self.conflicts = list(conflicts)
        super().__init__(_("These cells were changed by someone else in the meantime."))


@dataclass(frozen=True)
class Written:
    entry: Entry
    status: str  # "new", "changed", "cleared", "unchanged"
    display: str
    version: int
    state: str = CellState.ENTERED
    warning: str = ""  # saved, but worth a look (TT58: an oral mark that is not an integer)


@dataclass
class Current:
    """The stored cells a batch touches, by (enrolment, term, column)."""

    cells: dict[tuple[int, int, str], ScoreCell | SubjectComment] = field(default_factory=dict)

    def get(self, key):
        return self.cells.get(key)


def stored_display(row: ScoreCell | SubjectComment | None) -> str:
    if row is None:
        return ""
    if isinstance(row, SubjectComment):
        return row.text
    return row.display


def _stored_tuple(row) -> tuple:
    if row is None:
        return (None, "", CellState.ENTERED, "")
    if isinstance(row, SubjectComment):
        return (None, "", CellState.ENTERED, row.text)
    return (row.value, row.mark, row.state, "")


def _who(row) -> str:
    user = getattr(row, "updated_by", None)
    return (user.full_name or user.username) if user is not None else ""


# --- checks shared by the writes and the previews --------------------------------------------


def resolve_entries(spec: GridSpec, entries: Sequence[Entry]) -> tuple[dict[int, Enrolment], list[Refusal]]:
    """Refuse entries whose ids are not this grid's (another class's student, another year's term,
    a column the rule set does not have), and cells named twice. One query."""
    class_subject = spec.class_subject
    ids = {e.enrolment_id for e in entries}
    enrolments = {
        e.pk: e
        for e in Enrolment.objects.filter(pk__in=ids, class_group_id=class_subject.class_group_id).select_related(
            "student"
        )
    }
    refusals: list[Refusal] = []
    seen: set = set()
    for index, entry in enumerate(entries):
        if entry.enrolment_id not in enrolments:
            refusals.append(Refusal(index, entry, "unknown", _("This student is not in the class.")))
        elif spec.term(entry.term_id) is None:
            refusals.append(Refusal(index, entry, "unknown", _("This term is not of the class's school year.")))
        elif entry.column != COMMENT_COLUMN and spec.column(entry.column) is None:
            refusals.append(Refusal(index, entry, "unknown", _("This column does not exist in the grid.")))
        elif entry.key in seen:
            refusals.append(Refusal(index, entry, "duplicate", _("The same cell appears twice.")))
        seen.add(entry.key)
    return enrolments, refusals


def left_message(enrolment: Enrolment) -> str:
    return _("%(name)s left the class on %(date)s (%(status)s): the row can no longer be changed.") % {
        "name": enrolment.student.full_name,
        "date": date_format(enrolment.left_on, "d/m/Y"),
        "status": enrolment.get_status_display().lower(),
    }


def row_is_closed(enrolment: Enrolment, today: date) -> bool:
    """A student who transferred out or dropped out is not edited from the leaving date on (P-ST-2)."""
    return enrolment.has_left and enrolment.left_on is not None and today >= enrolment.left_on


def gate_entries(
    spec: GridSpec,
    entries: Sequence[Entry],
    enrolments: dict[int, Enrolment],
    *,
    correction: str | None,
    today: date,
    lock_maps: dict[int, LockMap] | None = None,
) -> list[Refusal]:
    """Refuse cells that are locked or belong to a student who has left; an approved correction
    passes both (it is the only way to change a locked cell, P-COR-1). One query for all the
    terms the entries name."""
    if correction:
        return []
    lock_maps = lock_maps if lock_maps is not None else {}
    refusals = []
    class_group = spec.class_subject.class_group
    missing = {e.term_id for e in entries} - set(lock_maps)
    if missing:
        lock_maps.update(read_lock_maps(class_group, [t for t in spec.terms if t.pk in missing]))
    for index, entry in enumerate(entries):
        enrolment = enrolments[entry.enrolment_id]
        if row_is_closed(enrolment, today):
            refusals.append(Refusal(index, entry, "left", left_message(enrolment)))
            continue
        state = lock_maps[entry.term_id].state(class_subject_id=spec.class_subject.pk, column=entry.column)
        if state.locked:
            refusals.append(Refusal(index, entry, "locked", state.message))
    return refusals


def _locked_or_with_editor(rows, for_update: bool):
    """Row-locked in primary-key order for a write (the editor's name is read only if a conflict
    needs it, ``_conflicts``); otherwise with the editor's account."""
    if for_update:
        return rows.select_for_update().order_by("pk")
    return rows.select_related("updated_by")


def _conflicts(spec: GridSpec, entries: Sequence[Entry], current: Current) -> list[Conflict]:
    """The entries whose cell moved since the editor saw it, with who moved it (one query)."""
    stale = [(e, current.get(e.key)) for e in entries if _stale(spec, e, current.get(e.key))]
    prefetch_related_objects([row for _entry, row in stale if row is not None], "updated_by")
    return [_conflict(entry, row) for entry, row in stale]


def current_cells(spec: GridSpec, entries: Sequence[Entry], *, for_update: bool = False) -> Current:
    """The stored rows of the cells the entries name (one query per table touched); row-locked,
    in primary-key order, when ``for_update``."""
    current = Current()
    score_entries = [e for e in entries if e.column != COMMENT_COLUMN]
    comment_entries = [e for e in entries if e.column == COMMENT_COLUMN]
    if score_entries:
        rows = ScoreCell.objects.filter(
            class_subject_id=spec.class_subject.pk,
            term_id__in={e.term_id for e in score_entries},
            enrolment_id__in={e.enrolment_id for e in score_entries},
            column__in={e.column for e in score_entries},
        )
        for row in _locked_or_with_editor(rows, for_update):
            current.cells[(row.enrolment_id, row.term_id, row.column)] = row
    if comment_entries:
        rows = SubjectComment.objects.filter(
            class_subject_id=spec.class_subject.pk,
            term_id__in={e.term_id for e in comment_entries},
            enrolment_id__in={e.enrolment_id for e in comment_entries},
        )
        for row in _locked_or_with_editor(rows, for_update):
            current.cells[(row.enrolment_id, row.term_id, COMMENT_COLUMN)] = row
    return current


def parse_against(spec: GridSpec, entry: Entry, row) -> ParsedEntry:
    state = row.state if isinstance(row, ScoreCell) else CellState.ENTERED
    return parse_entry(spec, entry.column, entry.text, current_state=state, no_makeup=entry.no_makeup)


def status_of(parsed: ParsedEntry, row) -> str:
    if parsed.same_as(*_stored_tuple(row)):
        return "unchanged"
    if row is None or stored_display(row) == "":
        return "new"
    if parsed.is_empty:
        return "cleared"
    return "changed"


def _stale(spec: GridSpec, entry: Entry, row) -> bool:
    """Whether the cell moved since the editor saw it (its version, or the correction's old value)."""
    if entry.version is not None and entry.version != (row.version if row is not None else 0):
        return True
    if entry.expected_text is not None:
        expected = parse_entry(spec, entry.column, entry.expected_text)
        value, mark, state, text = _stored_tuple(row)
        if not expected.ok or (expected.value, expected.mark, expected.text) != (value, mark, text):
            return True
        if (expected.state == CellState.ABSENT) != (state == CellState.ABSENT):
            return True
    return False


def _conflict(entry: Entry, row) -> Conflict:
    return Conflict(
        entry=entry,
        theirs=stored_display(row),
        version=row.version if row is not None else 0,
        by=_who(row),
        at=row.updated_at if row is not None else None,
    )


# --- the writes -----------------------------------------------------------------------------


def score_record_many(
    *,
    actor,
    class_subject: ClassSubject,
    entries: Sequence[Entry],
    reason: str,
    correction: str | None = None,
    spec: GridSpec | None = None,
    today: date | None = None,
) -> list[Written]:
    """Write many cells (a pasted block, an upload, a whole grid) all or nothing, in one transaction.

    Raises ``EntriesRefused`` (every refused cell with its reason), ``ConflictError`` (cells saved
    by someone else since the editor saw them) — in both cases nothing is written. ``correction``
    is the reference of an approved correction (minutes number): it alone passes a lock or a
    student's departure, and its entries carry ``expected_text``, the old value it records.
    """
    if not reason.strip():
        raise ValidationError(_("A reason is required."))
    if correction and any(e.expected_text is None and e.version is None for e in entries):
        raise ValidationError(_("A correction must state the old value of every cell it changes."))
    spec = spec or grid_spec(class_subject)
    entries = list(entries)
    if not entries:
        return []
    today = today or timezone.localdate()
    enrolments, refusals = resolve_entries(spec, entries)
    if refusals:
        raise EntriesRefused(refusals)
    refusals = gate_entries(spec, entries, enrolments, correction=correction, today=today)
    for index, entry in enumerate(entries):
        parsed = parse_entry(spec, entry.column, entry.text, no_makeup=entry.no_makeup)
        if not parsed.ok:
            refusals.append(Refusal(index, entry, "invalid", parsed.error))
    if refusals:
        raise EntriesRefused(sorted(refusals, key=lambda r: r.index))
    if correction:
        reason = f"{REASON_CORRECTION.format(reference=correction)}: {reason}"
    try:
        return _write(spec, entries, actor=actor, reason=reason)
    except IntegrityError:
        # PostgreSQL: another transaction created one of these cells between our read and our
        # insert (the unique constraint caught it). Report it as the conflict it is.
        current = current_cells(spec, entries)
        conflicts = [_conflict(e, current.get(e.key)) for e in entries if current.get(e.key) is not None]
        raise ConflictError(conflicts) from None


def _write(spec: GridSpec, entries: list[Entry], *, actor, reason: str) -> list[Written]:
    with transaction.atomic():
        current = current_cells(spec, entries, for_update=True)
        conflicts = _conflicts(spec, entries, current)
        if conflicts:
            raise ConflictError(conflicts)
        now = timezone.now()
        new_cells: list[ScoreCell] = []
        changed_cells: list[ScoreCell] = []
        new_comments: list[SubjectComment] = []
        changed_comments: list[SubjectComment] = []
        written: list[Written] = []
        for entry in entries:
            row = current.get(entry.key)
            parsed = parse_against(spec, entry, row)
            status = status_of(parsed, row)
            if status == "unchanged":
                written.append(
                    Written(
                        entry,
                        status,
                        stored_display(row),
                        row.version if row else 0,
                        getattr(row, "state", CellState.ENTERED),
                    )
                )
                continue
            if entry.column == COMMENT_COLUMN:
                if row is None:
                    row = SubjectComment(
                        enrolment_id=entry.enrolment_id,
                        class_subject_id=spec.class_subject.pk,
                        term_id=entry.term_id,
                        version=0,
                    )
                    new_comments.append(row)
                else:
                    changed_comments.append(row)
                row.text = parsed.text
            else:
                if row is None:
                    row = ScoreCell(
                        enrolment_id=entry.enrolment_id,
                        class_subject_id=spec.class_subject.pk,
                        term_id=entry.term_id,
                        column=entry.column,
                        version=0,
                    )
                    new_cells.append(row)
                else:
                    changed_cells.append(row)
                row.value, row.mark, row.state = parsed.value, parsed.mark, parsed.state
            row.version += 1
            row.updated_at = now
            row.updated_by = actor
            written.append(
                Written(
                    entry,
                    status,
                    stored_display(row),
                    row.version,
                    getattr(row, "state", CellState.ENTERED),
                    parsed.warning or "",
                )
            )
        _save_rows(ScoreCell, new_cells, changed_cells, SCORE_FIELDS, actor=actor, reason=reason, now=now)
        _save_rows(SubjectComment, new_comments, changed_comments, COMMENT_FIELDS, actor=actor, reason=reason, now=now)
        return written


def _save_rows(model, new: list, changed: list, fields: list[str], *, actor, reason: str, now: datetime) -> None:
    """Write the new rows and the changed (row-locked) rows of one table, and one history row for
    each, with the user and the reason: at most three statements whatever the number of rows
    (``BATCH`` rows a statement; SQLite's cap on parameters splits them further).

    The changed rows are written as ``INSERT … ON CONFLICT (id) DO UPDATE`` of their own primary
    keys: the same rows as an ``UPDATE``, without the ``CASE WHEN id = … THEN …`` per row and field
    that ``bulk_update`` builds and the database then scans for every row (quadratic). A new row that
    someone else inserted meanwhile still hits the table's unique constraint (IntegrityError: a
    conflict), never an overwrite. The history rows are those ``bulk_create_with_history`` /
    ``bulk_update_with_history`` write ("+" created, "~" changed), in one INSERT for both kinds
    (``_history_copy``).
    """
    if new:
        model._default_manager.bulk_create(new, batch_size=BATCH)
    if changed:
        model._default_manager.bulk_create(
            changed, batch_size=BATCH, update_conflicts=True, unique_fields=["id"], update_fields=fields
        )
    if not (new or changed) or not getattr(settings, "SIMPLE_HISTORY_ENABLED", True):
        return
    _history_copy(model, [row.pk for row in (*new, *changed)], actor=actor, reason=reason, now=now)


HISTORY_OWN_FIELDS = frozenset({"history_id", "history_date", "history_change_reason", "history_type", "history_user"})


def _history_copy(model, ids: list[int], *, actor, reason: str, now: datetime) -> None:
    """One history row for each row just written, copied by the database from the rows themselves
    (``INSERT … SELECT``: one statement, no Python object per row): the same rows simple-history's
    bulk helpers write, "+" for a row created (version 1: every write of this module starts a row
    at 1 and adds 1), "~" for a row changed, with the user, the reason and the save's time."""
    history_model = model.history.model
    tracked = {f.attname: f for f in history_model.tracked_fields}
    own = {f.name for f in history_model._meta.concrete_fields if f.attname not in tracked}
    if own != HISTORY_OWN_FIELDS:  # a history model with fields of its own: let simple-history fill them
        rows = list(model._default_manager.filter(pk__in=ids))
        for update, part in ((False, [r for r in rows if r.version == 1]), (True, [r for r in rows if r.version != 1])):
            if part:
                model.history.bulk_history_create(
                    part, update=update, default_user=actor, default_change_reason=reason, default_date=now
                )
        return
    quote = connection.ops.quote_name
    meta = history_model._meta
    live = model._meta
    copied = [(quote(meta.get_field(f.name).column), quote(live.get_field(f.name).column)) for f in tracked.values()]
    version = quote(live.get_field("version").column)
    columns = [target for target, _source in copied] + [
        quote(meta.get_field(name).column)
        for name in ("history_date", "history_change_reason", "history_user", "history_type")
    ]
    # Only quoted table and column names of the models go into the text; every value is a parameter.
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(source for _target, source in copied)}, %s, %s, %s, "
        f"CASE WHEN {version} = 1 THEN '+' ELSE '~' END "
        f"FROM {quote(live.db_table)} WHERE {quote(live.pk.column)} IN ({', '.join(['%s'] * len(ids))})"
    )
    params = [
        meta.get_field("history_date").get_db_prep_save(now, connection),
        reason,
        actor.pk if actor is not None else None,
        *ids,
    ]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def score_record(
    *,
    actor,
    class_subject: ClassSubject,
    enrolment_id: int,
    term_id: int,
    column: str,
    text: str,
    version: int | None,
    reason: str = REASON_GRID,
    no_makeup: bool = False,
    correction: str | None = None,
    expected_text: str | None = None,
    spec: GridSpec | None = None,
) -> Written:
    """Write one cell (or the comment column) typed on the grid. A locked cell raises
    ``CellLocked``; a departed student's row too; bad input ``EntriesRefused``; a version that is
    not the stored one ``ConflictError``."""
    entry = Entry(
        enrolment_id=enrolment_id,
        term_id=term_id,
        column=column,
        text=text,
        version=version,
        expected_text=expected_text,
        no_makeup=no_makeup,
    )
    try:
        return score_record_many(
            actor=actor, class_subject=class_subject, entries=[entry], reason=reason, correction=correction, spec=spec
        )[0]
    except EntriesRefused as exc:
        refusal = exc.refusals[0]
        if refusal.code in ("locked", "left"):
            raise CellLocked(refusal.message) from exc
        raise


@transaction.atomic
def assessment_date_set(
    *,
    actor,
    class_subject: ClassSubject,
    term: Term,
    column: str,
    test_date: date | None,
    reason: str = REASON_TEST_DATE,
    spec: GridSpec | None = None,
) -> AssessmentDate | None:
    """Record the date a mid-term or end-of-term test was taken by the class (P-DL-3); the entry
    deadline follows from it. ``None`` goes back to the school's date for the term."""
    spec = spec or grid_spec(class_subject)
    spec_column = spec.column(column)
    if spec_column is None or spec_column.kind not in PERIODIC_KINDS:
        raise ValidationError(_("Only a mid-term or end-of-term column has a test date."))
    if spec.term(term.pk) is None:
        raise ValidationError(_("This term is not of the class's school year."))
    if test_date is not None and not (term.start_date <= test_date <= term.end_date):
        raise ValidationError(
            _("The test date must fall inside the term (%(start)s – %(end)s).")
            % {"start": date_format(term.start_date, "d/m/Y"), "end": date_format(term.end_date, "d/m/Y")}
        )
    state = LockMap(class_subject.class_group, term).state(class_subject_id=class_subject.pk, column=column)
    if state.locked:
        raise CellLocked(state.message)
    row = (
        AssessmentDate.objects.select_for_update().filter(class_subject=class_subject, term=term, column=column).first()
    )
    if test_date is None:
        if row is not None:
            row._history_user = actor
            row._change_reason = reason
            row.delete()
        return None
    if row is None:
        row = AssessmentDate(class_subject=class_subject, term=term, column=column)
    elif row.test_date == test_date:
        return row
    row.test_date = test_date
    row.updated_at = timezone.now()
    row.updated_by = actor
    row._history_user = actor
    row._change_reason = reason
    row.save()
    return row
