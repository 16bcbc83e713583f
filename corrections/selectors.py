"""Reads shaped for the pages of the corrections app, in a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from schools.models import BookLock, ClassGroup, SchoolYear, Term

from . import audit
from .models import Correction, CorrectionLine, Evidence
from .services import correction_deadline, policy_for
from .targets import Cell, target_for

# --- locks -------------------------------------------------------------------------------------


@dataclass
class LockRow:
    lock: BookLock
    state: str
    state_label: str
    target: str


def _lock_state(lock: BookLock, now: datetime) -> tuple[str, str]:
    if lock.executed_at is None:
        return "pending", _("Decided, waiting for the admin board")
    if lock.ends_at is not None and lock.ends_at <= now:
        return "ended", _("Ended")
    if lock.starts_at > now:
        return "scheduled", _("Scheduled")
    return "in_force", _("In force now")


def lock_target(lock: BookLock) -> str:
    if lock.scope == BookLock.Scope.SCHOOL:
        where = _("Whole school")
    elif lock.scope == BookLock.Scope.GRADE:
        where = _("Grade %(grade)s") % {"grade": lock.grade_level}
    elif lock.scope == BookLock.Scope.CLASS:
        where = _("Class %(name)s") % {"name": lock.class_group.name}
    else:
        where = f"{lock.class_subject.class_group.name} – {lock.class_subject.subject.name}"
    column = column_name(lock.column) if lock.column else _("every column")
    term = str(lock.term.get_number_display()) if lock.term_id else _("year's results")
    return f"{where} · {term} · {column}"


COLUMN_NAMES = {
    "midterm": "ĐĐGgk",
    "final": "ĐĐGck",
    "comment": "nhận xét",
    "conduct": "rèn luyện",
    "attendance": "chuyên cần",
    "results": "kết quả, điểm trung bình",
    "summer": "kết quả sau hè",
    "conduct_year": "hạnh kiểm cả năm",
}


def column_name(key: str) -> str:
    if key in COLUMN_NAMES:
        return COLUMN_NAMES[key]
    prefix, _sep, number = key.rpartition("_")
    names = {"regular": "ĐĐGtx", "oral": "Miệng", "quiz15": "15 phút", "period_test": "1 tiết"}
    return f"{names.get(prefix, prefix)} {number}" if prefix else key


def locks_page(year: SchoolYear, now: datetime | None = None) -> list[LockRow]:
    """Every lock and unlock row of the year, newest decision first (one query)."""
    now = now or timezone.now()
    rows = (
        BookLock.objects.filter(school_year=year)
        .select_related(
            "term", "class_group", "class_subject__class_group", "class_subject__subject", "decided_by", "executed_by"
        )
        .order_by("-created_at", "-pk")
    )
    out = []
    for lock in rows:
        state, label = _lock_state(lock, now)
        out.append(LockRow(lock=lock, state=state, state_label=label, target=lock_target(lock)))
    return out


# --- minutes -----------------------------------------------------------------------------------


def minutes_list(qs: QuerySet[Correction], status: str = "") -> list[Correction]:
    if status:
        qs = qs.filter(status=status)
    return list(
        qs.select_related("school_year", "term", "class_group", "class_subject__subject", "requested_by")
        .annotate(line_count=Count("lines", distinct=True))
        .order_by("-created_at", "-pk")[:300]
    )


@dataclass
class LineView:
    line: CorrectionLine
    student: str
    column: str
    old: str
    new: str
    current: str | None = None  # what the cell holds now, when it differs from the recorded value


@dataclass
class MinutesView:
    correction: Correction
    lines: list[LineView]
    evidence: list[Evidence]
    columns: list[tuple[str, str]]
    students: list
    deadline: object = None
    stale: bool = False
    school: object = None
    homeroom_step: bool = False
    signers: dict = field(default_factory=dict)


def minutes_view(correction: Correction, *, with_current: bool = True) -> MinutesView:
    """The minutes with their lines (student names, column labels, displayed values), evidence,
    and — while they are not yet applied — what each cell holds now."""
    from schools.sorting import vietnamese_sorted

    target = target_for(correction.kind)
    lines = list(correction.lines.select_related("enrolment__student").order_by("pk"))
    current: dict[Cell, str] = {}
    if with_current and correction.is_open and lines and target.is_wired():
        current = target.read(correction, [Cell(li.enrolment_id, li.column) for li in lines])
    views = []
    stale = False
    for li in lines:
        now_value = current.get(Cell(li.enrolment_id, li.column))
        differs = now_value is not None and now_value != li.old_value
        stale = stale or differs
        views.append(
            LineView(
                line=li,
                student=li.enrolment.student.full_name,
                column=target.column_label(correction, li.column),
                old=target.display(correction, li.column, li.old_value),
                new=target.display(correction, li.column, li.new_value),
                current=target.display(correction, li.column, now_value) if differs else None,
            )
        )
    students = []
    columns = []
    if correction.status == Correction.Status.DRAFT and target.is_wired():
        enrolments = correction.class_group.enrolments.select_related("student")
        students = vietnamese_sorted(
            list(enrolments), family=lambda e: e.student.family_name, given=lambda e: e.student.given_name
        )
        columns = target.columns(correction)
    school_id = correction.school_year.school_id
    return MinutesView(
        correction=correction,
        lines=views,
        evidence=list(correction.evidence.select_related("uploaded_by").order_by("uploaded_at", "pk")),
        columns=columns,
        students=students,
        deadline=correction_deadline(correction) if correction.is_open else None,
        stale=stale,
        homeroom_step=policy_for(school_id).homeroom_confirms,
    )


# --- signals for the leadership ------------------------------------------------------------------


@dataclass
class SignalRow:
    name: str
    minutes: int = 0
    lines: int = 0
    pending: int = 0
    cell_changes: int = 0
    flagged: bool = False


@dataclass
class Signals:
    term: Term
    threshold: int
    by_teacher: list[SignalRow]
    by_class: list[SignalRow]
    flagged: list[SignalRow]


COUNTED = [s for s in Correction.Status.values if s not in (Correction.Status.DRAFT, Correction.Status.WITHDRAWN)]


def correction_signals(year: SchoolYear, term: Term) -> Signals:
    """Corrections per teacher and per class in the term, and the teachers whose cells changed
    many times (LC Đ4.4), in a fixed number of queries."""
    school_id = year.school_id
    threshold = policy_for(school_id).many_changes_threshold
    minutes = Correction.objects.filter(school_year=year, term=term, status__in=COUNTED)
    open_q = Q(status__in=[Correction.Status.SUBMITTED, Correction.Status.PENDING, Correction.Status.APPROVED])
    per_teacher = {
        row["requested_by"]: row
        for row in minutes.values("requested_by").annotate(
            n=Count("pk", distinct=True), lines=Count("lines"), pending=Count("pk", filter=open_q, distinct=True)
        )
    }
    per_class = {
        row["class_group"]: row
        for row in minutes.values("class_group").annotate(
            n=Count("pk", distinct=True), lines=Count("lines"), pending=Count("pk", filter=open_q, distinct=True)
        )
    }
    changes_by_user = audit.cell_changes_by(term.pk, school_id, "user")
    changes_by_class = audit.cell_changes_by(term.pk, school_id, "class")
    users = {
        u.pk: u.full_name or u.username for u in User.objects.filter(pk__in=set(per_teacher) | set(changes_by_user))
    }
    classes = {c.pk: c.name for c in ClassGroup.objects.filter(pk__in=set(per_class) | set(changes_by_class))}

    by_teacher = []
    for user_id in set(per_teacher) | set(changes_by_user):
        row = per_teacher.get(user_id, {})
        item = SignalRow(
            name=users.get(user_id, f"#{user_id}"),
            minutes=row.get("n", 0),
            lines=row.get("lines", 0),
            pending=row.get("pending", 0),
            cell_changes=changes_by_user.get(user_id, 0),
        )
        item.flagged = item.cell_changes + item.lines >= threshold
        by_teacher.append(item)
    by_teacher.sort(key=lambda r: (-(r.cell_changes + r.lines), r.name))
    by_class = []
    for class_id in set(per_class) | set(changes_by_class):
        row = per_class.get(class_id, {})
        by_class.append(
            SignalRow(
                name=classes.get(class_id, f"#{class_id}"),
                minutes=row.get("n", 0),
                lines=row.get("lines", 0),
                pending=row.get("pending", 0),
                cell_changes=changes_by_class.get(class_id, 0),
            )
        )
    by_class.sort(key=lambda r: (-(r.cell_changes + r.lines), r.name))
    return Signals(
        term=term,
        threshold=threshold,
        by_teacher=by_teacher,
        by_class=by_class,
        flagged=[r for r in by_teacher if r.flagged],
    )
