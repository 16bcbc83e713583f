"""Reads of the exports app: the rows of a results export, the statistics, the export lists.

``results_source`` is the one adapter between the export and wherever results come from. It
yields one ``ExportRow`` per student, class by class (grade level, then class name), students in
the one Vietnamese order of ``schools.sorting`` (leavers listed with their status, not counted).

A class whose results the principal approved gives the stored values (the rows of
``grades.results_selectors.approved_results``, the one function to read official results, read
here as plain values for speed; for the year, a student's approved summer result replaces his
year result). A class not approved yet
gives what the results app computes from today's data (``grades.class_inputs`` → the rules engine
→ ``results_selectors.record_fields``, the very values the homeroom teacher would store), and
every such row and the sheet's heading say "chưa được phê duyệt".

Queries: eight before the rows whatever the size, then a fixed number per class (one for an
approved class, two for an approved year, eleven for a class computed now): one class is in
memory at a time, whatever the size of the school.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from fractions import Fraction

from django.db.models import QuerySet

from attendance.selectors import attendance_totals
from grades import results_selectors
from grades.class_inputs import class_inputs
from grades.grid import GridUnavailable
from grades.models import SUMMER, ResultBatch, StudentResult
from grades.rules import SubjectKind, Title22, Title58, YearOutcome, get_rule_set, round_half_up
from schools.models import ClassGroup, ClassSubject, DistrictOffice, Enrolment, GradeRuleSet, School, SchoolYear, Term
from schools.sorting import vietnamese_sorted

from .models import Period, ResultsExport

TT22 = "tt22_2021"
APPROVED = "approved"  # grades.models.ResultBatch.Status.APPROVED
PERIOD_TITLE = {Period.TERM1: "HỌC KÌ I", Period.TERM2: "HỌC KÌ II", Period.YEAR: "CẢ NĂM"}

# Labels written into the file and shown on the statistics page: data in Vietnamese, like the
# levels the rules engine returns ("Tốt", "Khá" …), whatever the language of the page.
GENDER = {"nam": "Nam", "nu": "Nữ"}
STATUS = {
    Enrolment.Status.STUDYING: "Đang học",
    Enrolment.Status.TRANSFERRED_IN: "Chuyển đến",
    Enrolment.Status.TRANSFERRED_OUT: "Chuyển đi",
    Enrolment.Status.DROPPED_OUT: "Thôi học",
    Enrolment.Status.GRADUATED: "Hoàn thành chương trình",
}
PROMOTION = {
    YearOutcome.PROMOTED: "Lên lớp",
    YearOutcome.PROMOTED_AFTER_SUMMER: "Lên lớp sau hè",
    YearOutcome.SUMMER_REASSESSMENT: "Kiểm tra, đánh giá lại trong hè",
    YearOutcome.SUMMER_TRAINING: "Rèn luyện trong hè",
    YearOutcome.SUMMER_BOTH: "Rèn luyện và kiểm tra, đánh giá lại trong hè",
    YearOutcome.RETAINED: "Không được lên lớp",
    YearOutcome.COMPLETED_PROGRAMME: "Hoàn thành chương trình",
    YearOutcome.PENDING: "Chưa xác định",
}
MISSING = "Chưa có"
RULE_SET_NAMES = {
    "tt22_2021": "Thông tư 22/2021/TT-BGDĐT",
    "tt58_tt26_2020": "Thông tư 58/2011/TT-BGDĐT, sửa đổi bởi Thông tư 26/2020/TT-BGDĐT",
    "tt58_2011": "Thông tư 58/2011/TT-BGDĐT",
}
# P-MON-3 / the issue: the score bands of the usual statistics report.
BANDS = (
    (Decimal("0"), Decimal("3.5"), "0 – dưới 3,5"),
    (Decimal("3.5"), Decimal("5"), "3,5 – dưới 5"),
    (Decimal("5"), Decimal("6.5"), "5 – dưới 6,5"),
    (Decimal("6.5"), Decimal("8"), "6,5 – dưới 8"),
    (Decimal("8"), Decimal("10.01"), "8 – 10"),
)


class ExportUnavailable(Exception):
    """The export cannot be built (a grade without a rule set, a subject without periods …)."""


def _d(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


# --- what a grade's sheet is made of ---------------------------------------------------------


@dataclass(frozen=True)
class SubjectColumn:
    code: str
    name: str
    comment: bool


@dataclass
class GradeLayout:
    """The columns of one grade level's sheet: its rule set decides the result names and levels."""

    grade: int
    rule_set_code: str
    subjects: list[SubjectColumn]

    @property
    def rule_set(self):
        return get_rule_set(self.rule_set_code)

    @property
    def legacy(self) -> bool:
        """TT58 and TT58+TT26 say "học lực" and "hạnh kiểm" and give term titles."""
        return self.rule_set_code != TT22

    @property
    def learning_name(self) -> str:
        return "Học lực" if self.legacy else "Kết quả học tập"

    @property
    def conduct_name(self) -> str:
        return "Hạnh kiểm" if self.legacy else "Kết quả rèn luyện"

    @property
    def learning_levels(self) -> list[str]:
        return [level.label for level in self.rule_set.learning_scale]

    @property
    def conduct_levels(self) -> list[str]:
        return [level.label for level in self.rule_set.conduct_scale]

    @property
    def titles(self) -> list[str]:
        return [title.value for title in (Title58 if self.legacy else Title22)]

    @property
    def rule_set_name(self) -> str:
        return RULE_SET_NAMES.get(self.rule_set_code, self.rule_set_code)

    @property
    def scored(self) -> list[SubjectColumn]:
        return [s for s in self.subjects if not s.comment]


