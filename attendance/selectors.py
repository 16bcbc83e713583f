"""Reads of the register and the attendance, shaped for their pages and for later apps (results,
printing, export). Every function runs a fixed number of queries whatever the class size."""

from __future__ import annotations

import calendar
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from schools.calendar import school_days
from schools.locks import LockMap, LockState
from schools.models import CalendarDay, ClassGroup, Enrolment, SchoolYear, Term
from schools.sorting import vietnamese_sorted

from .models import AttendanceMark, MonthCompletion

# P-ATT-3: warnings to the homeroom teacher at 30 and 40 counted absences; over 45 the student is
# not promoted (R22-YE-1 c, R58-YE-1).
ABSENCE_WARNINGS = (30, 40)
ABSENCE_LIMIT = 45


# --- Calendar of attendance ---------------------------------------------------------------


def month_range(year: int, month: int) -> tuple[date, date]:
    return date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1])


def year_months(school_year: SchoolYear) -> list[tuple[int, int]]:
    """(year, month) of every month the school year touches, in order (September … May)."""
    months = []
    y, m = school_year.start_date.year, school_year.start_date.month
    while (y, m) <= (school_year.end_date.year, school_year.end_date.month):
        months.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return months


def term_of(day: date, terms: Iterable[Term]) -> Term | None:
    return next((t for t in terms if t.start_date <= day <= t.end_date), None)


def term_of_month(terms: Iterable[Term], year: int, month: int) -> Term | None:
    """The term a month's totals are shown for: the term of its first day (January: term I), or
    of its last day when the month opens the year (September, before the first day of term I)."""
    first, last = month_range(year, month)
    return term_of(first, terms) or term_of(last, terms)


def attendance_days(class_group: ClassGroup, start: date, end: date, terms: list[Term]) -> list[date]:
    """School days of the class's school between start and end that lie inside a term of its year:
    the only days a mark may be recorded on (one query: the school's calendar exceptions)."""
    year = class_group.school_year
    start, end = max(start, year.start_date), min(end, year.end_date)
    return [d for d in school_days(year.school, start, end) if term_of(d, terms) is not None]


def sessions_of(class_group: ClassGroup) -> tuple[str, ...]:
    if class_group.school_year.school.two_sessions:
        return (AttendanceMark.Session.MORNING, AttendanceMark.Session.AFTERNOON)
    return (AttendanceMark.Session.ALL,)


# --- Totals ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class AttendanceTotals:
    """One student's attendance over a period.

    ``excused`` / ``unexcused`` / ``late``: sessions marked P / K / M (in a one-session school a
    session is a day). ``absent`` = P + K sessions: the book's "TS" column. ``counted``: absences
    towards the 45-session limit under R22-YE-2's default unit (``absence_unit =
    "day_main_session"``): at most one per school day, and in a two-session school only when the
    main (morning) session was missed. Late arrivals never count.
    """

    excused: int = 0
    unexcused: int = 0
    late: int = 0
    counted: int = 0

    @property
    def absent(self) -> int:
        return self.excused + self.unexcused

    def __add__(self, other: AttendanceTotals) -> AttendanceTotals:
        return AttendanceTotals(
            self.excused + other.excused,
            self.unexcused + other.unexcused,
            self.late + other.late,
            self.counted + other.counted,
        )

    @property
    def warning(self) -> str:
        """ "over", "warn" or "" for the counted absences (P-ATT-3)."""
        if self.counted > ABSENCE_LIMIT:
            return "over"
        return "warn" if self.counted >= ABSENCE_WARNINGS[0] else ""


ZERO = AttendanceTotals()


class TotalsTable(dict):
    """``{enrolment_id: {period_key: AttendanceTotals}}``; an enrolment with no mark at all reads
    as zeros for every period (use ``table[pk]``, not ``table.get(pk)``)."""

    def __init__(self, periods: Iterable[str]):
        super().__init__()
        self.periods = tuple(periods)

    def __missing__(self, key: int) -> dict[str, AttendanceTotals]:
        return dict.fromkeys(self.periods, ZERO)

    def class_total(self, period: str, enrolment_ids: Iterable[int]) -> AttendanceTotals:
        total = ZERO
        for pk in enrolment_ids:
            total = total + self[pk][period]
        return total


