"""The rules engine's typed inputs for a whole class, in a constant number of queries.

``class_inputs(class_group)`` reads everything the engine needs for every student of a class —
the rule set of the year and grade, the subjects with their periods, every score cell of both
terms, the summer re-assessments, the conduct ratings, the attendance totals — and builds one
``grades.rules.StudentYearInput`` per student, plus what the pages need around it (which cells are
missing, who teaches what, which months of attendance are confirmed). The class overview, the
results computation, and later the printed book and the export all start from it, so they can
never disagree about what the engine was given.

Nine queries whatever the number of students and subjects (a query-count test compares 10 and
40 students).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import NamedTuple

from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from attendance.models import MonthCompletion
from attendance.selectors import AttendanceTotals, TotalsTable, attendance_totals, month_range, year_months
from schools.models import (
    ClassGroup,
    ClassSubject,
    Enrolment,
    GradeRuleSet,
    SchoolYear,
    SubjectOffering,
    TeachingAssignment,
    Term,
)
from schools.sorting import vietnamese_sorted

from .grid import GridSpec, GridUnavailable, term_scores
from .models import SUMMER, TERM1, TERM2, YEAR, CellState, ConductRating, RetestScore, ScoreCell
from .rules import (
    CommentMark,
    ConductInput,
    RuleSet,
    StudentYearInput,
    SubjectInput,
    SubjectKind,
    get_rule_set,
)

TERM_PERIODS = {1: TERM1, 2: TERM2}


class Cell(NamedTuple):
    """A stored score cell as the engine's input needs it (what ``grades.grid.term_scores`` reads)."""

    value: Decimal | None
    mark: str
    state: str


ATTENDANCE_KEYS = {TERM1: "t1", TERM2: "t2", YEAR: "year", SUMMER: "year"}


@dataclass
class StudentInputs:
    """One student of the class and the engine's input for his school year."""

    number: int
    enrolment: Enrolment
    input: StudentYearInput
    # (class_subject_id, term number) -> the column keys still empty (or absent, waiting for the make-up)
    missing: dict[tuple[int, int], tuple[str, ...]] = field(default_factory=dict)
    conduct: dict[str, ConductRating] = field(default_factory=dict)
    retests: dict[int, RetestScore] = field(default_factory=dict)  # class_subject_id -> re-assessment

    @property
    def student(self):
        return self.enrolment.student

    @property
    def active(self) -> bool:
        """Counted in the class's results: a student who transferred out or dropped out is not (P-ST-2)."""
        return not self.enrolment.has_left


@dataclass
class ClassInputs:
    class_group: ClassGroup
    school_year: SchoolYear
    rule_set: RuleSet
    terms: dict[int, Term]  # by number
    specs: list[GridSpec]  # the class's subjects in book order
    teachers: dict[int, list[str]]  # class_subject_id -> the names of its current teachers
    students: list[StudentInputs]
    attendance: TotalsTable  # periods "t1", "t2", "year"
    months: list[tuple[int, int]]
    completed_months: set[tuple[int, int]]

    @property
    def active(self) -> list[StudentInputs]:
        return [s for s in self.students if s.active]

    def term(self, period: str) -> Term | None:
        """The term of a term period; ``None`` for the year and the summer."""
        number = {TERM1: 1, TERM2: 2}.get(period)
        return self.terms.get(number) if number else None

    def absences(self, enrolment_id: int, period: str) -> AttendanceTotals:
        return self.attendance[enrolment_id][ATTENDANCE_KEYS[period]]

    def months_for(self, period: str) -> list[tuple[int, int]]:
        """The months whose attendance a period's results rest on: those ending inside the period
        (January, which ends in term II, belongs to term II; the year needs every month)."""
        if period in (YEAR, SUMMER):
            return list(self.months)
        term = self.term(period)
        if term is None:
            return []
        return [(y, m) for y, m in self.months if term.start_date <= month_range(y, m)[1] <= term.end_date]

    def months_missing(self, period: str) -> list[tuple[int, int]]:
        return [month for month in self.months_for(period) if month not in self.completed_months]

    def months_overdue(self, today: date) -> list[tuple[int, int]]:
        """Months that are over and whose attendance the homeroom teacher has not confirmed."""
        return [(y, m) for y, m in self.months if month_range(y, m)[1] < today and (y, m) not in self.completed_months]

    def teacher_names(self, class_subject_id: int) -> str:
        return ", ".join(self.teachers.get(class_subject_id, [])) or _("no teacher assigned")