# --- one student's row -------------------------------------------------------------------------


@dataclass
class ExportRow:
    enrolment_id: int
    class_id: int
    grade: int
    class_name: str
    student_code: str
    national_id: str
    full_name: str
    date_of_birth: str  # dd/mm/yyyy (CSDL ngành)
    gender: str
    ethnicity: str
    status: str
    counted: bool  # in the class's results (not left, P-ST-2): counted in the statistics
    subjects: dict[str, Decimal | str | None] = field(default_factory=dict)
    learning: str = ""
    conduct: str = ""
    excused: int = 0
    unexcused: int = 0
    honours: str = ""
    promotion: str = ""
    missing: list[str] = field(default_factory=list)  # subjects without an official result
    approved: bool = False
    note: str = ""

    @property
    def complete(self) -> bool:
        return not self.counted or (not self.missing and bool(self.learning))

    @property
    def absent(self) -> int:
        return self.excused + self.unexcused

    def fingerprint_data(self) -> bytes:
        """The row's data as canonical bytes (the personal ID number left out: it is profile data,
        and asking for it must not make an export look like an updated version)."""
        data = [
            self.class_name,
            self.student_code,
            self.full_name,
            self.date_of_birth,
            self.gender,
            self.ethnicity,
            self.status,
            sorted((k, str(v) if v is not None else None) for k, v in self.subjects.items()),
            self.learning,
            self.conduct,
            self.excused,
            self.unexcused,
            self.honours,
            self.promotion,
            self.approved,
        ]
        return json.dumps(data, ensure_ascii=False, separators=(",", ":")).encode()


# --- where the results come from ----------------------------------------------------------------


@dataclass
class ResultLine:
    """One student's results for the period, as ``grades`` stores them (``StudentResult``) or as
    ``grades.results_selectors.record_fields`` computes them: subject values "7.7" / "Đ" / None."""

    subjects: dict
    learning: str
    conduct: str
    title: str
    outcome: str


def _line(fields) -> ResultLine:
    get = fields.get if isinstance(fields, dict) else lambda name: getattr(fields, name)
    return ResultLine(
        subjects=get("subjects") or {},
        learning=get("learning") or "",
        conduct=get("conduct") or "",
        title=get("title") or "",
        outcome=get("outcome") or "",
    )


def approved_lines(class_group: ClassGroup, period: str) -> dict[int, ResultLine]:
    """The principal's approved results of a class for the period, by enrolment (empty while not
    approved). For the year, a student's approved summer result (after the re-assessment and the
    summer training) replaces his year result."""
    lines = _approved_values(class_group, period)
    if lines and period == Period.YEAR:
        lines.update(_approved_values(class_group, SUMMER))
    return lines


