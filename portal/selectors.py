"""Reads of the portal, shaped for its pages. The child's page runs a fixed number of queries
whatever the number of subjects, scores, months and messages (tests compare two sizes).

What a parent sees (P-PUB-1, roles-and-permissions.md "published data only"): the scores as soon
as they are entered, the subject teachers' comments and the attendance; averages, learning and
conduct results only once the principal has approved the class's results for that period. Nothing
about any other student: no class average, no rank.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.access import classes_homeroom
from accounts.models import RoleGrant, User
from attendance.selectors import AttendanceTotals, attendance_totals, month_range, year_months
from grades.models import (
    SUMMER,
    TERM1,
    TERM2,
    YEAR,
    ResultBatch,
    ScoreCell,
    StudentResult,
    SubjectComment,
    cell_display,
)
from grades.results_selectors import conduct_heading, learning_heading, outcome_label, vi
from grades.rules import ColumnKind, RuleSet, get_rule_set
from schools.models import (
    ClassGroup,
    ClassSubject,
    Enrolment,
    GradeRuleSet,
    HomeroomAssignment,
    Student,
    TeachingAssignment,
    Term,
)
from schools.sorting import vietnamese_sorted

from .access import FAMILY_ROLES, messages_for_students
from .models import Message, MessageRead

MAX_MESSAGES_SHOWN = 50

# The score columns as a parent reads them: the rule set's column kinds in four plain groups.
GROUPS = {
    ColumnKind.REGULAR: "regular",
    ColumnKind.ORAL: "regular",
    ColumnKind.QUIZ15: "regular",
    ColumnKind.MIDTERM: "midterm",
    ColumnKind.PERIOD_TEST: "periodic",
    ColumnKind.FINAL: "final",
}
GROUP_LABELS = {
    "regular": gettext_lazy("Regular assessments"),
    "midterm": gettext_lazy("Mid-term"),
    "periodic": gettext_lazy("Periodic tests"),
    "final": gettext_lazy("End of term"),
}
GROUP_ORDER = ("regular", "midterm", "periodic", "final")
# Column keys of the grid: "regular_2", "oral_1", "quiz15_3", "period_test_1", "midterm", "final".
_KEY = re.compile(r"^(regular|oral|quiz15|period_test|midterm|final)(?:_(\d+))?$")
_KEY_GROUP = {"regular": "regular", "oral": "regular", "quiz15": "regular", "period_test": "periodic"}
_KEY_ORDER = {"regular": 0, "oral": 0, "quiz15": 1, "midterm": 2, "period_test": 2, "final": 3}
PERIOD_LABELS = {
    TERM1: gettext_lazy("Term I"),
    TERM2: gettext_lazy("Term II"),
    YEAR: gettext_lazy("Whole year"),
}


def _column_place(key: str) -> tuple[str, tuple[int, int]] | None:
    match = _KEY.match(key)
    if match is None:
        return None
    prefix, number = match.group(1), int(match.group(2) or 0)
    return _KEY_GROUP.get(prefix, prefix), (_KEY_ORDER[prefix], number)


def _groups_of(rule_set: RuleSet | None) -> list[tuple[str, str]]:
    if rule_set is None:
        keys = ("regular", "midterm", "final")
    else:
        present = {GROUPS[k] for k in rule_set.column_kinds if k in GROUPS}
        # TT58 records one-period tests (KTđk), not a mid-term assessment.
        if rule_set.kt_form_default:
            present.discard("midterm")
        keys = tuple(g for g in GROUP_ORDER if g in present)
    return [(key, str(GROUP_LABELS[key])) for key in keys]


# --- the child's page -----------------------------------------------------------------------


@dataclass
class SubjectRow:
    name: str
    teachers: str
    groups: list[list[str]]
    average: str = ""
    comment: str = ""
    labels: list[str] = field(default_factory=list)

    @property
    def labelled(self) -> list[tuple[str, list[str]]]:
        return list(zip(self.labels, self.groups, strict=True))


@dataclass
class TermTable:
    term: Term
    groups: list[tuple[str, str]]
    rows: list[SubjectRow]
    published: bool  # the principal approved the term's results: averages shown

    @property
    def has_scores(self) -> bool:
        return any(any(row.groups) or row.comment for row in self.rows)


@dataclass
class PeriodResult:
    period: str
    label: str
    result: StudentResult | None
    learning_heading: str = ""
    conduct_heading: str = ""

    @property
    def published(self) -> bool:
        return self.result is not None

    @property
    def learning(self) -> str:
        return self.result.learning if self.result else ""

    @property
    def conduct(self) -> str:
        return self.result.conduct if self.result else ""

    @property
    def overall_average(self) -> str:
        return vi(self.result.overall_average) if self.result else ""

    @property
    def outcome(self) -> str:
        return outcome_label(self.result.outcome) if self.result and self.period == YEAR else ""


@dataclass
class YearSubjectRow:
    name: str
    term1: str
    term2: str
    year: str


@dataclass
class AttendanceRow:
    year: int
    month: int
    totals: AttendanceTotals


@dataclass
class PastYear:
    enrolment: Enrolment
    result: StudentResult | None
    summer: StudentResult | None
    learning_heading: str = ""
    conduct_heading: str = ""

    @property
    def outcome(self) -> str:
        final = self.summer or self.result
        return outcome_label(final.outcome) if final else ""


@dataclass
class MessageLine:
    message: Message
    read: bool


@dataclass
class ChildPage:
    student: Student
    enrolment: Enrolment | None
    homeroom_teachers: list[User] = field(default_factory=list)
    terms: list[TermTable] = field(default_factory=list)
    results: list[PeriodResult] = field(default_factory=list)
    year_subjects: list[YearSubjectRow] = field(default_factory=list)
    attendance: list[AttendanceRow] = field(default_factory=list)
    attendance_total: AttendanceTotals = field(default_factory=AttendanceTotals)
    past_years: list[PastYear] = field(default_factory=list)
    messages: list[MessageLine] = field(default_factory=list)

    @property
    def class_group(self) -> ClassGroup | None:
        return self.enrolment.class_group if self.enrolment else None

    @property
    def any_published(self) -> bool:
        return any(r.published for r in self.results)

    @property
    def unread(self) -> int:
        return sum(1 for line in self.messages if not line.read)


def _rule_set(class_group: ClassGroup) -> RuleSet | None:
    code = (
        GradeRuleSet.objects.filter(school_year_id=class_group.school_year_id, grade_level=class_group.grade_level)
        .values_list("rule_set", flat=True)
        .first()
    )
    return get_rule_set(code) if code else None


def _headings(code: str) -> tuple[str, str]:
    try:
        rule_set = get_rule_set(code)
    except (KeyError, ValueError):
        return _("Learning result"), _("Conduct")
    return learning_heading(rule_set), conduct_heading(rule_set)


def child_page(student: Student, user: User, *, today: date) -> ChildPage:
    """Everything the portal shows about one student to his parent or himself."""
    enrolments = list(
        Enrolment.objects.filter(student=student)
        .select_related("class_group__school_year")
        .order_by("-school_year__start_year")
    )
    current = next((e for e in enrolments if e.school_year.is_current), None)
    results: dict[tuple[int, str], StudentResult] = {
        (r.enrolment_id, r.period): r
        for r in StudentResult.objects.filter(
            enrolment__student=student, batch__status=ResultBatch.Status.APPROVED
        ).order_by()
    }
    page = ChildPage(student=student, enrolment=current)
    for enrolment in enrolments:
        if current is not None and enrolment.school_year.start_year >= current.school_year.start_year:
            continue
        if current is None and enrolment.school_year.is_current:
            continue
        result = results.get((enrolment.pk, YEAR))
        learning, conduct = _headings(result.rule_set_code) if result else ("", "")
        page.past_years.append(PastYear(enrolment, result, results.get((enrolment.pk, SUMMER)), learning, conduct))
    if current is None:
        return page

    class_group = current.class_group
    year = current.school_year
    page.homeroom_teachers = [
        h.teacher
        for h in HomeroomAssignment.objects.filter(class_group=class_group, ends_on__isnull=True).select_related(
            "teacher"
        )
    ]
    rule_set = _rule_set(class_group)
    groups = _groups_of(rule_set)
    group_index = {key: i for i, (key, _label) in enumerate(groups)}
    terms = list(Term.objects.filter(school_year=year).order_by("number"))
    class_subjects = list(
        ClassSubject.objects.filter(class_group=class_group)
        .select_related("subject")
        .order_by("subject__order", "subject__name")
    )
    teachers: dict[int, list[str]] = defaultdict(list)
    for assignment in TeachingAssignment.objects.filter(
        class_subject__class_group=class_group, ends_on__isnull=True
    ).select_related("teacher"):
        teachers[assignment.class_subject_id].append(str(assignment.teacher))
    cells: dict[tuple[int, int], list[tuple[tuple[int, int], str, str]]] = defaultdict(list)
    for cell in ScoreCell.objects.filter(enrolment=current).values(
        "class_subject_id", "term_id", "column", "value", "mark", "state"
    ):
        place = _column_place(cell["column"])
        shown = cell_display(cell["value"], cell["mark"], cell["state"])
        if place is None or not shown:
            continue
        cells[(cell["class_subject_id"], cell["term_id"])].append((place[1], place[0], shown))
    comments = {
        (c.class_subject_id, c.term_id): c.text
        for c in SubjectComment.objects.filter(enrolment=current).exclude(text="").order_by()
    }

    learning, conduct = (learning_heading(rule_set), conduct_heading(rule_set)) if rule_set else _headings("")
    for term in terms:
        period = TERM1 if term.number == 1 else TERM2
        result = results.get((current.pk, period))
        rows = []
        for cs in class_subjects:
            row = SubjectRow(
                name=cs.subject.name,
                teachers=", ".join(teachers.get(cs.pk, [])),
                groups=[[] for _group in groups],
                labels=[label for _key, label in groups],
                comment=comments.get((cs.pk, term.pk), ""),
            )
            for _order, group, shown in sorted(cells.get((cs.pk, term.pk), [])):
                if group in group_index:
                    row.groups[group_index[group]].append(shown)
            if result is not None:
                row.average = vi((result.subjects.get(cs.subject.code) or {}).get(period))
            rows.append(row)
        page.terms.append(TermTable(term=term, groups=groups, rows=rows, published=result is not None))
        page.results.append(PeriodResult(period, str(PERIOD_LABELS[period]), result, learning, conduct))
    year_result = results.get((current.pk, YEAR))
    page.results.append(PeriodResult(YEAR, str(PERIOD_LABELS[YEAR]), year_result, learning, conduct))
    if year_result is not None:
        by_code = {cs.subject.code: cs.subject.name for cs in class_subjects}
        for code, values in year_result.subjects.items():
            page.year_subjects.append(
                YearSubjectRow(
                    name=values.get("name") or by_code.get(code, code),
                    term1=vi(values.get(TERM1)),
                    term2=vi(values.get(TERM2)),
                    year=vi(values.get(YEAR)),
                )
            )

    months = [(y, m) for (y, m) in year_months(year) if (y, m) <= (today.year, today.month)]
    periods = {f"{y}-{m:02d}": month_range(y, m) for (y, m) in months}
    table = attendance_totals(enrolments=[current.pk], periods=periods)
    for (y, m), key in zip(months, periods, strict=True):
        totals = table[current.pk][key]
        page.attendance.append(AttendanceRow(y, m, totals))
        page.attendance_total = page.attendance_total + totals

    page.messages = [
        MessageLine(m, m.is_read)
        for m in messages_for_students([student.pk], class_ids=[class_group.pk])
        .select_related("author", "student")
        .annotate(is_read=Exists(MessageRead.objects.filter(message=OuterRef("pk"), user=user)))
        .order_by("-created_at", "-pk")[:MAX_MESSAGES_SHOWN]
    ]
    return page


# --- the homeroom teacher's messages ------------------------------------------------------------


@dataclass
class SentMessage:
    message: Message
    read: int
    recipients: int
    readers: list[tuple[str, object]] = field(default_factory=list)


def _family_users(class_group: ClassGroup) -> dict[int | None, set[int]]:
    """Recipient user ids per student of the class still in it; key None: the whole class."""
    active = Enrolment.objects.filter(class_group=class_group).exclude(status__in=Enrolment.LEFT_STATUSES)
    users: dict[int | None, set[int]] = defaultdict(set)
    for user_id, student_id in RoleGrant.objects.filter(
        role__in=FAMILY_ROLES, student_id__in=active.values("student_id")
    ).values_list("user_id", "student_id"):
        users[student_id].add(user_id)
        users[None].add(user_id)
    return users


def class_messages(class_group: ClassGroup) -> list[SentMessage]:
    """The class's messages, newest first, each with "read by x of y" (three queries)."""
    family = _family_users(class_group)
    messages = list(
        Message.objects.filter(class_group=class_group)
        .select_related("author", "student")
        .order_by("-created_at", "-pk")
    )
    reads: dict[int, set[int]] = defaultdict(set)
    for message_id, user_id in MessageRead.objects.filter(message__class_group=class_group).values_list(
        "message_id", "user_id"
    ):
        reads[message_id].add(user_id)
    rows = []
    for message in messages:
        recipients = family.get(message.student_id, set())
        rows.append(SentMessage(message, len(reads[message.pk] & recipients), len(recipients)))
    return rows


