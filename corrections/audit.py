"""The audit trail: every recorded change, read from django-simple-history's tables.

A registry of *history sources*: each names a tracked model, the kind of change it is (score,
attendance, conduct, lock, correction, account, student), and the lookups from its history rows to
the school, the student, the class, the class's subject, the department and the term. Searching,
scoping to what a person may read, and computing "old → new" are generic over the sources, so a new
app plugs its models in with one ``register`` call (the grade cells and attendance marks do).

Reading a page costs two queries per source (the rows with the id of their previous version, then
those previous versions) plus one per kind of related object shown, whatever the table sizes.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from django.apps import apps
from django.db import models
from django.db.models import Count, OuterRef, Q, Subquery, Value
from django.db.models.functions import Concat
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import Role

from .access import AuditScope

KINDS = {
    "score": gettext_lazy("Scores"),
    "attendance": gettext_lazy("Attendance"),
    "conduct": gettext_lazy("Conduct"),
    "lock": gettext_lazy("Locks"),
    "correction": gettext_lazy("Correction minutes"),
    "account": gettext_lazy("Accounts and assignments"),
    "student": gettext_lazy("Students and class lists"),
}
ACTIONS = {"+": gettext_lazy("created"), "~": gettext_lazy("changed"), "-": gettext_lazy("deleted")}
HIDDEN_FIELDS = {"id", "version", "updated_at", "updated_by", "created_at", "password", "last_login", "sha256"}
EMPTY = "—"


@dataclass(frozen=True)
class HistorySource:
    key: str
    kind: str
    model: type[models.Model]
    school: str  # lookup from a history row to the school's id
    describe: Callable[[models.Model], str]
    select_related: tuple[str, ...] = ()
    student: str | None = None
    class_group: str | None = None
    class_subject: str | None = None
    subject: str | None = None
    department: str | None = None
    term: str | None = None
    owner: str | None = None  # a user who reads his own rows (the teacher of his minutes)
    readers: tuple[str, ...] | None = None  # school-wide readers, when narrower than the default
    cell_change: bool = False  # counts in "cells changed many times" (LC Đ4.4)
    correction_prefix: str = ""  # reason of a change made by minutes (counted as minutes, not here)
    hidden: frozenset[str] = frozenset()

    @property
    def history_model(self) -> type[models.Model]:
        return self.model.history.model


_SOURCES: dict[str, HistorySource] = {}
_defaults_loaded = False


def register(source: HistorySource) -> HistorySource:
    _SOURCES[source.key] = source
    return source


def sources() -> list[HistorySource]:
    _load_defaults()
    return list(_SOURCES.values())


# --- reading --------------------------------------------------------------------------------


@dataclass
class AuditFilter:
    kinds: frozenset[str] = frozenset()
    student_query: str = ""
    class_id: int | None = None
    subject_id: int | None = None
    user_id: int | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None


@dataclass
class Entry:
    when: dt.datetime
    who: str
    kind: str
    action: str
    subject: str
    changes: list[tuple[str, str, str]] = field(default_factory=list)
    reason: str = ""
    history_id: int = 0
    source: str = ""


@dataclass
class AuditPage:
    entries: list[Entry]
    has_more: bool
    offset: int
    limit: int


def _scope_q(source: HistorySource, scope: AuditScope) -> Q | None:
    school = Q(**{source.school: scope.school_id})
    readers = source.readers or (Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.ADMIN_BOARD)
    if scope.whole_school and scope.roles.intersection(readers):
        return school
    parts: list[Q] = []
    if source.class_group and scope.class_ids and source.readers is None:
        parts.append(Q(**{f"{source.class_group}__in": scope.class_ids}))
    if source.class_subject and scope.class_subject_ids and source.readers is None:
        parts.append(Q(**{f"{source.class_subject}__in": scope.class_subject_ids}))
    if source.department and scope.department_ids and source.readers is None:
        parts.append(Q(**{f"{source.department}__in": scope.department_ids}))
    if source.owner:
        parts.append(Q(**{source.owner: scope.user_id}))
    if not parts:
        return None
    combined = parts[0]
    for part in parts[1:]:
        combined |= part
    return school & combined


def _student_ids(school_id: int, query: str) -> list[int]:
    from schools.models import Student

    query = " ".join(query.split())
    return list(
        Student.objects.filter(school_id=school_id)
        .annotate(full=Concat("family_name", Value(" "), "given_name"))
        .filter(Q(student_code__iexact=query) | Q(full__icontains=query) | Q(given_name__iexact=query))
        .values_list("pk", flat=True)[:500]
    )


def _filter_q(source: HistorySource, flt: AuditFilter, student_ids: list[int] | None) -> Q | None:
    q = Q()
    if flt.kinds and source.kind not in flt.kinds:
        return None
    if student_ids is not None:
        if not source.student:
            return None
        q &= Q(**{f"{source.student}__in": student_ids})
    if flt.class_id:
        if not source.class_group:
            return None
        q &= Q(**{source.class_group: flt.class_id})
    if flt.subject_id:
        if not source.subject:
            return None
        q &= Q(**{source.subject: flt.subject_id})
    if flt.user_id:
        q &= Q(history_user_id=flt.user_id)
    if flt.date_from:
        q &= Q(history_date__gte=_start_of(flt.date_from))
    if flt.date_to:
        q &= Q(history_date__lt=_start_of(flt.date_to + dt.timedelta(days=1)))
    return q


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def read(scope: AuditScope, flt: AuditFilter, *, offset: int = 0, limit: int = 50) -> AuditPage:
    """One page of the changes the person may read, newest first."""
    student_ids = _student_ids(scope.school_id, flt.student_query) if flt.student_query.strip() else None
    rows: list[tuple[models.Model, HistorySource]] = []
    for source in sources():
        visible = _scope_q(source, scope)
        wanted = _filter_q(source, flt, student_ids)
        if visible is None or wanted is None:
            continue
        hm = source.history_model
        previous = hm.objects.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id")).order_by("-history_id")
        qs = (
            hm.objects.filter(visible & wanted)
            .select_related("history_user", *source.select_related)
            .annotate(previous_id=Subquery(previous.values("history_id")[:1]))
            .order_by("-history_date", "-history_id")[: offset + limit + 1]
        )
        rows.extend((record, source) for record in qs)
    rows.sort(key=lambda pair: (pair[0].history_date, pair[0].history_id), reverse=True)
    page = rows[offset : offset + limit]
    previous_rows = _previous(page)
    labels = _Labels()
    pairs = []
    for record, source in page:
        prev = previous_rows.get((source.key, record.previous_id))
        changes = _changes(source, record, prev)
        labels.want(changes)
        pairs.append((record, source, changes))
    labels.load()
    entries = [
        _entry(record, source, labels.render(changes))
        for record, source, changes in pairs
        # A save that changed nothing tracked (a log-in stamps last_login) says nothing: skip it.
        if changes or record.history_type != "~" or record.history_change_reason
    ]
    return AuditPage(entries=entries, has_more=len(rows) > offset + limit, offset=offset, limit=limit)


def _previous(page) -> dict[tuple[str, int], models.Model]:
    wanted: dict[str, set[int]] = defaultdict(set)
    by_key = {}
    for record, source in page:
        if record.previous_id:
            wanted[source.key].add(record.previous_id)
            by_key[source.key] = source
    found = {}
    for key, ids in wanted.items():
        for prev in by_key[key].history_model.objects.filter(history_id__in=ids):
            found[(key, prev.history_id)] = prev
    return found


def _tracked_fields(source: HistorySource) -> list[models.Field]:
    names = {f.name for f in source.model._meta.concrete_fields}
    hidden = HIDDEN_FIELDS | set(source.hidden)
    return [
        f
        for f in source.history_model._meta.concrete_fields
        if f.name in names and f.name not in hidden and not f.name.startswith("history_")
    ]


@dataclass(frozen=True)
class _Raw:
    """A value before display: a related object's id is turned into its name in one query per model."""

    field: models.Field
    value: object