def _approved_values(class_group: ClassGroup, period: str) -> dict[int, ResultLine]:
    """The rows ``results_selectors.approved_results`` returns (the class's one batch of the period,
    approved), read as plain values in one query: the export needs them by enrolment, not as
    model objects in the book's order, and building and sorting 1,500 of them was a quarter of a
    whole-school export's time (G11). ``tests/exports/test_queries.py`` checks both agree."""
    rows = StudentResult.objects.filter(
        batch__class_group=class_group, batch__period=period, batch__status=ResultBatch.Status.APPROVED
    ).values_list("enrolment_id", "subjects", "learning", "conduct", "title", "outcome")
    return {
        enrolment_id: ResultLine(subjects or {}, learning or "", conduct or "", title or "", outcome or "")
        for enrolment_id, subjects, learning, conduct, title, outcome in rows
    }


def live_lines(class_group: ClassGroup, period: str) -> dict[int, ResultLine]:
    """What the results app computes now for a class that is not approved (``class_inputs`` →
    the rules engine → ``record_fields``), by enrolment; a student the engine refuses is left out."""
    inputs = class_inputs(class_group)
    lines = {}
    for row in results_selectors.evaluate(inputs, period):
        if row.result is not None:
            lines[row.student.enrolment.pk] = _line(
                results_selectors.record_fields(inputs, row.student, row.result, period)
            )
    return lines


def _value(value, period: str) -> Decimal | str | None:
    if value is None or value == "":
        return None
    if isinstance(value, str) and value[:1].isdigit():
        return Decimal(value)
    return str(value)


def _subject_value(data: dict, period: str):
    if period == Period.YEAR:
        value = data.get("final_year")
        return _value(value if value not in (None, "") else data.get("year"), period)
    return _value(data.get(period), period)


# --- the source of an export --------------------------------------------------------------------


@dataclass
class ExportSource:
    school: School
    school_year: SchoolYear
    period: str
    classes: list[ClassGroup]
    layouts: dict[int, GradeLayout]
    approved_classes: set[int]
    with_national_id: bool = False
    enrolments: dict[int, list[Enrolment]] = field(default_factory=dict, repr=False)
    absences: dict = field(default_factory=dict, repr=False)

    @property
    def student_count(self) -> int:
        return sum(len(rows) for rows in self.enrolments.values())

    @property
    def approved(self) -> bool:
        """Every class of the export has the principal's approved results for the period."""
        return all(c.pk in self.approved_classes for c in self.classes)

    def rows(self) -> Iterator[ExportRow]:
        """Every student's row, class by class in the export's order; one class in memory at a time."""
        for class_group in self.classes:
            yield from self.class_rows(class_group)

    def class_rows(self, class_group: ClassGroup) -> Iterator[ExportRow]:
        layout = self.layouts[class_group.grade_level]
        approved = class_group.pk in self.approved_classes
        if approved:
            lines = approved_lines(class_group, self.period)
        else:
            try:
                lines = live_lines(class_group, self.period)
            except GridUnavailable as exc:
                raise ExportUnavailable(str(exc)) from exc
        for enrolment in self.enrolments.get(class_group.pk, []):
            student = enrolment.student
            row = ExportRow(
                enrolment_id=enrolment.pk,
                class_id=class_group.pk,
                grade=class_group.grade_level,
                class_name=class_group.name,
                student_code=student.student_code,
                national_id=student.national_id if self.with_national_id else "",
                full_name=student.full_name,
                date_of_birth=_d(student.date_of_birth),
                gender=GENDER.get(student.gender, student.gender),
                ethnicity=student.ethnicity,
                status=_status(enrolment),
                counted=not enrolment.has_left,
            )
            totals = self.absences[enrolment.pk][self.period]
            row.excused, row.unexcused = totals.excused, totals.unexcused
            line = lines.get(enrolment.pk)
            if row.counted:
                _fill(row, layout, line, self.period, approved)
            yield row


