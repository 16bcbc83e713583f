"""What a grid is made of, from the school year's rule set: its columns, how a typed cell is read,
how a row's averages are computed, and when each column is due.

Everything here asks the rules engine (``grades.rules``) and never repeats its logic: the columns
come from ``RuleSet.columns``, a typed value from ``parse_score`` and the averages from
``RuleSet.subject_result``. The grid adds only what the engine does not know about: the comment
column, the "absent, make-up pending" mark (R22-ASM-5) and the entry deadlines (P-DL-1..3).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from django.db.models import Subquery
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from schools.calendar import nth_working_day_after
from schools.models import ClassSubject, GradeRuleSet, School, SchoolYear, SubjectOffering, Term

from .models import COMMENT_COLUMN, CellState, Mark
from .rules import (
    Column,
    ColumnKind,
    CommentMark,
    RuleSet,
    SubjectInput,
    SubjectKind,
    TermScores,
    format_score_vi,
    get_rule_set,
    parse_score,
)

# Deadlines of LC Đ11.1 (P-DL-1): working days after the test, the test day not counted.
DEADLINE_WORKING_DAYS = {ColumnKind.MIDTERM: 10, ColumnKind.PERIOD_TEST: 10, ColumnKind.FINAL: 14}
PERIODIC_KINDS = frozenset(DEADLINE_WORKING_DAYS)
ABSENT_WORDS = frozenset({"v", "vắng", "vang"})
MAX_COMMENT_LENGTH = 1000
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


class GridUnavailable(Exception):
    """The school year lacks what the grid is built from (a rule set, the subject's periods)."""


@dataclass(frozen=True)
class GridSpec:
    class_subject: ClassSubject
    school_year: SchoolYear
    rule_set: RuleSet
    subject_kind: SubjectKind
    periods: int
    columns: tuple[Column, ...]
    terms: tuple[Term, ...]

    @property
    def rule_set_code(self) -> str:
        return self.rule_set.code

    @property
    def is_comment(self) -> bool:
        return self.subject_kind is SubjectKind.COMMENT

    @property
    def column_keys(self) -> tuple[str, ...]:
        return tuple(c.key for c in self.columns)

    def column(self, key: str) -> Column | None:
        for column in self.columns:
            if column.key == key:
                return column
        return None

    def term(self, term_id: int) -> Term | None:
        for term in self.terms:
            if term.pk == term_id:
                return term
        return None

    def term_by_number(self, number: int) -> Term | None:
        for term in self.terms:
            if term.number == number:
                return term
        return None

    def label(self, key: str) -> str:
        if key == COMMENT_COLUMN:
            return pgettext("score grid", "Comment")
        column = self.column(key)
        return column.label if column else key


def grid_spec(class_subject: ClassSubject) -> GridSpec:
    """The columns of a class's subject under its school year's rule set (one query: the year's
    terms, each carrying the rule set's code and the subject's periods).

    ``class_subject`` must come with ``class_group__school_year`` and ``subject`` selected.
    """
    class_group = class_subject.class_group
    year = class_group.school_year
    rule_sets = GradeRuleSet.objects.filter(school_year_id=year.pk, grade_level=class_group.grade_level)
    offerings = SubjectOffering.objects.filter(
        school_year_id=year.pk, subject_id=class_subject.subject_id, grade_level=class_group.grade_level
    )
    rule_set_code = Subquery(rule_sets.order_by().values("rule_set")[:1])
    periods_per_year = Subquery(offerings.order_by().values("periods_per_year")[:1])
    terms = tuple(
        Term.objects.filter(school_year_id=year.pk)
        .annotate(grid_rule_set=rule_set_code, grid_periods=periods_per_year)
        .order_by("number")
    )
    if terms:
        code, periods = terms[0].grid_rule_set, terms[0].grid_periods
    else:  # a year without terms yet: ask the two tables themselves
        code = rule_sets.values_list("rule_set", flat=True).first()
        periods = offerings.values_list("periods_per_year", flat=True).first()
    if code is None:
        raise GridUnavailable(
            _("The school year %(year)s has no rule set for grade %(grade)s: the admin board must choose one.")
            % {"year": year.name, "grade": class_group.grade_level}
        )
    if periods is None:
        raise GridUnavailable(
            _("%(subject)s is not offered to grade %(grade)s in %(year)s: its periods per year are unknown.")
            % {"subject": class_subject.subject.name, "grade": class_group.grade_level, "year": year.name}
        )
    rule_set = get_rule_set(code)
    # The rule set's own list of comment subjects decides, as it does when results are computed.
    kind = rule_set.subject_kind(
        SubjectInput(
            code=class_subject.subject.code,
            periods=periods,
            term1=None,
            term2=None,
            kind=SubjectKind(class_subject.subject.kind),
        )
    )
    columns = rule_set.columns(kind, periods).columns
    return GridSpec(
        class_subject=class_subject,
        school_year=year,
        rule_set=rule_set,
        subject_kind=kind,
        periods=periods,
        columns=columns,
        terms=terms,
    )


# --- typed values ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ParsedEntry:
    """One typed cell, read: what would be stored, or why it is refused."""

    value: Decimal | None = None
    mark: str = ""
    state: str = CellState.ENTERED
    text: str = ""  # the comment column
    error: str | None = None
    warning: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def is_empty(self) -> bool:
        return self.value is None and not self.mark and not self.text and self.state == CellState.ENTERED

    @property
    def display(self) -> str:
        from .models import cell_display

        return self.text or cell_display(self.value, self.mark, self.state)

    def same_as(self, value: Decimal | None, mark: str, state: str, text: str = "") -> bool:
        return (self.value, self.mark, self.state, self.text) == (value, mark, state, text)


def clean_comment(raw: str) -> str:
    """A comment as stored: NFC, no control characters (a stray \\x0b from Word), trimmed."""
    return _CONTROL.sub("", unicodedata.normalize("NFC", raw)).strip()


def parse_entry(
    spec: GridSpec,
    column_key: str,
    raw: str,
    *,
    current_state: str = CellState.ENTERED,
    no_makeup: bool = False,
) -> ParsedEntry:
    """Read what was typed into a cell (the server is the judge; score-grid.js mirrors this).

    Scores and Đ/CĐ are read by the rules engine (``parse_score``: decimal comma, scale, one
    decimal, never rounded). "V" marks an assessment missed for a force-majeure reason, waiting
    for its make-up; a value typed into such a cell is the make-up result; ``no_makeup`` records
    the 0 / CĐ of a make-up not taken (R22-ASM-5).
    """
    if column_key == COMMENT_COLUMN:
        text = clean_comment(raw)
        if len(text) > MAX_COMMENT_LENGTH:
            return ParsedEntry(
                error=_("The comment is too long: at most %(n)s characters (it has %(len)s).")
                % {"n": MAX_COMMENT_LENGTH, "len": len(text)}
            )
        return ParsedEntry(text=text)
    column = spec.column(column_key)
    if column is None:
        return ParsedEntry(error=_("This column does not exist in the grid."))
    if no_makeup:
        if spec.is_comment:
            return ParsedEntry(mark=Mark.FAIL, state=CellState.NO_MAKEUP)
        return ParsedEntry(value=Decimal("0.0"), state=CellState.NO_MAKEUP)
    if raw is not None and len(raw) <= 20 and unicodedata.normalize("NFC", raw).strip().casefold() in ABSENT_WORDS:
        return ParsedEntry(state=CellState.ABSENT)
    parsed = parse_score(raw, spec.rule_set_code, column.kind, subject_kind=spec.subject_kind)
    if parsed.error is not None:
        return ParsedEntry(error=parsed.error)
    if parsed.value is None:
        return ParsedEntry()
    makeup = current_state in (CellState.ABSENT, CellState.MAKEUP, CellState.NO_MAKEUP)
    state = CellState.MAKEUP if makeup else CellState.ENTERED
    if isinstance(parsed.value, CommentMark):
        return ParsedEntry(mark=parsed.value.label, state=state, warning=parsed.warning)
    return ParsedEntry(value=parsed.value, state=state, warning=parsed.warning)


# --- averages -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Average:
    """A computed term or year result: official, or provisional ("tạm tính") over the cells present."""

    value: Decimal | CommentMark | None
    provisional: bool = False

    @property
    def display(self) -> str:
        if isinstance(self.value, Decimal):
            return format_score_vi(self.value)
        if isinstance(self.value, CommentMark):
            return self.value.label
        return ""

    def as_json(self) -> dict:
        return {"display": self.display, "provisional": self.provisional}


EMPTY_AVERAGE = Average(None)


def _cell_value(spec: GridSpec, cell) -> Decimal | CommentMark | None:
    if cell is None or cell.state == CellState.ABSENT:
        return None
    if spec.is_comment:
        return CommentMark.from_label(cell.mark) if cell.mark else None
    return cell.value


def term_scores(spec: GridSpec, cells: Mapping[str, object]) -> TermScores:
    """The engine's input for one term from the row's cells (column key → cell with value/mark/state)."""
    regular: list = []
    periodic: list = []
    midterm = final = None
    for column in spec.columns:
        value = _cell_value(spec, cells.get(column.key))
        if column.contract_field == "regular":
            regular.append(value)
        elif column.contract_field == "periodic":
            periodic.append(value)
        elif column.contract_field == "midterm":
            midterm = value
        elif column.contract_field == "final":
            final = value
    return TermScores(regular=tuple(regular), midterm=midterm, final=final, periodic=tuple(periodic))


def _average(official, provisional) -> Average:
    if official is not None:
        return Average(official)
    if provisional is not None:
        return Average(provisional, provisional=True)
    return EMPTY_AVERAGE


def row_averages(spec: GridSpec, cells_by_term: Mapping[int, Mapping[str, object]]) -> dict:
    """Term averages (ĐTBmhk or the term's Đ/CĐ) by term id and, when both terms are given, the
    year's ("year"), from the rules engine (R22-SR-1..4, R58-SR-1..5)."""
    scores = {term.number: term_scores(spec, cells_by_term[term.pk]) for term in spec.terms if term.pk in cells_by_term}
    result = spec.rule_set.subject_result(
        SubjectInput(
            code=spec.class_subject.subject.code,
            periods=spec.periods,
            term1=scores.get(1),
            term2=scores.get(2),
            kind=spec.subject_kind,
        )
    )
    averages: dict = {}
    for term in spec.terms:
        if term.pk in cells_by_term:
            term_result = result.term1 if term.number == 1 else result.term2
            averages[term.pk] = _average(term_result.value, term_result.provisional)
    if len(scores) == 2:
        averages["year"] = _average(result.year, result.year_provisional)
    return averages


# --- deadlines ------------------------------------------------------------------------------


def entry_deadline(school: School, term: Term, column: Column, test_date: date | None) -> date | None:
    """The last day to enter a column (LC Đ11.1): the principal's date for regular assessments;
    10 working days after a mid-term test and 14 after an end-of-term test (P-DL-1, P-DL-2)."""
    if column.kind in PERIODIC_KINDS:
        if test_date is None:
            return None
        return nth_working_day_after(school, test_date, DEADLINE_WORKING_DAYS[column.kind])
    return term.regular_entry_deadline


def default_test_date(term: Term, column: Column) -> date | None:
    """The school-wide test date of the term, used until the class's own date is recorded."""
    if column.kind in (ColumnKind.MIDTERM, ColumnKind.PERIOD_TEST):
        return term.midterm_test_date
    if column.kind is ColumnKind.FINAL:
        return term.final_test_date
    return None