def class_specs(class_group: ClassGroup, terms: Iterable[Term]) -> tuple[RuleSet, list[GridSpec]]:
    """The grid specification of every subject of the class, as ``grades.grid.grid_spec`` builds it
    for one subject, in one query for the whole class: the subjects, each with its periods per year
    and the rule set of the year and grade annotated."""
    year = class_group.school_year
    rule_code = GradeRuleSet.objects.filter(school_year_id=year.pk, grade_level=class_group.grade_level).values(
        "rule_set"
    )[:1]
    offered = SubjectOffering.objects.filter(
        school_year_id=year.pk, grade_level=class_group.grade_level, subject_id=OuterRef("subject_id")
    ).values("periods_per_year")[:1]
    class_subjects = list(
        ClassSubject.objects.filter(class_group=class_group)
        .select_related("subject")
        .annotate(rule_code=Subquery(rule_code), periods=Subquery(offered))
        .order_by("subject__order", "subject__name")
    )
    code = class_subjects[0].rule_code if class_subjects else rule_code.values_list("rule_set", flat=True).first()
    if code is None:
        raise GridUnavailable(
            _("The school year %(year)s has no rule set for grade %(grade)s: the admin board must choose one.")
            % {"year": year.name, "grade": class_group.grade_level}
        )
    rule_set = get_rule_set(code)
    periods = {cs.subject_id: cs.periods for cs in class_subjects if cs.periods is not None}
    terms = tuple(sorted(terms, key=lambda t: t.number))
    specs = []
    for class_subject in class_subjects:
        class_subject.class_group = class_group  # already loaded: no query per subject
        subject_periods = periods.get(class_subject.subject_id)
        if subject_periods is None:
            raise GridUnavailable(
                _("%(subject)s is not offered to grade %(grade)s in %(year)s: its periods per year are unknown.")
                % {"subject": class_subject.subject.name, "grade": class_group.grade_level, "year": year.name}
            )
        kind = rule_set.subject_kind(
            SubjectInput(
                code=class_subject.subject.code,
                periods=subject_periods,
                term1=None,
                term2=None,
                kind=SubjectKind(class_subject.subject.kind),
            )
        )
        specs.append(
            GridSpec(
                class_subject=class_subject,
                school_year=year,
                rule_set=rule_set,
                subject_kind=kind,
                periods=subject_periods,
                columns=rule_set.columns(kind, subject_periods).columns,
                terms=terms,
            )
        )
    return rule_set, specs


def conduct_level(rule_set: RuleSet, label: str):
    """The rule set's conduct level for a stored label, or ``None`` (not rated, or not of this scale)."""
    if not label:
        return None
    try:
        return rule_set.conduct_scale.from_label(label)
    except ValueError:
        return None


def retest_value(retest: RetestScore | None):
    if retest is None:
        return None
    if retest.value is not None:
        return retest.value
    return CommentMark.from_label(retest.mark) if retest.mark else None


