"""What goes into a printed book, assembled from the other apps' selectors as plain, render-ready
values (assessment-rules.md §10, BM Đ9, LC Đ12). ``pdf.py`` only lays these values out.

Everything a page shows is text computed here once: scores and averages come from the grade grid's
own spec and the rules engine (``grades.grid``), never recomputed by hand; attendance from
``attendance.selectors``; corrected cells from the applied correction minutes; the summary pages
from ``printing.selectors.period_results`` (approved results when they exist, else the rules
engine's live computation, labelled as not approved). Because a book is plain data, its
``fingerprint`` (a hash of that data) says whether two prints show the same thing, without
looking at the PDF bytes.

Students are in the same order on every page (§10.1): the class list as it stood at the start of
the year in the one Vietnamese order (``schools.sorting``), leavers included and struck through,
then the students who joined the class later, in order of arrival, appended at the end as the
paper book adds them (``book_order``).
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import date

from django.db.models import Q
from django.utils import translation
from django.utils.translation import gettext as _

from accounts.models import Role, RoleGrant
from attendance.models import AttendanceMark
from attendance.selectors import (
    WEEKDAYS,
    attendance_totals,
    class_enrolments,
    counted_marks,
    month_range,
    term_of,
    year_months,
)
from corrections.models import Correction
from grades.class_inputs import class_inputs
from grades.grid import GridSpec, GridUnavailable, grid_spec, row_averages
from grades.models import ScoreCell, SubjectComment
from grades.results_selectors import SUMMER_OUTCOMES
from schools.calendar import school_days
from schools.models import (
    ClassGroup,
    Enrolment,
    HomeroomAssignment,
    School,
    TeachingAssignment,
    Term,
)

from .selectors import PeriodResults, ResultLine, class_results

# Bump when the printed layout changes: a stored copy of an older layout is then never reused.
CLASS_BOOK_FORMAT = "so-theo-doi-lop/2"
TEACHER_BOOK_FORMAT = "so-giao-vien/2"

APPLIED_STATUSES = (Correction.Status.APPLIED, Correction.Status.SIGNED, Correction.Status.ARCHIVED)
ROMAN = {1: "I", 2: "II"}
# Local government has two levels (no Huyện/Quận) from 1 July 2025: the covers of school years that
# start from then on print no district (§10.2 item 1).
DISTRICT_LEVEL_ABOLISHED = date(2025, 7, 1)


class BookUnavailable(Exception):
    """The book cannot be printed yet; the message (Vietnamese) says why."""


def _d(day: date | None) -> str:
    return day.strftime("%d/%m/%Y") if day else ""


# --- the pieces of a book -----------------------------------------------------------------------


@dataclass
class Mark:
    """One printed cell: its text and, for a corrected value, the struck-through old value and the
    number of the minutes (P-COR-6)."""

    text: str = ""
    old: str = ""
    ref: str = ""


@dataclass
class StudentRow:
    number: int
    enrolment_id: int
    family: str
    given: str
    left: bool
    note: str  # "Chuyển đi ngày …: lí do", "Chuyển đến ngày …"
    code: str = ""
    born: str = ""
    birthplace: str = ""
    gender: str = ""
    ethnicity: str = ""
    policy: str = ""
    address: str = ""
    father: str = ""
    mother: str = ""
    changes: str = ""

    @property
    def full_name(self) -> str:
        return f"{self.family} {self.given}".strip()


@dataclass
class SchoolHeader:
    name: str
    level: str  # "TRUNG HỌC CƠ SỞ"
    district: str  # the district office (Phòng GD&ĐT)
    province: str  # the province office (Sở GD&ĐT)
    address: str
    # The cover's place lines in the form's order: (label, value), e.g. ("Xã/Phường", "Phường Lê Chân").
    place: list[tuple[str, str]] = field(default_factory=list)


@dataclass
class AttendanceMonth:
    month: int
    year: int
    days: list[tuple[str, str, bool]]  # (day number or "", weekday, school day) for columns 1..31
    rows: list[list[str]]  # per student: 31 codes
    totals: list[tuple[int, int, int]]  # per student: TS, P, K
    class_size: int
    leavers: list[str]


@dataclass
class SubjectPage:
    term: int
    name: str
    comment: bool
    teachers: list[str]
    columns: list[str]  # score column headers, then the average columns
    score_columns: int
    rows: list[list[Mark]]
    notes: list[str]
    corrected: int
    provisional: bool


@dataclass
class SummaryRow:
    values: list[str]
    learning: str
    conduct: str
    absences: str


@dataclass
class SummaryPage:
    term: int | None  # None: the year
    subjects: list[str]
    comment_count: int
    rows: list[SummaryRow]
    approved: bool


@dataclass
class ClassificationRow:
    conduct: str
    learning: str
    conduct_after: str
    learning_after: str
    absences: str
    promoted: bool
    retained: bool
    title: str


@dataclass
class Classification:
    rows: list[ClassificationRow]
    approved: bool
    total: int
    promoted: int
    promoted_after_summer: int
    retained: int
    pending: int


@dataclass
class TermPart:
    term: int
    class_size: int
    pages: list[SubjectPage]
    summary: SummaryPage


@dataclass
class ClassBook:
    school: SchoolHeader
    class_name: str
    grade: int
    year_name: str
    term: int  # 1: the term I book; 2: the whole year's book
    homeroom: str
    principal: str
    class_size: int
    subjects: list[tuple[str, str]]  # (subject, teachers)
    students: list[StudentRow]
    months: list[AttendanceMonth]
    parts: list[TermPart]
    year_summary: SummaryPage | None
    classification: Classification | None
    results_approved: bool
    rule_set: str
    learning_label: str = "Kết quả học tập"  # TT58: "Học lực"
    conduct_label: str = "Kết quả rèn luyện"  # TT58: "Hạnh kiểm"
    format: str = CLASS_BOOK_FORMAT

    def fingerprint(self) -> str:
        return fingerprint(self)

    @property
    def title(self) -> str:
        return f"{self.class_name} – {self.year_name} – " + (_("Term I") if self.term == 1 else _("whole year"))


@dataclass
class TeacherBook:
    school: SchoolHeader
    teacher: str
    subject: str
    class_name: str
    year_name: str
    term: int
    filled: bool
    comment: bool
    columns: list[str]
    score_columns: int
    students: list[StudentRow]
    rows: list[list[Mark]]
    comments: list[str]
    classes_taught: list[str] = field(default_factory=list)
    format: str = TEACHER_BOOK_FORMAT

    def fingerprint(self) -> str:
        return fingerprint(self)


def fingerprint(book) -> str:
    """SHA-256 of the data a book shows (its layout version included): equal fingerprints, equal books."""
    payload = json.dumps(asdict(book), sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(payload.encode()).hexdigest()


# --- shared reads -------------------------------------------------------------------------------


def _strip(name: str, prefixes: tuple[str, ...]) -> str:
    for prefix in prefixes:
        if name.startswith(prefix):
            return name[len(prefix) :]
    return name


def province_name(office: str) -> str:
    """ "Sở Giáo dục và Đào tạo Hải Phòng" → "Hải Phòng"."""
    return _strip(office, ("Sở Giáo dục và Đào tạo ", "Sở GD&ĐT ", "Sở GDĐT "))


def district_name(office: str) -> str:
    """ "Phòng Giáo dục và Đào tạo quận Lê Chân" → "quận Lê Chân"."""
    return _strip(office, ("Phòng Giáo dục và Đào tạo ", "Phòng GD&ĐT ", "Phòng GDĐT "))


def school_header(school: School, year_start: date | None = None) -> SchoolHeader:
    """The school as its books' covers name it. The place lines follow the form (§10.2 item 1):
    Xã/Phường (the school's address when the commune is not filled in), Huyện/Quận for a school
    year that started before the 2025 reform only (the district office's area when not filled in),
    Tỉnh/Thành phố (the province office's when not filled in)."""
    district = school.district
    level = "TRUNG HỌC CƠ SỞ" if school.level == School.Level.LOWER_SECONDARY else "TRUNG HỌC PHỔ THÔNG"
    place = []
    if school.commune:
        place.append(("Xã/Phường", school.commune))
    elif school.address:
        place.append(("Địa chỉ", school.address))
    if year_start is not None and year_start < DISTRICT_LEVEL_ABOLISHED:
        place.append(("Huyện/Quận", school.county or district_name(district.name)))
    place.append(("Tỉnh/Thành phố", school.province or province_name(district.province.name)))
    return SchoolHeader(
        name=school.name,
        level=level,
        district=district.name,
        province=district.province.name,
        address=school.address,
        place=place,
    )


def arrivals_after(enrolments: list[Enrolment], school_year_start: date) -> date:
    """The day the class list closed: a student enrolled after it joined the class during the year.
    That is the year's first day, or the day the class was first filled when that came later (a
    list entered in the first week is still the class list, not a list of arrivals)."""
    first = min((e.enrolled_on for e in enrolments), default=school_year_start)
    return max(school_year_start, first)


def book_order(items: list, since: date, enrolment=lambda item: item) -> list:
    """The book's order (§10.1, P-ST-2): the class list as it stood on ``since`` in the order given
    (the Vietnamese order), leavers in their place, then the students who arrived later in order of
    arrival (same day: the order given), appended at the end as the paper book adds them."""
    original = [i for i in items if enrolment(i).enrolled_on <= since]
    arrived = sorted((i for i in items if enrolment(i).enrolled_on > since), key=lambda i: enrolment(i).enrolled_on)
    return original + arrived


def _leave_note(enrolment: Enrolment, since: date | None = None) -> str:
    """Ghi chú of a student who arrived or left: "Chuyển đến ngày …", "Vào lớp ngày …" (arrived
    after ``since`` without a transfer recorded), "Chuyển đi ngày … (trường): lí do"."""
    parts = []
    if enrolment.status == Enrolment.Status.TRANSFERRED_IN:
        text = f"{enrolment.get_status_display()} ngày {_d(enrolment.enrolled_on)}"
        parts.append(f"{text} ({enrolment.transfer_school})" if enrolment.transfer_school else text)
    elif since is not None and enrolment.enrolled_on > since:
        parts.append(f"Vào lớp ngày {_d(enrolment.enrolled_on)}")
    if enrolment.has_left and enrolment.left_on:
        text = f"{enrolment.get_status_display()} ngày {_d(enrolment.left_on)}"
        if enrolment.transfer_school:
            text += f" ({enrolment.transfer_school})"
        parts.append(f"{text}: {enrolment.note}" if enrolment.note else text)
    return "; ".join(parts)


def student_rows(enrolments: list[Enrolment], *, profile: bool, since: date | None = None) -> list[StudentRow]:
    rows = []
    for number, enrolment in enumerate(enrolments, start=1):
        s = enrolment.student
        row = StudentRow(
            number=number,
            enrolment_id=enrolment.pk,
            family=s.family_name,
            given=s.given_name,
            left=enrolment.has_left,
            note=_leave_note(enrolment, since),
            code=s.student_code,
            born=_d(s.date_of_birth),
        )
        if profile:
            parent = ", ".join(p for p in (s.father_name, s.father_job, s.father_phone) if p)
            mother = ", ".join(p for p in (s.mother_name, s.mother_job, s.mother_phone) if p)
            if not parent and not mother and s.guardian_name:
                parent = ", ".join(p for p in (f"Người giám hộ: {s.guardian_name}", s.guardian_phone) if p)
            row.birthplace = s.place_of_birth
            row.gender = s.get_gender_display()
            row.ethnicity = s.ethnicity
            row.policy = s.get_policy_family_display() if s.policy_family else ""
            row.address = s.current_address or s.permanent_address
            row.father = parent
            row.mother = mother
            row.changes = "; ".join(p for p in (row.note, s.notes) if p)
        rows.append(row)
    return rows


def _teachers_by_subject(class_subject_ids: list[int], start: date, end: date) -> dict[int, list[str]]:
    """Every teacher of each class subject whose assignment overlaps [start, end] (co-teachers all sign)."""
    names: dict[int, list[str]] = defaultdict(list)
    rows = (
        TeachingAssignment.objects.filter(class_subject_id__in=class_subject_ids, starts_on__lte=end)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=start))
        .select_related("teacher")
        .order_by("starts_on", "pk")
    )
    for assignment in rows:
        name = assignment.teacher.full_name or assignment.teacher.username
        if name not in names[assignment.class_subject_id]:
            names[assignment.class_subject_id].append(name)
    return names


def _homeroom_name(class_group: ClassGroup) -> str:
    rows = list(
        HomeroomAssignment.objects.filter(class_group=class_group).select_related("teacher").order_by("starts_on", "pk")
    )
    # The open assignment, else the last one (the teacher who kept the book at the year's end).
    row = next((r for r in rows if r.ends_on is None), rows[-1] if rows else None)
    return (row.teacher.full_name or row.teacher.username) if row else ""


def _principal_name(school_id: int) -> str:
    grant = (
        RoleGrant.objects.filter(role=Role.PRINCIPAL, school_id=school_id, user__is_active=True)
        .select_related("user")
        .order_by("pk")
        .first()
    )
    return (grant.user.full_name or grant.user.username) if grant else ""


def _corrections(class_group: ClassGroup, term_ids: list[int]) -> dict[tuple[int, int, int, str], Mark]:
    """Corrected score cells: (class subject, term, enrolment, column) → the first old value and
    the numbers of the minutes that changed it, in order (one query for the minutes and lines)."""
    found: dict[tuple[int, int, int, str], Mark] = {}
    minutes = (
        Correction.objects.filter(
            class_group=class_group, kind=Correction.Kind.SCORE, term_id__in=term_ids, status__in=APPLIED_STATUSES
        )
        .select_related("school_year")
        .prefetch_related("lines")
        .order_by("applied_at", "pk")
    )
    for correction in minutes:
        for line in correction.lines.all():
            key = (correction.class_subject_id, correction.term_id, line.enrolment_id, line.column)
            ref = f"{correction.number:02d}" if correction.number is not None else str(correction.pk)
            if key in found:
                found[key].ref += f", {ref}"
            else:
                found[key] = Mark(old=line.old_value or "–", ref=ref)
    return found


def _mark(text: str, correction: Mark | None) -> Mark:
    if correction is None:
        return Mark(text)
    return Mark(text or "–", correction.old, correction.ref)


def _cells_by_row(class_subject_ids: list[int], term_ids: list[int]) -> dict:
    """{class_subject: {enrolment: {term: {column: cell}}}} in one query."""
    cells: dict = defaultdict(lambda: defaultdict(lambda: defaultdict(dict)))
    rows = ScoreCell.objects.filter(class_subject_id__in=class_subject_ids, term_id__in=term_ids).only(
        "class_subject_id", "enrolment_id", "term_id", "column", "value", "mark", "state"
    )
    for cell in rows:
        cells[cell.class_subject_id][cell.enrolment_id][cell.term_id][cell.column] = cell
    return cells


# --- the class book -----------------------------------------------------------------------------


def _attendance_months(class_group: ClassGroup, enrolments: list[Enrolment], terms: list[Term]) -> list:
    """One page per month of the terms printed: the code of every school day, TS / P / K (§10.2 item 5)."""
    school_year = class_group.school_year
    school = school_year.school
    first_day, last_day = terms[0].start_date, terms[-1].end_date
    months = [
        (y, m)
        for y, m in year_months(school_year)
        if month_range(y, m)[1] >= first_day and month_range(y, m)[0] <= last_day
    ]
    if not months:
        return []
    ids = [e.pk for e in enrolments]
    marks: dict[tuple[int, date], list[tuple[str, str]]] = defaultdict(list)
    rows = (
        counted_marks()
        .filter(enrolment_id__in=ids, date__gte=first_day, date__lte=last_day)
        .exclude(code=AttendanceMark.CLEARED)
        .values_list("enrolment_id", "date", "session", "code")
    )
    for enrolment_id, day, session, code in rows:
        marks[(enrolment_id, day)].append((session, code))
    table = attendance_totals(enrolments=ids, periods={f"{y}-{m}": month_range(y, m) for y, m in months})
    open_days = set(school_days(school, max(first_day, school_year.start_date), min(last_day, school_year.end_date)))
    two_sessions = school.two_sessions
    leavers = [(e, _leave_note(e)) for e in enrolments if e.has_left]
    pages = []
    for y, m in months:
        end = month_range(y, m)[1]
        days: list[tuple[str, str, bool]] = []
        dates: list[date | None] = []
        for n in range(1, 32):
            if n <= end.day:
                day = date(y, m, n)
                days.append((str(n), WEEKDAYS[day.weekday()], day in open_days and term_of(day, terms) is not None))
                dates.append(day)
            else:
                days.append(("", "", False))
                dates.append(None)
        grid = []
        totals = []
        for e in enrolments:
            codes = []
            for day in dates:
                found = marks.get((e.pk, day)) if day else None
                if not found:
                    codes.append("")
                elif not two_sessions:
                    codes.append(found[0][1])
                else:
                    by_session = dict(found)
                    codes.append("/".join(by_session.get(s, "–") for s in ("am", "pm")))
            grid.append(codes)
            t = table[e.pk][f"{y}-{m}"]
            totals.append((t.absent, t.excused, t.unexcused))
        pages.append(
            AttendanceMonth(
                month=m,
                year=y,
                days=days,
                rows=grid,
                totals=totals,
                class_size=sum(1 for e in enrolments if e.is_active_on(min(end, school_year.end_date))),
                leavers=[f"{e.student.full_name} ({note})" for e, note in leavers if e.left_on and e.left_on <= end],
            )
        )
    return pages


def _subject_page(
    spec: GridSpec,
    term: Term,
    enrolments: list[Enrolment],
    cells: dict,
    averages: dict[int, dict],
    corrections: dict,
    teachers: list[str],
    student_notes: list[str],
    *,
    with_year: bool,
    retests: dict[tuple[int, int], str],
) -> SubjectPage:
    cs_id = spec.class_subject.pk
    columns = [c.label for c in spec.columns]
    extra = [f"Học kì {ROMAN[term.number]}" if spec.is_comment else f"ĐTBmhk{ROMAN[term.number]}"]
    if with_year:
        extra += ["Cả năm", "Đánh giá lại"] if spec.is_comment else ["ĐTBmcn", "Điểm đánh giá lại"]
    rows = []
    notes = []
    corrected = 0
    provisional = False
    for e, student_note in zip(enrolments, student_notes, strict=True):
        row_cells = cells[cs_id][e.pk][term.pk]
        line = []
        fixes = []
        for column in spec.columns:
            cell = row_cells.get(column.key)
            fix = corrections.get((cs_id, term.pk, e.pk, column.key))
            mark = _mark(cell.display if cell else "", fix)
            if fix is not None:
                corrected += 1
                fixes.append(f"{column.label}: BB số {fix.ref}")
            line.append(mark)
        row_averages_ = averages[e.pk]
        average = row_averages_.get(term.pk)
        # A provisional average ("tạm tính", R22-ASM-5) is never printed as if it were official.
        if average is not None and average.value is not None and not average.provisional:
            line.append(Mark(average.display))
        else:
            line.append(Mark(""))
            provisional = provisional or bool(average is not None and average.provisional and not e.has_left)
        if with_year:
            year = row_averages_.get("year")
            line.append(
                Mark(year.display if year is not None and year.value is not None and not year.provisional else "")
            )
            line.append(Mark(retests.get((e.pk, cs_id), "")))  # the summer re-assessment
        rows.append(line)
        note = "; ".join(p for p in (student_note, *fixes) if p)
        notes.append(note)
    return SubjectPage(
        term=term.number,
        name=spec.class_subject.subject.name,
        comment=spec.is_comment,
        teachers=teachers,
        columns=columns + extra,
        score_columns=len(columns),
        rows=rows,
        notes=notes,
        corrected=corrected,
        provisional=provisional,
    )


def _summary(
    term_number: int | None,
    specs: list[GridSpec],
    enrolments: list[Enrolment],
    averages: dict[int, dict[int, dict]],
    results: PeriodResults,
    absences: dict[int, int],
) -> SummaryPage:
    """The subjects' results and the learning and conduct results of a term or the year. Values
    come from the results (approved, or computed now); a student without results (he left) shows
    the grid's official averages."""
    key = f"term{term_number}" if term_number else "year"
    rows = []
    for e in enrolments:
        line = results.lines.get(e.pk)
        values = []
        for spec in specs:
            if line is not None:
                values.append(line.subject(spec.class_subject.subject.code, key))
                continue
            average = averages[spec.class_subject.pk][e.pk].get(_term_key(spec, term_number))
            official = average is not None and average.value is not None and not average.provisional
            values.append(average.display if official else "")
        line = line or ResultLine()
        rows.append(SummaryRow(values, line.learning, line.conduct, str(absences.get(e.pk, 0))))
    return SummaryPage(
        term=term_number,
        subjects=[s.class_subject.subject.name for s in specs],
        comment_count=sum(1 for s in specs if s.is_comment),
        rows=rows,
        approved=results.approved,
    )


def _term_key(spec: GridSpec, term_number: int | None):
    if term_number is None:
        return "year"
    term = spec.term_by_number(term_number)
    return term.pk if term else None


def class_book(class_group: ClassGroup, term: Term) -> ClassBook:
    """The class book up to ``term``: the term I book, or (term II) the whole year's volume."""
    with translation.override("vi"):
        return _class_book(class_group, term)


def _class_book(class_group: ClassGroup, term: Term) -> ClassBook:
    school_year = class_group.school_year
    school = school_year.school
    try:
        inputs = class_inputs(class_group)
    except GridUnavailable as exc:
        raise BookUnavailable(str(exc)) from exc
    if not inputs.specs:
        raise BookUnavailable(_("The class has no subject: there is nothing to print."))
    if not inputs.students:
        raise BookUnavailable(_("The class has no student: there is nothing to print."))
    all_terms = [inputs.terms[n] for n in sorted(inputs.terms)]
    terms = [t for t in all_terms if t.number <= term.number]
    # The ministry's order: comment-assessed subjects first, then the scored ones, each in the
    # school's subject order (§10.2 items 7 and 8).
    specs = sorted(
        inputs.specs, key=lambda s: (not s.is_comment, s.class_subject.subject.order, s.class_subject.subject.name)
    )
    since = arrivals_after([s.enrolment for s in inputs.students], school_year.start_date)
    students = book_order(inputs.students, since, enrolment=lambda s: s.enrolment)
    enrolments = [s.enrolment for s in students]
    rows = student_rows(enrolments, profile=True, since=since)
    notes = [r.note for r in rows]
    cs_ids = [s.class_subject.pk for s in specs]
    cells = _cells_by_row(cs_ids, [t.pk for t in all_terms])
    corrections = _corrections(class_group, [t.pk for t in terms])
    teachers = _teachers_by_subject(cs_ids, school_year.start_date, terms[-1].end_date)
    # Each row's official averages from the grid's spec and the rules engine (never by hand).
    averages: dict[int, dict[int, dict]] = {}
    for spec in specs:
        averages[spec.class_subject.pk] = {
            e.pk: row_averages(spec, {t.pk: cells[spec.class_subject.pk][e.pk][t.pk] for t in all_terms})
            for e in enrolments
        }
    retests = {(s.enrolment.pk, cs_id): r.display for s in students for cs_id, r in s.retests.items()}
    year_end = term.number == len(all_terms) == 2
    periods = ["term1", "term2", "year", "summer"] if year_end else [f"term{t.number}" for t in terms]
    results = class_results(inputs, periods)
    parts = []
    for t in terms:
        pages = [
            _subject_page(
                spec,
                t,
                enrolments,
                cells,
                averages[spec.class_subject.pk],
                corrections,
                teachers.get(spec.class_subject.pk, []),
                notes,
                with_year=year_end and t.number == 2,
                retests=retests,
            )
            for spec in specs
        ]
        period = f"term{t.number}"
        absences = {e.pk: inputs.absences(e.pk, period).absent for e in enrolments}
        summary = _summary(t.number, specs, enrolments, averages, results[period], absences)
        size = sum(1 for e in enrolments if e.is_active_on(t.end_date))
        parts.append(TermPart(term=t.number, class_size=size, pages=pages, summary=summary))
    year_summary = classification = None
    if year_end:
        year_absences = {e.pk: inputs.absences(e.pk, "year").absent for e in enrolments}
        year_summary = _summary(None, specs, enrolments, averages, results["year"], year_absences)
        classification = _classification(enrolments, results["year"], results["summer"], year_absences)
    return ClassBook(
        school=school_header(school, school_year.start_date),
        class_name=class_group.name,
        grade=class_group.grade_level,
        year_name=school_year.name,
        term=term.number,
        homeroom=_homeroom_name(class_group),
        principal=_principal_name(school.pk),
        class_size=sum(1 for e in enrolments if not e.has_left),
        subjects=[(s.class_subject.subject.name, ", ".join(teachers.get(s.class_subject.pk, []))) for s in specs],
        students=rows,
        months=_attendance_months(class_group, enrolments, terms),
        parts=parts,
        year_summary=year_summary,
        classification=classification,
        results_approved=all(r.approved for key, r in results.items() if key != "summer"),
        rule_set=inputs.rule_set.regulation,
        learning_label="Kết quả học tập" if inputs.rule_set.code == "tt22_2021" else "Học lực",
        conduct_label="Kết quả rèn luyện" if inputs.rule_set.code == "tt22_2021" else "Hạnh kiểm",
    )


def _classification(
    enrolments: list[Enrolment], year: PeriodResults, summer: PeriodResults, absences: dict[int, int]
) -> Classification:
    """The year's classification (§10.2 item 12); the columns after the summer only for the
    students the year sent to summer training or re-assessment."""
    rows = []
    promoted = after = retained = pending = 0
    for e in enrolments:
        line = year.lines.get(e.pk, ResultLine())
        final = line
        conduct_after = learning_after = ""
        if line.outcome in SUMMER_OUTCOMES and e.pk in summer.lines:
            final = summer.lines[e.pk]
            conduct_after, learning_after = final.conduct, final.learning
        rows.append(
            ClassificationRow(
                conduct=line.conduct,
                learning=line.learning,
                conduct_after=conduct_after,
                learning_after=learning_after,
                absences=str(absences.get(e.pk, 0)),
                promoted=final.promoted is True,
                retained=final.promoted is False,
                title=line.title,
            )
        )
        if e.has_left:
            continue
        if final.promoted is True:
            promoted += 1
            after += 1 if final.after_summer else 0
        elif final.promoted is False:
            retained += 1
        else:
            pending += 1
    return Classification(
        rows=rows,
        approved=year.approved,
        total=sum(1 for e in enrolments if not e.has_left),
        promoted=promoted,
        promoted_after_summer=after,
        retained=retained,
        pending=pending,
    )


# --- the teacher's book -------------------------------------------------------------------------


def teacher_book(assignment: TeachingAssignment, term: Term, *, filled: bool) -> TeacherBook:
    with translation.override("vi"):
        return _teacher_book(assignment, term, filled=filled)


def _teacher_book(assignment: TeachingAssignment, term: Term, *, filled: bool) -> TeacherBook:
    """The subject teacher's own A4 book of one class and term (§10.4): the student list with the
    term's columns, blank (printed at the start of the term) or filled."""
    cs = assignment.class_subject
    try:
        spec = grid_spec(cs)
    except GridUnavailable as exc:
        raise BookUnavailable(str(exc)) from exc
    class_group = cs.class_group
    school = class_group.school_year.school
    enrolments = class_enrolments(class_group)
    if not enrolments:
        raise BookUnavailable(_("The class has no student: there is nothing to print."))
    # The class book's order, so that a row of one book is the same row of the other (§10.4).
    since = arrivals_after(enrolments, class_group.school_year.start_date)
    enrolments = book_order(enrolments, since)
    average_label = f"Học kì {ROMAN[term.number]}" if spec.is_comment else f"ĐTBmhk{ROMAN[term.number]}"
    columns = [c.label for c in spec.columns] + [average_label]
    rows: list[list[Mark]] = []
    comments: list[str] = []
    if filled:
        cells = _cells_by_row([cs.pk], [term.pk])
        corrections = _corrections(class_group, [term.pk])
        texts = dict(SubjectComment.objects.filter(class_subject=cs, term=term).values_list("enrolment_id", "text"))
        for e in enrolments:
            row_cells = cells[cs.pk][e.pk][term.pk]
            line = [
                _mark(
                    row_cells[c.key].display if c.key in row_cells else "",
                    corrections.get((cs.pk, term.pk, e.pk, c.key)),
                )
                for c in spec.columns
            ]
            average = row_averages(spec, {term.pk: row_cells}).get(term.pk)
            official = average is not None and average.value is not None and not average.provisional
            line.append(Mark(average.display if official else ""))
            rows.append(line)
            comments.append(texts.get(e.pk, ""))
    else:
        rows = [[Mark() for _c in columns] for _e in enrolments]
        comments = ["" for _e in enrolments]
    taught = (
        TeachingAssignment.objects.filter(
            teacher_id=assignment.teacher_id,
            class_subject__subject_id=cs.subject_id,
            class_subject__class_group__school_year_id=class_group.school_year_id,
        )
        .select_related("class_subject__class_group")
        .order_by("class_subject__class_group__grade_level", "class_subject__class_group__name")
    )
    return TeacherBook(
        school=school_header(school, class_group.school_year.start_date),
        teacher=assignment.teacher.full_name or assignment.teacher.username,
        subject=cs.subject.name,
        class_name=class_group.name,
        year_name=class_group.school_year.name,
        term=term.number,
        filled=filled,
        comment=spec.is_comment,
        columns=columns,
        score_columns=len(spec.columns),
        students=student_rows(enrolments, profile=False, since=since),
        rows=rows,
        comments=comments,
        classes_taught=sorted({a.class_subject.class_group.name for a in taught}),
    )
