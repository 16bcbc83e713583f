"""Reads shaped for the grade-entry pages: the grid, a cell's history, the preview of a paste or an
upload. The grid is a fixed number of queries whatever the number of students or columns."""

from __future__ import annotations

import csv
import io
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from accounts.access import class_subjects_visible
from schools.locks import LockState, lock_maps
from schools.models import ClassSubject, Enrolment, Term
from schools.sorting import vietnamese_sorted

from .grid import (
    EMPTY_AVERAGE,
    PERIODIC_KINDS,
    Average,
    GridSpec,
    default_test_date,
    entry_deadline,
    row_averages,
)
from .models import COMMENT_COLUMN, AssessmentDate, CellState, ScoreCell, SubjectComment
from .services import (
    Entry,
    current_cells,
    gate_entries,
    parse_against,
    resolve_entries,
    row_is_closed,
    status_of,
    stored_display,
)

TERM = "term"
YEAR = "year"
MAX_PASTE_ROWS = 200
MAX_PASTE_COLUMNS = 40
MAX_PASTE_CHARACTERS = 100_000


def sorted_enrolments(class_subject: ClassSubject) -> list[Enrolment]:
    """Every student of the class this year, leavers included, in the one Vietnamese order."""
    rows = Enrolment.objects.filter(class_group_id=class_subject.class_group_id).select_related("student")
    return vietnamese_sorted(rows, family=lambda e: e.student.family_name, given=lambda e: e.student.given_name)


def grid_columns(spec: GridSpec, terms: Sequence[Term], mode: str) -> list[tuple[Term, str]]:
    """The editable columns in the grid's order: a term's score columns then its comment; the year
    view shows the score columns of both terms."""
    columns = []
    for term in terms:
        columns.extend((term, key) for key in spec.column_keys)
        if mode == TERM:
            columns.append((term, COMMENT_COLUMN))
    return columns


@dataclass
class ColumnView:
    term: Term
    key: str
    label: str
    weight: int | None
    lock: LockState
    periodic: bool = False
    test_date: date | None = None
    test_date_is_default: bool = True
    deadline: date | None = None
    overdue: bool = False

    @property
    def is_comment(self) -> bool:
        return self.key == COMMENT_COLUMN


@dataclass
class CellView:
    term_id: int
    column: str
    label: str
    display: str
    version: int
    state: str
    editable: bool
    lock_message: str = ""

    @property
    def is_comment(self) -> bool:
        return self.column == COMMENT_COLUMN


@dataclass
class RowBlock:
    """One term of a row: its score cells, its average and (term view) its comment."""

    term: Term
    cells: list[CellView]
    average: Average
    comment: CellView | None = None


@dataclass
class RowView:
    number: int
    enrolment: Enrolment
    closed: bool
    note: str
    blocks: list[RowBlock]
    year_average: Average | None = None

    @property
    def student(self):
        return self.enrolment.student

    @property
    def cells(self) -> list[CellView]:
        """Every editable cell in the grid's order (the order a paste fills)."""
        cells = []
        for block in self.blocks:
            cells.extend(block.cells)
            if block.comment is not None:
                cells.append(block.comment)
        return cells


@dataclass
class TermBlock:
    term: Term
    columns: list[ColumnView]


@dataclass
class GridPage:
    spec: GridSpec
    mode: str
    terms: list[Term]
    blocks: list[TermBlock]
    rows: list[RowView]
    can_edit: bool
    other_subjects: list[ClassSubject] = field(default_factory=list)
    filled: int = 0
    required: int = 0

    @property
    def term(self) -> Term:
        return self.terms[0]


def _note(enrolment: Enrolment) -> str:
    if enrolment.has_left and enrolment.left_on:
        return _("%(status)s on %(date)s") % {
            "status": enrolment.get_status_display(),
            "date": date_format(enrolment.left_on, "d/m/Y"),
        }
    if enrolment.status == Enrolment.Status.TRANSFERRED_IN:
        return _("%(status)s on %(date)s") % {
            "status": enrolment.get_status_display(),
            "date": date_format(enrolment.enrolled_on, "d/m/Y"),
        }
    return ""