def _status(enrolment: Enrolment) -> str:
    label = STATUS.get(enrolment.status, enrolment.status)
    if enrolment.has_left and enrolment.left_on:
        return f"{label} ngày {_d(enrolment.left_on)}"
    if enrolment.status == Enrolment.Status.TRANSFERRED_IN:
        return f"{label} ngày {_d(enrolment.enrolled_on)}"
    return label


def _fill(row: ExportRow, layout: GradeLayout, line: ResultLine | None, period: str, approved: bool) -> None:
    row.approved = approved and line is not None
    if line is None:
        row.missing = [s.name for s in layout.subjects]
        row.note = "Chưa có kết quả: dữ liệu điểm chưa hợp lệ" if not approved else "Không có trong kết quả đã duyệt"
        return
    for subject in layout.subjects:
        data = line.subjects.get(subject.code)
        row.subjects[subject.code] = _subject_value(data, period) if data else None
    row.missing = [s.name for s in layout.subjects if row.subjects.get(s.code) is None]
    row.learning = line.learning
    row.conduct = line.conduct
    row.honours = line.title
    if period == Period.YEAR and line.outcome:
        try:
            row.promotion = PROMOTION[YearOutcome(line.outcome)]
        except ValueError:
            row.promotion = line.outcome
    notes = []
    if not approved:
        notes.append("Chưa được phê duyệt")
    if row.missing:
        notes.append("Chưa đủ điểm: " + ", ".join(row.missing))
    row.note = "; ".join(notes)


def _period_range(period: str, year: SchoolYear, terms: list[Term]) -> tuple[date, date]:
    if period == Period.YEAR:
        return year.start_date, year.end_date
    number = 1 if period == Period.TERM1 else 2
    term = next((t for t in terms if t.number == number), None)
    if term is None:
        raise ExportUnavailable(f"Năm học {year.name} chưa có học kì {'I' if number == 1 else 'II'}.")
    return term.start_date, term.end_date


def results_source(
    school_year: SchoolYear,
    period: str,
    *,
    grade: int | None = None,
    class_group: ClassGroup | None = None,
    with_national_id: bool = False,
) -> ExportSource:
    """Everything an export reads before its rows (eight queries whatever the size); ``rows()`` then
    reads each class's results: one query for an approved class (two for the year: the summer's
    too), ``class_inputs``' eleven for a class computed now."""
    year = SchoolYear.objects.select_related("school__district__province").get(pk=school_year.pk)
    classes_qs = ClassGroup.objects.filter(school_year=year).select_related("school_year")
    if grade is not None:
        classes_qs = classes_qs.filter(grade_level=grade)
    if class_group is not None:
        classes_qs = classes_qs.filter(pk=class_group.pk)
    classes = list(classes_qs.order_by("grade_level", "name", "pk"))
    if not classes:
        raise ExportUnavailable("Không có lớp nào trong phạm vi đã chọn: không có gì để xuất.")
    for c in classes:
        c.school_year = year
    class_ids = [c.pk for c in classes]
    terms = list(Term.objects.filter(school_year=year).order_by("number"))
    start, end = _period_range(period, year, terms)
    rule_sets = dict(GradeRuleSet.objects.filter(school_year=year).values_list("grade_level", "rule_set"))
    layouts: dict[int, GradeLayout] = {}
    for c in classes:
        code = rule_sets.get(c.grade_level)
        if code is None:
            raise ExportUnavailable(
                f"Năm học {year.name} chưa chọn bộ quy tắc đánh giá cho khối {c.grade_level}: ban quản trị cần chọn."
            )
        layouts.setdefault(c.grade_level, GradeLayout(c.grade_level, code, []))
    seen: set[tuple[int, str]] = set()
    subjects = (
        ClassSubject.objects.filter(class_group__in=class_ids)
        .order_by("subject__order", "subject__name", "subject_id")
        .values_list("class_group__grade_level", "subject__code", "subject__name", "subject__kind")
    )
    for grade_level, code, name, kind in subjects:
        if (grade_level, code) in seen:
            continue
        seen.add((grade_level, code))
        layout = layouts[grade_level]
        comment = layout.rule_set.kind_of(code, SubjectKind(kind)) is SubjectKind.COMMENT
        layout.subjects.append(SubjectColumn(code, name, comment))
    enrolments: dict[int, list[Enrolment]] = defaultdict(list)
    for enrolment in Enrolment.objects.filter(class_group__in=class_ids).select_related("student").order_by("pk"):
        enrolments[enrolment.class_group_id].append(enrolment)
    for class_id, items in enrolments.items():
        enrolments[class_id] = vietnamese_sorted(
            items, family=lambda e: e.student.family_name, given=lambda e: e.student.given_name
        )
    absences = attendance_totals(
        enrolments=Enrolment.objects.filter(class_group__in=class_ids), periods={period: (start, end)}
    )
    approved = {
        row.class_group.pk
        for row in results_selectors.school_results(year)
        if row.class_group.pk in class_ids and getattr(row.batches.get(period), "status", "") == APPROVED
    }
    return ExportSource(
        school=year.school,
        school_year=year,
        period=period,
        classes=classes,
        layouts=layouts,
        approved_classes=approved,
        with_national_id=with_national_id,
        enrolments=dict(enrolments),
        absences=absences,
    )