def message_receipts(message: Message) -> SentMessage:
    """One message with its read receipts: who read it and when (two queries)."""
    family = _family_users(message.class_group)
    recipients = family.get(message.student_id, set())
    reads = list(
        MessageRead.objects.filter(message=message, user_id__in=recipients).select_related("user").order_by("read_at")
    )
    return SentMessage(message, len(reads), len(recipients), [(str(r.user), r.read_at) for r in reads])


def class_students(class_group: ClassGroup) -> list[Student]:
    """The students still in the class, in the book's order (the choice of one recipient)."""
    rows = Enrolment.objects.filter(class_group=class_group).exclude(status__in=Enrolment.LEFT_STATUSES)
    rows = rows.select_related("student")
    return [
        e.student
        for e in vietnamese_sorted(rows, family=lambda e: e.student.family_name, given=lambda e: e.student.given_name)
    ]


def message_classes(user: User, year, *, whole_school: bool) -> list[ClassGroup]:
    """The classes whose messages the person reads this year: the classes he leads, or every class
    of the school for the leadership; with the number of messages sent."""
    if year is None:
        return []
    qs = ClassGroup.objects.filter(school_year=year)
    if not whole_school:
        qs = qs.filter(pk__in=classes_homeroom(user).values("pk"))
    return list(qs.annotate(message_count=Count("parent_messages")).order_by("grade_level", "name"))