def grid_page(
    spec: GridSpec,
    *,
    user,
    terms: Sequence[Term],
    mode: str,
    can_edit: bool,
    today: date | None = None,
    other_subjects: Sequence[ClassSubject] | None = None,
) -> GridPage:
    """Everything the grid shows, in a fixed number of queries whatever the number of students,
    columns or terms: students, cells, comments, test dates, locks (one query for every term),
    the class's other subjects (none when the caller read them, ``get_grid_for_view``)."""
    today = today or timezone.localdate()
    class_subject = spec.class_subject
    terms = list(terms)
    term_ids = [t.pk for t in terms]
    enrolments = sorted_enrolments(class_subject)

    cells: dict[int, dict[int, dict[str, ScoreCell]]] = defaultdict(lambda: defaultdict(dict))
    for cell in ScoreCell.objects.filter(class_subject_id=class_subject.pk, term_id__in=term_ids).only(
        "enrolment_id", "term_id", "column", "value", "mark", "state", "version"
    ):
        cells[cell.enrolment_id][cell.term_id][cell.column] = cell
    comments: dict[tuple[int, int], SubjectComment] = {}
    if mode == TERM:
        for comment in SubjectComment.objects.filter(class_subject_id=class_subject.pk, term_id__in=term_ids).only(
            "enrolment_id", "term_id", "text", "version"
        ):
            comments[(comment.enrolment_id, comment.term_id)] = comment
    dates = {
        (d.term_id, d.column): d.test_date
        for d in AssessmentDate.objects.filter(class_subject_id=class_subject.pk, term_id__in=term_ids)
    }
    school = spec.school_year.school  # selected with the class's subject by the access layer
    locks_by_term = lock_maps(class_subject.class_group, terms)

    blocks = []
    for term in terms:
        locks = locks_by_term[term.pk]
        columns = []
        for column in spec.columns:
            own_date = dates.get((term.pk, column.key))
            test_date = own_date or default_test_date(term, column)
            columns.append(
                ColumnView(
                    term=term,
                    key=column.key,
                    label=column.label,
                    weight=column.weight,
                    lock=locks.state(class_subject_id=class_subject.pk, column=column.key),
                    periodic=column.kind in PERIODIC_KINDS,
                    test_date=test_date,
                    test_date_is_default=own_date is None,
                    deadline=entry_deadline(school, term, column, test_date),
                )
            )
        if mode == TERM:
            columns.append(
                ColumnView(
                    term=term,
                    key=COMMENT_COLUMN,
                    label=pgettext("score grid", "Comment"),
                    weight=None,
                    lock=locks.state(class_subject_id=class_subject.pk, column=COMMENT_COLUMN),
                )
            )
        blocks.append(TermBlock(term=term, columns=columns))

    rows = []
    filled = required = 0
    empty_by_column: dict[tuple[int, str], int] = defaultdict(int)
    for number, enrolment in enumerate(enrolments, start=1):
        closed = row_is_closed(enrolment, today)
        averages = row_averages(spec, {t.pk: cells[enrolment.pk][t.pk] for t in terms})
        row_blocks = []
        for block in blocks:
            row_block = RowBlock(term=block.term, cells=[], average=averages.get(block.term.pk, EMPTY_AVERAGE))
            for column in block.columns:
                if column.is_comment:
                    comment = comments.get((enrolment.pk, block.term.pk))
                    display, version, state = (comment.text, comment.version, "") if comment else ("", 0, "")
                else:
                    cell = cells[enrolment.pk][block.term.pk].get(column.key)
                    display = cell.display if cell else ""
                    version = cell.version if cell else 0
                    state = cell.state if cell else CellState.ENTERED
                    if not closed:
                        required += 1
                        if display and state != CellState.ABSENT:
                            filled += 1
                        else:
                            empty_by_column[(block.term.pk, column.key)] += 1
                view = CellView(
                    term_id=block.term.pk,
                    column=column.key,
                    label=column.label,
                    display=display,
                    version=version,
                    state=state,
                    editable=can_edit and not closed and not column.lock.locked,
                    lock_message=column.lock.message,
                )
                if column.is_comment:
                    row_block.comment = view
                else:
                    row_block.cells.append(view)
            row_blocks.append(row_block)
        rows.append(
            RowView(
                number=number,
                enrolment=enrolment,
                closed=closed,
                note=_note(enrolment),
                blocks=row_blocks,
                year_average=averages.get("year"),
            )
        )
    for block in blocks:
        for column in block.columns:
            column.overdue = bool(
                column.deadline and column.deadline < today and empty_by_column[(block.term.pk, column.key)]
            )
    if other_subjects is not None:
        other = list(other_subjects)
    else:
        other = list(
            class_subjects_visible(user)
            .filter(class_group_id=class_subject.class_group_id)
            .select_related("subject")
            .order_by("subject__order", "subject__name")
        )
    return GridPage(
        spec=spec,
        mode=mode,
        terms=terms,
        blocks=blocks,
        rows=rows,
        can_edit=can_edit,
        other_subjects=other,
        filled=filled,
        required=required,
    )


def row_averages_now(spec: GridSpec, enrolment_id: int) -> dict[str, dict]:
    """The row's averages after a save, for the grid to confirm its own (one query)."""
    return rows_averages_now(spec, [enrolment_id])[enrolment_id]