def _changes(source: HistorySource, record, prev) -> list[tuple[str, _Raw | None, _Raw | None]]:
    out = []
    for f in _tracked_fields(source):
        new = getattr(record, f.attname)
        if record.history_type == "-":
            continue
        if prev is None:
            # A creation (or a change whose earlier versions predate the history): values only.
            if new in (None, "", False):
                continue
            out.append((str(f.verbose_name), None, _Raw(f, new)))
            continue
        old = getattr(prev, f.attname)
        if old != new:
            out.append((str(f.verbose_name), _Raw(f, old), _Raw(f, new)))
    return out


class _Labels:
    """Names of related objects shown in the changes, loaded in one query per related model."""

    def __init__(self):
        self.ids: dict[type[models.Model], set] = defaultdict(set)
        self.names: dict[tuple[type[models.Model], object], str] = {}

    def want(self, changes) -> None:
        for _label, old, new in changes:
            for raw in (old, new):
                if raw is not None and raw.field.is_relation and raw.value is not None:
                    self.ids[raw.field.related_model].add(raw.value)

    def load(self) -> None:
        for model, ids in self.ids.items():
            for pk, name in _names_of(model, ids):
                self.names[(model, pk)] = name

    def render(self, changes) -> list[tuple[str, str, str]]:
        # A value without a previous version (a creation) is shown alone: old is "".
        return [(label, "" if old is None else self.show(old), self.show(new)) for label, old, new in changes]

    def show(self, raw: _Raw | None) -> str:
        if raw is None or raw.value in (None, ""):
            return EMPTY
        f, value = raw.field, raw.value
        if f.is_relation:
            return self.names.get((f.related_model, value), f"#{value}")
        if f.choices:
            return str(dict(f.flatchoices).get(value, value))
        if isinstance(value, bool):
            return _("yes") if value else _("no")
        if isinstance(value, Decimal):
            return f"{value:f}".replace(".", ",")  # scores with the decimal comma (R-NUM-7)
        if isinstance(value, dt.datetime):
            return date_format(timezone.localtime(value), "d/m/Y H:i")
        if isinstance(value, dt.date):
            return value.strftime("%d/%m/%Y")
        return str(value)