def counted_marks() -> QuerySet[AttendanceMark]:
    """Marks that count: recorded while the student was in the class (from ``enrolled_on``, before
    ``left_on`` for a student who left, P-ST-2) and not on a day the school later closed."""
    left = Q(enrolment__status__in=Enrolment.LEFT_STATUSES, date__gte=F("enrolment__left_on"))
    closed = CalendarDay.objects.filter(
        school_id=OuterRef("enrolment__school_year__school_id"), date=OuterRef("date"), is_school_day=False
    )
    return AttendanceMark.objects.filter(date__gte=F("enrolment__enrolled_on")).exclude(left).exclude(Exists(closed))


def attendance_totals(
    *, enrolments: QuerySet[Enrolment] | Iterable[int], periods: Mapping[str, tuple[date, date]]
) -> TotalsTable:
    """Per-student attendance totals over any number of periods, in ONE query.

    ``enrolments``: a queryset of ``Enrolment`` (e.g. ``Enrolment.objects.filter(class_group=c)`` or
    a whole school year's) or a list of enrolment ids. ``periods``: ``{key: (first_day,
    last_day)}``, both days included, e.g. ``{"m2026-09": month_range(2026, 9), "t1": (term.start_date,
    term.end_date), "year": (year.start_date, year.end_date)}``.

    Returns a ``TotalsTable``: ``table[enrolment_id][key]`` is an ``AttendanceTotals`` (P, K, M
    sessions, ``absent`` = P + K and ``counted`` = absences towards the 45 limit, R22-YE-2).
    Marks after a student left, before he arrived, and on days the school closed are not counted.
    The results and printing apps call this; ``year_absences`` is the shortcut for the rules engine.
    """
    table = TotalsTable(periods)
    if not periods:
        return table
    ids = enrolments.values("pk") if isinstance(enrolments, QuerySet) else list(enrolments)
    absent = Q(code__in=AttendanceMark.ABSENT_CODES)
    main = absent & Q(session__in=AttendanceMark.MAIN_SESSIONS)
    aggregates = {}
    for index, (first, last) in enumerate(periods.values()):
        within = Q(date__gte=first, date__lte=last)
        aggregates[f"p{index}"] = Count("pk", filter=within & Q(code=AttendanceMark.Code.EXCUSED))
        aggregates[f"k{index}"] = Count("pk", filter=within & Q(code=AttendanceMark.Code.UNEXCUSED))
        aggregates[f"m{index}"] = Count("pk", filter=within & Q(code=AttendanceMark.Code.LATE))
        aggregates[f"c{index}"] = Count("date", filter=within & main, distinct=True)
    rows = (
        counted_marks()
        .filter(enrolment_id__in=ids)
        .exclude(code=AttendanceMark.CLEARED)
        .values("enrolment_id")
        .annotate(**aggregates)
        .order_by()
    )
    keys = list(periods)
    for row in rows:
        table[row["enrolment_id"]] = {
            key: AttendanceTotals(row[f"p{i}"], row[f"k{i}"], row[f"m{i}"], row[f"c{i}"]) for i, key in enumerate(keys)
        }
    return table


def year_absences(enrolments: QuerySet[Enrolment] | Iterable[int], school_year: SchoolYear) -> TotalsTable:
    """The school year's totals per enrolment under the period key ``"year"`` (one query); the
    rules engine's ``absences`` is ``table[pk]["year"].counted``."""
    return attendance_totals(enrolments=enrolments, periods={"year": (school_year.start_date, school_year.end_date)})


# --- The class list ---------------------------------------------------------------------------


@dataclass
class RegisterRow:
    number: int
    enrolment: Enrolment

    @property
    def student(self):
        return self.enrolment.student


def class_enrolments(class_group: ClassGroup) -> list[Enrolment]:
    """Every enrolment of the class this year, leavers included, in Vietnamese name order (one query)."""
    rows = Enrolment.objects.filter(class_group=class_group).select_related("student")
    return vietnamese_sorted(rows, family=lambda e: e.student.family_name, given=lambda e: e.student.given_name)


@dataclass
class Register:
    class_group: ClassGroup
    rows: list[RegisterRow]
    active_count: int
    left_count: int
    homeroom_teacher: str


def class_register(class_group: ClassGroup, *, today: date) -> Register:
    enrolments = class_enrolments(class_group)
    rows = [RegisterRow(number, e) for number, e in enumerate(enrolments, start=1)]
    active = sum(1 for e in enrolments if e.is_active_on(today))
    homeroom = class_group.homeroom_assignments.filter(ends_on__isnull=True).select_related("teacher").first()
    return Register(
        class_group=class_group,
        rows=rows,
        active_count=active,
        left_count=sum(1 for e in enrolments if e.has_left),
        homeroom_teacher=homeroom.teacher.full_name if homeroom else "",
    )