def class_inputs(class_group: ClassGroup, *, today: date | None = None) -> ClassInputs:
    """Everything the rules engine needs for every student of the class (leavers included, marked),
    in a constant number of queries. ``class_group`` must come with ``school_year`` selected."""
    today = today or timezone.localdate()
    year = class_group.school_year
    terms = {t.number: t for t in Term.objects.filter(school_year_id=year.pk)}
    rule_set, specs = class_specs(class_group, terms.values())
    enrolments = vietnamese_sorted(
        Enrolment.objects.filter(class_group=class_group).select_related("student"),
        family=lambda e: e.student.family_name,
        given=lambda e: e.student.given_name,
    )
    cells: dict[int, dict[int, dict[int, dict[str, Cell]]]] = defaultdict(
        lambda: defaultdict(lambda: defaultdict(dict))
    )
    term_numbers = {t.pk: n for n, t in terms.items()}
    # Plain tuples, not model instances: a class has tens of thousands of cells.
    for enrolment_id, class_subject_id, term_id, column, value, mark, state in ScoreCell.objects.filter(
        class_subject__class_group=class_group
    ).values_list("enrolment_id", "class_subject_id", "term_id", "column", "value", "mark", "state"):
        cells[enrolment_id][class_subject_id][term_numbers.get(term_id, 0)][column] = Cell(value, mark, state)
    conduct: dict[int, dict[str, ConductRating]] = defaultdict(dict)
    for rating in ConductRating.objects.filter(enrolment__class_group=class_group):
        conduct[rating.enrolment_id][rating.period] = rating
    retests: dict[int, dict[int, RetestScore]] = defaultdict(dict)
    for retest in RetestScore.objects.filter(enrolment__class_group=class_group):
        retests[retest.enrolment_id][retest.class_subject_id] = retest
    periods = {"year": (year.start_date, year.end_date)}
    for number, key in ((1, "t1"), (2, "t2")):
        if number in terms:
            periods[key] = (terms[number].start_date, terms[number].end_date)
    attendance = attendance_totals(enrolments=[e.pk for e in enrolments], periods=periods)
    completed = set(MonthCompletion.objects.filter(class_group=class_group).values_list("year", "month"))
    teachers: dict[int, list[str]] = defaultdict(list)
    for assignment in (
        TeachingAssignment.objects.filter(class_subject__class_group=class_group, ends_on__isnull=True)
        .select_related("teacher")
        .order_by("starts_on", "pk")
    ):
        teachers[assignment.class_subject_id].append(assignment.teacher.full_name or assignment.teacher.username)

    students = []
    for number, enrolment in enumerate(enrolments, start=1):
        subjects = []
        missing: dict[tuple[int, int], tuple[str, ...]] = {}
        for spec in specs:
            by_term = cells[enrolment.pk][spec.class_subject.pk]
            scores = {}
            for term_number in (1, 2):
                if term_number not in terms:
                    continue
                term_cells = by_term[term_number]
                scores[term_number] = term_scores(spec, term_cells)
                gaps = tuple(
                    column.key
                    for column in spec.columns
                    if (cell := term_cells.get(column.key)) is None
                    or cell.state == CellState.ABSENT
                    or (cell.value is None and not cell.mark)
                )
                if gaps:
                    missing[(spec.class_subject.pk, term_number)] = gaps
            subjects.append(
                SubjectInput(
                    code=spec.class_subject.subject.code,
                    periods=spec.periods,
                    term1=scores.get(1),
                    term2=scores.get(2),
                    kind=spec.subject_kind,
                    retest=retest_value(retests[enrolment.pk].get(spec.class_subject.pk)),
                    name=spec.class_subject.subject.name,
                )
            )
        ratings = conduct[enrolment.pk]
        summer = ratings.get(SUMMER)
        student_input = StudentYearInput(
            grade=class_group.grade_level,
            subjects=tuple(subjects),
            conduct=ConductInput(
                term1=conduct_level(rule_set, ratings[TERM1].level) if TERM1 in ratings else None,
                term2=conduct_level(rule_set, ratings[TERM2].level) if TERM2 in ratings else None,
                year=conduct_level(rule_set, ratings[YEAR].level) if YEAR in ratings else None,
                summer=conduct_level(rule_set, summer.level) if summer is not None else None,
                summer_training_completed=summer.summer_completed if summer is not None else None,
            ),
            absences=Decimal(attendance[enrolment.pk]["year"].counted),
        )
        students.append(
            StudentInputs(
                number=number,
                enrolment=enrolment,
                input=student_input,
                missing=missing,
                conduct=dict(ratings),
                retests=dict(retests[enrolment.pk]),
            )
        )
    return ClassInputs(
        class_group=class_group,
        school_year=year,
        rule_set=rule_set,
        terms=terms,
        specs=specs,
        teachers=dict(teachers),
        students=students,
        attendance=attendance,
        months=year_months(year),
        completed_months=completed,
    )


def input_for_period(student: StudentInputs, period: str) -> StudentYearInput:
    """The engine's input as a period's results must see it: the year's own results are computed
    without the summer's re-assessments and training (those make the summer's results, and the
    year's record keeps its original values, R22-YE-4); the summer's with everything."""
    if period == SUMMER:
        return student.input
    data = student.input
    return replace(
        data,
        subjects=tuple(replace(subject, retest=None) for subject in data.subjects),
        conduct=replace(data.conduct, summer=None, summer_training_completed=None),
    )