class Fingerprint:
    """SHA-256 of the data an export carries, row by row (equal fingerprints, equal data)."""

    def __init__(self, *header: object):
        self._hash = hashlib.sha256(json.dumps(header, ensure_ascii=False, default=str).encode())

    def add(self, row: ExportRow) -> None:
        self._hash.update(row.fingerprint_data())

    def hexdigest(self) -> str:
        return self._hash.hexdigest()


# --- statistics --------------------------------------------------------------------------------


def percent(count: int, total: int) -> Decimal | None:
    """A share in percent with one decimal, rounded half up once (R-NUM-4's rounding)."""
    if not total:
        return None
    return round_half_up(Fraction(count * 100, total))


@dataclass
class StatRow:
    label: str
    total: int
    counts: list[int]
    is_total: bool = False

    @property
    def percents(self) -> list[Decimal | None]:
        return [percent(c, self.total) for c in self.counts]

    @property
    def cells(self) -> list[tuple[int, Decimal | None]]:
        return list(zip(self.counts, self.percents, strict=True))


@dataclass
class StatTable:
    key: str  # "g6-learning", "school-band-toan" …: a stable id for the page and the tests
    title: str
    categories: list[str]
    rows: list[StatRow]


@dataclass
class _Tally:
    label: str
    students: int = 0
    learning: Counter = field(default_factory=Counter)
    conduct: Counter = field(default_factory=Counter)
    honours: Counter = field(default_factory=Counter)
    promotion: Counter = field(default_factory=Counter)
    bands: dict[str, list[int]] = field(default_factory=dict)

    def add(self, row: ExportRow, scored: list[SubjectColumn]) -> None:
        self.students += 1
        self.learning[row.learning or MISSING] += 1
        self.conduct[row.conduct or MISSING] += 1
        if row.honours:
            self.honours[row.honours] += 1
        self.promotion[row.promotion or MISSING] += 1
        for subject in scored:
            counts = self.bands.setdefault(subject.code, [0] * (len(BANDS) + 1))
            value = row.subjects.get(subject.code)
            counts[_band(value)] += 1

    def merge(self, other: _Tally) -> None:
        self.students += other.students
        self.learning.update(other.learning)
        self.conduct.update(other.conduct)
        self.honours.update(other.honours)
        self.promotion.update(other.promotion)
        for code, counts in other.bands.items():
            mine = self.bands.setdefault(code, [0] * (len(BANDS) + 1))
            for i, n in enumerate(counts):
                mine[i] += n


def _band(value) -> int:
    if isinstance(value, Decimal):
        for index, (low, high, _label) in enumerate(BANDS):
            if low <= value < high:
                return index
    return len(BANDS)  # no official average