# --- The month grid -------------------------------------------------------------------------

WEEKDAYS = ("T2", "T3", "T4", "T5", "T6", "T7", "CN")


@dataclass
class GridColumn:
    day: date
    session: str
    first_of_day: bool
    locked: LockState

    @property
    def weekday(self) -> str:
        return WEEKDAYS[self.day.weekday()]

    @property
    def iso(self) -> str:
        return self.day.isoformat()


@dataclass
class GridCell:
    name: str  # the form field: c-<enrolment>-<yyyymmdd>-<session>-<version>-<code or _>
    code: str
    version: int
    note: str
    state: str  # "open", "inactive" (not in the class that day), "locked" (book locked or month done)
    day_start: bool = False


@dataclass(frozen=True)
class MonthLink:
    year: int
    month: int
    done: bool


def month_links(school_year: SchoolYear, completed: Iterable[tuple[int, int]]) -> list[MonthLink]:
    done = set(completed)
    return [MonthLink(y, m, (y, m) in done) for y, m in year_months(school_year)]


@dataclass
class GridRow:
    number: int
    enrolment: Enrolment
    cells: list[GridCell]
    month: AttendanceTotals
    term: AttendanceTotals
    year: AttendanceTotals
    status_note: str


@dataclass
class MonthGrid:
    class_group: ClassGroup
    year: int
    month: int
    columns: list[GridColumn]
    rows: list[GridRow]
    sessions: tuple[str, ...]
    editable: bool
    completion: MonthCompletion | None
    lock_message: str
    month_total: AttendanceTotals
    term_total: AttendanceTotals
    year_total: AttendanceTotals
    term: Term | None
    months: list[MonthLink] = field(default_factory=list)
    month_has_ended: bool = False

    @property
    def days(self) -> list[GridColumn]:
        return [c for c in self.columns if c.first_of_day]

    @property
    def active_count(self) -> int:
        last = self.columns[-1].day if self.columns else month_range(self.year, self.month)[1]
        return sum(1 for r in self.rows if r.enrolment.is_active_on(last))


def cell_name(enrolment_id: int, day: date, session: str, version: int, code: str) -> str:
    return f"c-{enrolment_id}-{day:%Y%m%d}-{session}-{version}-{code or '_'}"


def status_note(enrolment: Enrolment) -> str:
    if enrolment.has_left and enrolment.left_on:
        label = enrolment.get_status_display()
        return _("%(status)s on %(date)s") % {"status": label, "date": enrolment.left_on.strftime("%d/%m/%Y")}
    if enrolment.status == Enrolment.Status.TRANSFERRED_IN:
        return _("Transferred in on %(date)s") % {"date": enrolment.enrolled_on.strftime("%d/%m/%Y")}
    return ""


def grid_periods(school_year: SchoolYear, year: int, month: int, term: Term | None) -> dict[str, tuple[date, date]]:
    periods = {"month": month_range(year, month), "year": (school_year.start_date, school_year.end_date)}
    if term is not None:
        periods["term"] = (term.start_date, term.end_date)
    return periods