def rows_averages_now(spec: GridSpec, enrolment_ids) -> dict[int, dict[str, dict]]:
    """The averages of several rows after a save, by enrolment id (one query for all of them)."""
    ids = set(enrolment_ids)
    cells: dict[int, dict[int, dict[str, ScoreCell]]] = {e: {t.pk: {} for t in spec.terms} for e in ids}
    for cell in ScoreCell.objects.filter(class_subject_id=spec.class_subject.pk, enrolment_id__in=ids).only(
        "enrolment_id", "term_id", "column", "value", "mark", "state"
    ):
        cells[cell.enrolment_id].setdefault(cell.term_id, {})[cell.column] = cell
    result = {}
    for enrolment_id, row in cells.items():
        averages = row_averages(spec, row)
        result[enrolment_id] = {str(key): value.as_json() for key, value in averages.items()}
    return result


def default_term(spec: GridSpec, today: date | None = None) -> Term | None:
    """The term a teacher most likely wants: the one under way, else the last one begun, else the first."""
    today = today or timezone.localdate()
    started = [t for t in spec.terms if t.start_date <= today]
    return started[-1] if started else (spec.terms[0] if spec.terms else None)


def grids_visible(user, year) -> QuerySet[ClassSubject]:
    """The grids a person may open this year, by class and subject."""
    return (
        class_subjects_visible(user)
        .filter(class_group__school_year=year)
        .select_related("class_group", "subject")
        .order_by("class_group__grade_level", "class_group__name", "subject__order")
    )


# --- history --------------------------------------------------------------------------------


@dataclass(frozen=True)
class HistoryLine:
    version: int
    old: str
    new: str
    state: str
    by: str
    at: datetime
    reason: str


def cell_history(spec: GridSpec, *, enrolment_id: int, term_id: int, column: str) -> list[HistoryLine]:
    """Every version of a cell, oldest first, with who, when, old → new and the reason (one query)."""
    if column == COMMENT_COLUMN:
        records = SubjectComment.history.filter(
            class_subject_id=spec.class_subject.pk, term_id=term_id, enrolment_id=enrolment_id
        )
    else:
        records = ScoreCell.history.filter(
            class_subject_id=spec.class_subject.pk, term_id=term_id, enrolment_id=enrolment_id, column=column
        )
    lines = []
    previous = ""
    states = dict(CellState.choices)
    for record in records.select_related("history_user").order_by("history_date", "history_id"):
        if column == COMMENT_COLUMN:
            now = record.text if record.history_type != "-" else ""
            state = ""
        else:
            now = record.instance.display if record.history_type != "-" else ""
            state = str(states.get(record.state, record.state))
        user = record.history_user
        lines.append(
            HistoryLine(
                version=record.version,
                old=previous,
                new=now,
                state=state,
                by=(user.full_name or user.username) if user else "",
                at=record.history_date,
                reason=record.history_change_reason or "",
            )
        )
        previous = now
    return lines


# --- previews of a paste or an upload -------------------------------------------------------


@dataclass
class PreviewLine:
    student: str
    column: str  # the column's label (with the term in the year view)
    old: str
    new: str
    status: str  # "new", "changed", "cleared", "unchanged", "refused"
    message: str = ""
    entry: Entry | None = None
    where: str = ""  # row and column in the file, for an upload

    @property
    def applicable(self) -> bool:
        return self.entry is not None and self.status in ("new", "changed", "cleared")


@dataclass
class Candidate:
    """A value found in a paste or a file, before it is checked: an entry, or a refusal already."""

    student: str
    column: str
    text: str
    entry: Entry | None = None
    refusal: str = ""
    where: str = ""


@dataclass
class Preview:
    lines: list[PreviewLine]
    problems: list[str] = field(default_factory=list)  # whole-file or whole-paste messages

    def count(self, status: str) -> int:
        return sum(1 for line in self.lines if line.status == status)

    @property
    def changes(self) -> list[PreviewLine]:
        return [line for line in self.lines if line.applicable]

    @property
    def refused(self) -> list[PreviewLine]:
        return [line for line in self.lines if line.status == "refused"]

    @property
    def counts(self) -> dict[str, int]:
        return {s: self.count(s) for s in ("new", "changed", "cleared", "unchanged", "refused")}