class StatisticsBuilder:
    """Counts the rows of an export as they stream by (counted students only, P-ST-2)."""

    def __init__(self, source: ExportSource):
        self.source = source
        self.classes: dict[int, _Tally] = {}

    def add(self, row: ExportRow) -> None:
        if not row.counted:
            return
        tally = self.classes.get(row.class_id)
        if tally is None:
            tally = self.classes[row.class_id] = _Tally(row.class_name)
        tally.add(row, self.source.layouts[row.grade].scored)

    def tables(self) -> list[StatTable]:
        year = self.source.period == Period.YEAR
        tables: list[StatTable] = []
        grade_tallies: dict[int, _Tally] = {}
        for grade, layout in sorted(self.source.layouts.items()):
            class_tallies = [
                self.classes.get(c.pk) or _Tally(c.name) for c in self.source.classes if c.grade_level == grade
            ]
            total = _Tally(f"Khối {grade}")
            for tally in class_tallies:
                total.merge(tally)
            grade_tallies[grade] = total
            tables.extend(_tables(f"g{grade}", f"Khối {grade}", layout, class_tallies, total, year))
        layouts = list(self.source.layouts.values())
        families = {layout.legacy for layout in layouts}
        if len(layouts) > 1 and len(families) == 1:
            school = _Tally("Toàn trường")
            for tally in grade_tallies.values():
                school.merge(tally)
            merged = GradeLayout(0, layouts[0].rule_set_code, _union_subjects(layouts))
            tables.extend(_tables("school", "Toàn trường", merged, list(grade_tallies.values()), school, year))
        return tables


def _union_subjects(layouts: list[GradeLayout]) -> list[SubjectColumn]:
    seen: dict[str, SubjectColumn] = {}
    for layout in layouts:
        for subject in layout.subjects:
            seen.setdefault(subject.code, subject)
    return list(seen.values())


def _table(key, title, categories, tallies, total, pick) -> StatTable:
    rows = [StatRow(t.label, t.students, pick(t)) for t in tallies]
    rows.append(StatRow(total.label, total.students, pick(total), is_total=True))
    return StatTable(key, title, categories, rows)


def _tables(key, label, layout: GradeLayout, tallies: list[_Tally], total: _Tally, year: bool) -> list[StatTable]:
    learning = [*layout.learning_levels, MISSING]
    conduct = [*layout.conduct_levels, MISSING]
    titles = layout.titles
    out = [
        _table(f"{key}-learning", f"{label} – {layout.learning_name}", learning, tallies, total,
               lambda t: [t.learning[c] for c in learning]),
        _table(f"{key}-conduct", f"{label} – {layout.conduct_name}", conduct, tallies, total,
               lambda t: [t.conduct[c] for c in conduct]),
        _table(f"{key}-honours", f"{label} – Danh hiệu", titles, tallies, total,
               lambda t: [t.honours[c] for c in titles]),
    ]  # fmt: skip
    if year:
        promotion = [*dict.fromkeys([*PROMOTION.values(), MISSING])]
        out.append(
            _table(f"{key}-promotion", f"{label} – Lên lớp", promotion, tallies, total,
                   lambda t: [t.promotion[c] for c in promotion])
        )  # fmt: skip
    bands = [b[2] for b in BANDS] + [MISSING]
    for subject in layout.scored:
        out.append(
            _table(f"{key}-band-{subject.code}", f"{label} – Phổ điểm môn {subject.name}", bands, tallies, total,
                   lambda t, code=subject.code: t.bands.get(code, [0] * len(bands)))
        )  # fmt: skip
    return out


def statistics(source: ExportSource) -> list[StatTable]:
    """The statistics report of a scope, computed now (the page; the export counts as it writes)."""
    builder = StatisticsBuilder(source)
    for row in source.rows():
        builder.add(row)
    return builder.tables()


# --- the district's statistics ------------------------------------------------------------------


@dataclass
class SchoolCounts:
    """One grade's total line of a school's statistics table (learning or conduct), as the school's
    export carries it: the ``StatisticsBuilder``'s numbers, read back from the file the district
    combines (so the district's statistics are those of the rows it combines)."""

    code: str  # the school's code: two schools may share a name
    school: str
    grade: int
    aspect: str  # "Kết quả học tập", "Học lực", "Kết quả rèn luyện", "Hạnh kiểm"
    categories: tuple[str, ...]  # the rule set's levels, then MISSING
    total: int
    counts: list[int]