def _names_of(model: type[models.Model], ids: Iterable) -> Iterable[tuple[object, str]]:
    label = model._meta.label
    qs = model._default_manager.filter(pk__in=list(ids))
    if label == "accounts.User":
        return [(pk, full or user) for pk, full, user in qs.values_list("pk", "full_name", "username")]
    if label == "schools.Enrolment":
        return [(e.pk, e.student.full_name) for e in qs.select_related("student")]
    if label == "schools.ClassSubject":
        return [
            (cs.pk, f"{cs.class_group.name} – {cs.subject.name}") for cs in qs.select_related("class_group", "subject")
        ]
    if label in ("schools.Term", "corrections.Correction"):
        return [(obj.pk, str(obj)) for obj in qs.select_related("school_year")]
    return [(obj.pk, str(obj)) for obj in qs]


def _entry(record, source: HistorySource, changes) -> Entry:
    user = record.history_user
    return Entry(
        when=record.history_date,
        who=(user.full_name or user.username) if user else _("(the system)"),
        kind=str(KINDS.get(source.kind, source.kind)),
        action=str(ACTIONS.get(record.history_type, record.history_type)),
        subject=_safe_describe(source, record),
        changes=changes,
        reason=record.history_change_reason or "",
        history_id=record.history_id,
        source=source.key,
    )


def _safe_describe(source: HistorySource, record) -> str:
    try:
        return source.describe(record)
    except models.ObjectDoesNotExist:
        return f"#{record.id}"


# --- counts for the correction signals ----------------------------------------------------------


def cell_changes_by(term_id: int, school_id: int, group: str) -> dict[int, int]:
    """How many times cells were changed (not first entered) in a term, per ``group`` ("user" or
    "class"), over every source that counts as cells (LC Đ4.4). Changes made by approved minutes
    are left out: the minutes are counted for the teacher who asked for them."""
    totals: dict[int, int] = defaultdict(int)
    for source in sources():
        if not source.cell_change or not source.term:
            continue
        key = "history_user_id" if group == "user" else source.class_group
        if key is None:
            continue
        qs = source.history_model.objects.filter(
            **{source.school: school_id, source.term: term_id}, history_type="~"
        ).exclude(**{f"{key}__isnull": True})
        if source.correction_prefix:
            qs = qs.exclude(history_change_reason__startswith=source.correction_prefix)
        qs = qs.values(key).annotate(n=Count("history_id"))
        for row in qs:
            totals[row[key]] += row["n"]
    return dict(totals)


# --- the sources of the apps that exist ---------------------------------------------------------


def _describe_lock(r) -> str:
    target = {
        1: _("whole school"),
        2: _("grade %(grade)s") % {"grade": r.grade_level},
        3: r.class_group.name if r.class_group_id else "",
        4: f"{r.class_subject.class_group.name} – {r.class_subject.subject.name}" if r.class_subject_id else "",
        5: f"{r.class_subject.class_group.name} – {r.class_subject.subject.name}" if r.class_subject_id else "",
    }.get(r.scope, "")
    action = _("Lock") if r.action == "lock" else _("Unlock")
    column = f" [{r.column}]" if r.column else ""
    return f"{action} {target}{column} ({r.decision_reference})"


def _model(label: str) -> type[models.Model] | None:
    try:
        return apps.get_model(label)
    except LookupError:
        return None