def preview_candidates(spec: GridSpec, candidates: Sequence[Candidate], *, today: date | None = None) -> Preview:
    """Check every candidate as the write would (ids, locks, departures, scale) against the stored
    cells, without writing: new, changed, cleared, unchanged or refused with the reason."""
    today = today or timezone.localdate()
    entries = [c.entry for c in candidates if c.entry is not None]
    enrolments, refusals = resolve_entries(spec, entries)
    refused = {r.index: r.message for r in refusals}
    known = [i for i, e in enumerate(entries) if i not in refused]
    gate = gate_entries(spec, [entries[i] for i in known], enrolments, correction=None, today=today)
    for refusal in gate:
        refused[known[refusal.index]] = refusal.message
    current = current_cells(spec, entries)
    lines = []
    index = 0
    for candidate in candidates:
        if candidate.entry is None:
            lines.append(
                PreviewLine(
                    candidate.student,
                    candidate.column,
                    "",
                    candidate.text,
                    "refused",
                    candidate.refusal,
                    where=candidate.where,
                )
            )
            continue
        entry = candidate.entry
        row = current.get(entry.key)
        old = stored_display(row)
        if index in refused:
            lines.append(
                PreviewLine(
                    candidate.student,
                    candidate.column,
                    old,
                    entry.text,
                    "refused",
                    refused[index],
                    entry=None,
                    where=candidate.where,
                )
            )
        else:
            parsed = parse_against(spec, entry, row)
            if not parsed.ok:
                lines.append(
                    PreviewLine(
                        candidate.student,
                        candidate.column,
                        old,
                        entry.text,
                        "refused",
                        parsed.error,
                        where=candidate.where,
                    )
                )
            else:
                version = row.version if row is not None else 0
                checked = Entry(entry.enrolment_id, entry.term_id, entry.column, entry.text, version=version)
                lines.append(
                    PreviewLine(
                        candidate.student,
                        candidate.column,
                        old,
                        parsed.display,
                        status_of(parsed, row),
                        parsed.warning or "",
                        entry=checked,
                        where=candidate.where,
                    )
                )
        index += 1
    return Preview(lines=lines)


def split_block(text: str) -> list[list[str]]:
    """A block copied from Excel or Google Sheets: rows of tab-separated cells; quoted cells (a
    comment with a line break) are read as Excel writes them."""
    rows = list(csv.reader(io.StringIO(text), delimiter="\t", quotechar='"'))
    while rows and all(cell.strip() == "" for cell in rows[-1]):
        rows.pop()  # the line break Excel adds after the last row
    return rows


def paste_candidates(
    spec: GridSpec,
    *,
    enrolments: Sequence[Enrolment],
    terms: Sequence[Term],
    mode: str,
    start_enrolment_id: int,
    start_term_id: int,
    start_column: str,
    text: str,
) -> tuple[list[Candidate], list[str]]:
    """Map a pasted block onto the grid from the focused cell, in the grid's own row and column
    order. Values falling outside the grid are kept as refusals, never dropped."""
    problems: list[str] = []
    if len(text) > MAX_PASTE_CHARACTERS:
        return [], [_("The pasted block is too large (more than %(n)s characters).") % {"n": MAX_PASTE_CHARACTERS}]
    block = split_block(text)
    if not block:
        return [], [_("The clipboard holds nothing to paste.")]
    if len(block) > MAX_PASTE_ROWS or max(len(r) for r in block) > MAX_PASTE_COLUMNS:
        return [], [
            _("The pasted block is too large: at most %(rows)s rows and %(cols)s columns.")
            % {"rows": MAX_PASTE_ROWS, "cols": MAX_PASTE_COLUMNS}
        ]
    columns = grid_columns(spec, terms, mode)
    row_index = next((i for i, e in enumerate(enrolments) if e.pk == start_enrolment_id), None)
    col_index = next((i for i, (t, key) in enumerate(columns) if t.pk == start_term_id and key == start_column), None)
    if row_index is None or col_index is None:
        return [], [_("The cell the paste starts from is not in this grid.")]
    several_terms = len(terms) > 1
    candidates = []
    for i, values in enumerate(block):
        for j, raw in enumerate(values):
            r, c = row_index + i, col_index + j
            if r >= len(enrolments) or c >= len(columns):
                if raw.strip():
                    candidates.append(
                        Candidate(
                            student=enrolments[r].student.full_name if r < len(enrolments) else "—",
                            column=spec.label(columns[c][1]) if c < len(columns) else "—",
                            text=raw,
                            refusal=_("Outside the grid: the block has more rows or columns than remain."),
                        )
                    )
                continue
            term, key = columns[c]
            label = spec.label(key)
            if several_terms:
                label = f"{label} ({term.get_number_display()})"
            candidates.append(
                Candidate(
                    student=enrolments[r].student.full_name,
                    column=label,
                    text=raw,
                    entry=Entry(enrolments[r].pk, term.pk, key, raw),
                )
            )
    return candidates, problems