LEARNING_NAMES = ("Kết quả học tập", "Học lực")
CONDUCT_NAMES = ("Kết quả rèn luyện", "Hạnh kiểm")
DISTRICT_TOTAL = "Tất cả các trường"


def district_statistics(lines: list[SchoolCounts]) -> list[StatTable]:
    """The district's statistics: per grade level, one learning table and one conduct table with a
    row per school and the grade's total; then, per aspect, a row per school over all its grades
    (when every grade uses the same levels). Percentages by ``percent`` (R-NUM-4), as the school's."""
    tables: list[StatTable] = []
    order = {name: i for i, name in enumerate(LEARNING_NAMES + CONDUCT_NAMES)}
    groups: dict[tuple, list[SchoolCounts]] = defaultdict(list)
    for line in lines:
        kind = "learning" if line.aspect in LEARNING_NAMES else "conduct"
        groups[(line.grade, kind, line.aspect, line.categories)].append(line)
    for (grade, kind, aspect, categories), members in sorted(
        groups.items(), key=lambda item: (item[0][0], item[0][1] != "learning", order.get(item[0][2], 9), item[0][3])
    ):
        rows = [StatRow(m.school, m.total, list(m.counts)) for m in members]
        rows.append(_sum_row(f"Khối {grade}", rows, len(categories)))
        tables.append(StatTable(f"g{grade}-{kind}", f"Khối {grade} – {aspect}", list(categories), rows))
    for kind in ("learning", "conduct"):
        shapes = {(k[2], k[3]) for k in groups if k[1] == kind}
        if len(shapes) != 1 or len({k[0] for k in groups if k[1] == kind}) < 2:
            continue  # one grade only (its table says it all) or levels that cannot be added up
        [(aspect, categories)] = shapes
        per_school: dict[str, StatRow] = {}  # by the school's code
        for line in lines:
            if line.aspect != aspect:
                continue
            row = per_school.setdefault(line.code, StatRow(line.school, 0, [0] * len(categories)))
            row.total += line.total
            row.counts = [a + b for a, b in zip(row.counts, line.counts, strict=True)]
        rows = list(per_school.values())
        rows.append(_sum_row(DISTRICT_TOTAL, rows, len(categories)))
        tables.append(StatTable(f"all-{kind}", f"Tất cả các khối – {aspect}", list(categories), rows))
    return tables


def _sum_row(label: str, rows: list[StatRow], width: int) -> StatRow:
    counts = [sum(r.counts[i] for r in rows) for i in range(width)]
    return StatRow(label, sum(r.total for r in rows), counts, is_total=True)


# --- the export lists ---------------------------------------------------------------------------


def exports_of(qs: QuerySet[ResultsExport], limit: int = 40) -> list[ResultsExport]:
    return list(
        qs.select_related("job", "requested_by", "school_year", "class_group", "supersedes__job")
        .prefetch_related("superseded_by")
        .order_by("-created_at", "-pk")[:limit]
    )


def latest_school_exports(schools: Iterable[School], start_year: int, period: str) -> dict[int, ResultsExport]:
    """Each school's latest finished whole-school export for a school year and period (one query)."""
    rows = (
        ResultsExport.objects.filter(
            school__in=list(schools),
            school_year__start_year=start_year,
            period=period,
            scope=ResultsExport.Scope.SCHOOL,
            finished_at__isnull=False,
        )
        .select_related("requested_by", "school_year", "supersedes")
        .order_by("school_id", "-finished_at", "-pk")
    )
    latest: dict[int, ResultsExport] = {}
    for export in rows:
        latest.setdefault(export.school_id, export)
    return latest


@dataclass
class SchoolState:
    school: School
    export: ResultsExport | None


def district_schools(districts: Iterable[DistrictOffice]) -> list[School]:
    return list(School.objects.filter(district__in=list(districts)).select_related("district").order_by("name"))


def district_states(schools: list[School], start_year: int, period: str) -> list[SchoolState]:
    latest = latest_school_exports(schools, start_year, period)
    return [SchoolState(s, latest.get(s.pk)) for s in schools]