def _load_defaults() -> None:
    global _defaults_loaded
    if _defaults_loaded:
        return
    _defaults_loaded = True
    from accounts.models import RoleGrant, User
    from schools.models import BookLock, Enrolment, HomeroomAssignment, Student, TeachingAssignment

    from .models import Correction, CorrectionLine, Evidence, LateCorrectionPermit

    minutes_readers = (Role.PRINCIPAL, Role.ADMIN_BOARD)
    for source in (
        HistorySource(
            "user", "account", User, "school_id", lambda r: f"{r.full_name} ({r.username})", hidden=frozenset({"id"})
        ),
        HistorySource(
            "role_grant",
            "account",
            RoleGrant,
            "school_id",
            lambda r: f"{r.user.full_name}: {r.get_role_display()}",
            select_related=("user",),
            department="department_id",
        ),
        HistorySource(
            "teaching",
            "account",
            TeachingAssignment,
            "class_subject__class_group__school_year__school_id",
            lambda r: f"{r.teacher.full_name}: {r.class_subject.class_group.name} – {r.class_subject.subject.name}",
            select_related=("teacher", "class_subject__class_group", "class_subject__subject"),
            class_group="class_subject__class_group_id",
            class_subject="class_subject_id",
            subject="class_subject__subject_id",
            department="class_subject__subject__department_id",
        ),
        HistorySource(
            "homeroom",
            "account",
            HomeroomAssignment,
            "class_group__school_year__school_id",
            lambda r: f"{r.teacher.full_name}: {r.class_group.name}",
            select_related=("teacher", "class_group"),
            class_group="class_group_id",
        ),
        HistorySource(
            "lock",
            "lock",
            BookLock,
            "school_year__school_id",
            _describe_lock,
            select_related=("class_group", "class_subject__class_group", "class_subject__subject"),
            class_group="class_group_id",
            subject="class_subject__subject_id",
            term="term_id",
        ),
        HistorySource(
            "student",
            "student",
            Student,
            "school_id",
            lambda r: f"{r.family_name} {r.given_name} ({r.student_code})",
            student="id",
        ),
        HistorySource(
            "enrolment",
            "student",
            Enrolment,
            "school_year__school_id",
            lambda r: f"{r.student.full_name} – {r.class_group.name}",
            select_related=("student", "class_group"),
            student="student_id",
            class_group="class_group_id",
        ),
        HistorySource(
            "correction",
            "correction",
            Correction,
            "school_year__school_id",
            lambda r: (
                f"{_minutes_ref(r)} – {r.class_group.name}"
                + (f" – {r.class_subject.subject.name}" if r.class_subject_id else "")
            ),
            select_related=("school_year", "class_group", "class_subject__subject"),
            class_group="class_group_id",
            subject="class_subject__subject_id",
            term="term_id",
            owner="requested_by_id",
            readers=minutes_readers,
        ),
        HistorySource(
            "correction_line",
            "correction",
            CorrectionLine,
            "correction__school_year__school_id",
            lambda r: f"{_minutes_ref(r.correction)} – {r.enrolment.student.full_name} – {_column_name(r.column)}",
            select_related=("correction__school_year", "enrolment__student"),
            student="enrolment__student_id",
            class_group="correction__class_group_id",
            subject="correction__class_subject__subject_id",
            owner="correction__requested_by_id",
            readers=minutes_readers,
            hidden=frozenset({"correction"}),
        ),
        HistorySource(
            "evidence",
            "correction",
            Evidence,
            "correction__school_year__school_id",
            lambda r: f"{_minutes_ref(r.correction)} – {r.original_name}",
            select_related=("correction__school_year",),
            class_group="correction__class_group_id",
            owner="correction__requested_by_id",
            readers=minutes_readers,
            hidden=frozenset({"file", "correction"}),
        ),
        HistorySource(
            "late_permit",
            "correction",
            LateCorrectionPermit,
            "school_year__school_id",
            lambda r: f"{r.class_group.name}: {r.valid_until:%d/%m/%Y}",
            select_related=("class_group",),
            class_group="class_group_id",
            term="term_id",
        ),
    ):
        register(source)

    attendance = _model("attendance.AttendanceMark")
    if attendance is not None and hasattr(attendance, "history"):
        register(
            HistorySource(
                "attendance_mark",
                "attendance",
                attendance,
                "enrolment__school_year__school_id",
                lambda r: (
                    f"{r.enrolment.student.full_name} – {r.enrolment.class_group.name} – "
                    f"{r.date:%d/%m/%Y}" + ("" if r.session == "all" else f" ({r.get_session_display()})")
                ),
                select_related=("enrolment__student", "enrolment__class_group"),
                student="enrolment__student_id",
                class_group="enrolment__class_group_id",
                hidden=frozenset({"updated_at", "updated_by"}),
            )
        )
    _register_grades()


def _column_name(key: str) -> str:
    from .selectors import column_name

    return column_name(key)


def _minutes_ref(correction) -> str:
    if correction.number is None:
        return _("draft minutes")
    return f"{correction.number:02d}/BB-SĐ {correction.school_year.name}"


def _register_grades() -> None:
    """The grade cells, once the grades app has its model (see ``targets_grades``)."""
    from . import wiring

    for source in wiring.history_sources():
        register(source)