def month_grid(class_group: ClassGroup, year: int, month: int, *, may_edit: bool, today: date) -> MonthGrid:
    """The month's school days × the class's students, with marks, states and totals (month, the
    month's term, the year) per student and for the class. A fixed number of queries."""
    school_year = class_group.school_year
    terms = list(Term.objects.filter(school_year=school_year).order_by("number"))
    first, last = month_range(year, month)
    days = attendance_days(class_group, first, last, terms)
    sessions = sessions_of(class_group)
    lock_maps = {t.pk: LockMap(class_group, t) for t in terms if t.start_date <= last and t.end_date >= first}
    locks = {d: lock_maps[term_of(d, terms).pk].state(column="attendance") for d in days}
    completions = {
        (c.year, c.month): c
        for c in MonthCompletion.objects.select_related("completed_by").filter(class_group=class_group)
    }
    completion = completions.get((year, month))
    columns = [GridColumn(d, s, i == 0, locks[d]) for d in days for i, s in enumerate(sessions)]
    enrolments = class_enrolments(class_group)
    marks = {
        (m.enrolment_id, m.date, m.session): m
        for m in AttendanceMark.objects.filter(enrolment__class_group=class_group, date__gte=first, date__lte=last)
    }
    month_term = term_of_month(terms, year, month)
    table = attendance_totals(
        enrolments=[e.pk for e in enrolments], periods=grid_periods(school_year, year, month, month_term)
    )
    editable = may_edit and completion is None
    rows = []
    for number, enrolment in enumerate(enrolments, start=1):
        cells = []
        for column in columns:
            mark = marks.get((enrolment.pk, column.day, column.session))
            code = mark.code if mark else ""
            version = mark.version if mark else 0
            if not enrolment.is_active_on(column.day):
                state = "inactive"
            elif column.locked.locked or not editable:
                state = "locked"
            else:
                state = "open"
            cells.append(
                GridCell(
                    cell_name(enrolment.pk, column.day, column.session, version, code),
                    code,
                    version,
                    mark.note if mark else "",
                    state,
                    column.first_of_day,
                )
            )
        totals = table[enrolment.pk]
        rows.append(
            GridRow(
                number=number,
                enrolment=enrolment,
                cells=cells,
                month=totals["month"],
                term=totals.get("term", ZERO),
                year=totals["year"],
                status_note=status_note(enrolment),
            )
        )
    ids = [e.pk for e in enrolments]
    lock_message = next((s.message for s in locks.values() if s.locked), "")
    last_day = days[-1] if days else last
    return MonthGrid(
        class_group=class_group,
        year=year,
        month=month,
        columns=columns,
        rows=rows,
        sessions=sessions,
        editable=editable,
        completion=completion,
        lock_message=lock_message,
        month_total=table.class_total("month", ids),
        term_total=table.class_total("term", ids) if month_term else ZERO,
        year_total=table.class_total("year", ids),
        term=month_term,
        months=month_links(school_year, completions),
        month_has_ended=last_day <= today,
    )


def totals_payload(class_group: ClassGroup, year: int, month: int) -> dict:
    """The grid's totals as JSON after a save (one query for the terms, one for the totals)."""
    school_year = class_group.school_year
    terms = list(Term.objects.filter(school_year=school_year))
    month_term = term_of_month(terms, year, month)
    ids = list(Enrolment.objects.filter(class_group=class_group).values_list("pk", flat=True))
    table = attendance_totals(enrolments=ids, periods=grid_periods(school_year, year, month, month_term))

    def flat(t: AttendanceTotals) -> dict:
        return {"P": t.excused, "K": t.unexcused, "M": t.late, "TS": t.absent, "counted": t.counted, "warn": t.warning}

    students = {pk: {key: flat(value) for key, value in table[pk].items()} for pk in ids}
    classes = {key: flat(table.class_total(key, ids)) for key in table.periods}
    return {"students": students, "class": classes}


# --- The summary: every month, both terms and the year ---------------------------------------


@dataclass
class SummaryRow:
    number: int
    enrolment: Enrolment
    months: list[AttendanceTotals]
    terms: list[AttendanceTotals]
    year: AttendanceTotals
    status_note: str


@dataclass
class Summary:
    months: list[MonthLink]
    terms: list[Term]
    rows: list[SummaryRow]
    month_totals: list[AttendanceTotals]
    term_totals: list[AttendanceTotals]
    year_total: AttendanceTotals


def attendance_summary(class_group: ClassGroup) -> Summary:
    """Per student: absences of every month, of each term and of the year (one totals query)."""
    school_year = class_group.school_year
    terms = list(Term.objects.filter(school_year=school_year).order_by("number"))
    months = year_months(school_year)
    periods: dict[str, tuple[date, date]] = {f"m{y}-{m:02d}": month_range(y, m) for y, m in months}
    periods.update({f"t{t.number}": (t.start_date, t.end_date) for t in terms})
    periods["year"] = (school_year.start_date, school_year.end_date)
    enrolments = class_enrolments(class_group)
    ids = [e.pk for e in enrolments]
    table = attendance_totals(enrolments=ids, periods=periods)
    month_keys = [f"m{y}-{m:02d}" for y, m in months]
    term_keys = [f"t{t.number}" for t in terms]
    rows = [
        SummaryRow(
            number,
            e,
            [table[e.pk][k] for k in month_keys],
            [table[e.pk][k] for k in term_keys],
            table[e.pk]["year"],
            status_note(e),
        )
        for number, e in enumerate(enrolments, start=1)
    ]
    completed = MonthCompletion.objects.filter(class_group=class_group).values_list("year", "month")
    return Summary(
        months=month_links(school_year, completed),
        terms=terms,
        rows=rows,
        month_totals=[table.class_total(k, ids) for k in month_keys],
        term_totals=[table.class_total(k, ids) for k in term_keys],
        year_total=table.class_total("year", ids),
    )
