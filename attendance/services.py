"""Writes of attendance: marks (a cell or a whole month at once) and the month's completion.

Every write takes the acting user, runs in one transaction, writes history (bulk helpers for many
cells: one history row per changed cell) and refuses the whole batch on any bad cell. Concurrent
edits are caught by each mark's ``version``: a cell changed by someone else since the page was
loaded raises ``AttendanceConflict`` and nothing is written.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from schools.locks import LockMap
from schools.models import ClassGroup, Enrolment, Student, Term
from schools.services import class_list_enrol

from .imports import ImportRow, check_rows, read_upload, rows_from_json
from .models import AttendanceMark, ClassListImport, MonthCompletion
from .selectors import attendance_days, month_range, sessions_of, term_of, year_months

CODES = ("", *AttendanceMark.Code.values)
SESSION_LABELS = {"all": "", "am": " (sáng)", "pm": " (chiều)"}
# The history reason of a change made by approved correction minutes (data: Vietnamese).
REASON_CORRECTION = "Sửa chữa theo biên bản số {reference}"


@dataclass(frozen=True)
class CellChange:
    """One cell as the person left it: ``code`` is "P", "K", "M" or "" (present), ``version`` the
    version they saw (0: no mark when the page was loaded); ``note`` None keeps the note."""

    enrolment_id: int
    date: date
    session: str
    code: str
    version: int
    note: str | None = None

    @property
    def key(self) -> tuple[int, date, str]:
        return (self.enrolment_id, self.date, self.session)


@dataclass(frozen=True)
class CellConflict:
    enrolment_id: int
    date: date
    session: str
    code: str
    version: int
    student: str
    changed_by_id: int | None = None
    changed_by: str = ""

    @property
    def describe(self) -> str:
        return _("%(student)s, %(date)s%(session)s: now “%(code)s”, changed by %(who)s") % {
            "student": self.student,
            "date": self.date.strftime("%d/%m"),
            "session": SESSION_LABELS.get(self.session, ""),
            "code": self.code or "–",
            "who": self.changed_by or "?",
        }


class AttendanceConflict(Exception):
    """Cells changed by someone else since the page was loaded; nothing was written."""

    def __init__(self, conflicts: list[CellConflict]):
        self.conflicts = conflicts
        super().__init__(self.message)

    @property
    def message(self) -> str:
        return _(
            "Someone else changed these cells after you opened the page; nothing was saved. "
            "Their values are shown now: %(cells)s"
        ) % {"cells": "; ".join(c.describe for c in self.conflicts)}


def _month_completed(class_group: ClassGroup, months: set[tuple[int, int]]) -> set[tuple[int, int]]:
    if not months:
        return set()
    rows = MonthCompletion.objects.filter(class_group=class_group, year__in={y for y, _m in months}).values_list(
        "year", "month"
    )
    return {(y, m) for y, m in rows if (y, m) in months}


def _label(enrolment: Enrolment | None, change: CellChange) -> str:
    who = enrolment.student.full_name if enrolment else f"#{change.enrolment_id}"
    return f"{who}, {change.date:%d/%m/%Y}{SESSION_LABELS.get(change.session, '')}"


@transaction.atomic
def attendance_record_many(
    *,
    class_group: ClassGroup,
    changes: Sequence[CellChange],
    actor,
    reason: str = "",
    today: date | None = None,
    correction: str | None = None,
) -> list[AttendanceMark]:
    """Record many cells of a class's attendance at once (a day cell, a whole month).

    Refused as a whole, with a Vietnamese message per bad cell, when a cell names a student of
    another class, a day that is not a school day of a term, a day before the student arrived or
    after he left, a session the school does not use, an unknown code, an absence without leave or
    a late arrival in the future, a month already completed, or a term whose attendance is locked.
    ``correction`` is the reference of approved correction minutes (P-COR-1): it alone passes the
    lock and the month's completion (both stay in force for every other cell); its changes must
    carry the versions read under the minutes' own check of the old values.
    Returns the marks written (with their new versions); unchanged cells are skipped.
    """
    today = today or timezone.localdate()
    if not changes:
        return []
    year = class_group.school_year
    enrolments = {
        e.pk: e
        for e in Enrolment.objects.filter(
            class_group=class_group, pk__in={c.enrolment_id for c in changes}
        ).select_related("student")
    }
    terms = list(Term.objects.filter(school_year=year))
    first, last = min(c.date for c in changes), max(c.date for c in changes)
    days = set(attendance_days(class_group, first, last, terms))
    sessions = sessions_of(class_group)
    completed = _month_completed(class_group, {(c.date.year, c.date.month) for c in changes})
    lock_maps: dict[int, LockMap] = {}
    errors: list[str] = []
    seen: set[tuple[int, date, str]] = set()
    for change in changes:
        enrolment = enrolments.get(change.enrolment_id)
        label = _label(enrolment, change)
        if change.key in seen:
            errors.append(_("%(cell)s: the cell is sent twice.") % {"cell": label})
            continue
        seen.add(change.key)
        if enrolment is None:
            errors.append(_("%(cell)s: this student is not in class %(cls)s.") % {"cell": label, "cls": class_group})
            continue
        if change.code not in CODES:
            message = _("%(cell)s: “%(code)s” is not a code: use P, K or M.")
            errors.append(message % {"cell": label, "code": change.code})
        if change.session not in sessions:
            errors.append(_("%(cell)s: the school does not record this session.") % {"cell": label})
        if change.date not in days:
            errors.append(_("%(cell)s: not a school day of the school year.") % {"cell": label})
            continue
        if not enrolment.is_active_on(change.date):
            errors.append(_("%(cell)s: the student is not in the class on that day.") % {"cell": label})
        if change.date > today and change.code in (AttendanceMark.Code.UNEXCUSED, AttendanceMark.Code.LATE):
            errors.append(
                _("%(cell)s: only an absence with leave (P) can be recorded ahead of the day.") % {"cell": label}
            )
        if correction:
            continue  # approved minutes pass the month's completion and the lock (P-COR-1)
        if (change.date.year, change.date.month) in completed:
            errors.append(_("%(cell)s: the month is marked complete; reopen it to change it.") % {"cell": label})
        term = term_of(change.date, terms)
        if term.pk not in lock_maps:
            lock_maps[term.pk] = LockMap(class_group, term)
        state = lock_maps[term.pk].state(column="attendance")
        if state.locked:
            errors.append(f"{label}: {state.message}")
    if errors:
        raise ValidationError(errors)

    # Lock the class's existing marks of those days, in a fixed order, then compare versions.
    existing = {
        _key(m): m
        for m in AttendanceMark.objects.select_for_update()
        .filter(enrolment_id__in=list(enrolments), date__in=sorted({c.date for c in changes}))
        .order_by("pk")
    }
    conflicts = []
    for change in changes:
        mark = existing.get(change.key)
        if (mark.version if mark else 0) != change.version:
            conflicts.append(_conflict(change, mark, enrolments))
    if conflicts:
        raise AttendanceConflict(_with_editors(conflicts))

    now = timezone.now()
    reason = reason.strip() or _("Attendance of %(month)s") % {"month": f"{first:%m/%Y}"}
    if correction:
        reason = f"{REASON_CORRECTION.format(reference=correction)}: {reason}"
    to_create, to_update = [], []
    for change in changes:
        mark = existing.get(change.key)
        note = change.note if change.note is not None else (mark.note if mark else "")
        if mark is None:
            if change.code == AttendanceMark.CLEARED and not note:
                continue
            to_create.append(
                AttendanceMark(
                    enrolment_id=change.enrolment_id,
                    date=change.date,
                    session=change.session,
                    code=change.code,
                    note=note,
                    version=1,
                    updated_by=actor,
                    updated_at=now,
                )
            )
        elif mark.code != change.code or mark.note != note:
            mark.code, mark.note = change.code, note
            mark.version += 1
            mark.updated_by, mark.updated_at = actor, now
            to_update.append(mark)
    if to_create:
        try:
            with transaction.atomic():
                bulk_create_with_history(
                    to_create, AttendanceMark, batch_size=500, default_user=actor, default_change_reason=reason
                )
        except IntegrityError:
            # Another save created one of these cells between our read and our insert.
            raise AttendanceConflict(
                [_conflict(c, None, enrolments) for c in changes if c.key in {_key(m) for m in to_create}]
            ) from None
    if to_update:
        bulk_update_with_history(
            to_update,
            AttendanceMark,
            ["code", "note", "version", "updated_by", "updated_at"],
            batch_size=500,
            default_user=actor,
            default_change_reason=reason,
        )
    return [*to_create, *to_update]


def _key(mark: AttendanceMark) -> tuple[int, date, str]:
    return (mark.enrolment_id, mark.date, mark.session)


def _conflict(change: CellChange, mark: AttendanceMark | None, enrolments: dict[int, Enrolment]) -> CellConflict:
    enrolment = enrolments[change.enrolment_id]
    return CellConflict(
        enrolment_id=change.enrolment_id,
        date=change.date,
        session=change.session,
        code=mark.code if mark else "",
        version=mark.version if mark else 0,
        student=enrolment.student.full_name,
        changed_by_id=mark.updated_by_id if mark else None,
    )


def _with_editors(conflicts: list[CellConflict]) -> list[CellConflict]:
    """Put the editors' names on the conflicts (one query, only when there is a conflict)."""
    from accounts.models import User

    ids = {c.changed_by_id for c in conflicts if c.changed_by_id}
    names = {u.pk: u.full_name or u.username for u in User.objects.filter(pk__in=ids)}
    return [replace(c, changed_by=names.get(c.changed_by_id, "")) for c in conflicts]


def _check_month(class_group: ClassGroup, year: int, month: int) -> None:
    if (year, month) not in year_months(class_group.school_year):
        raise ValidationError(_("This month is not in the school year."))


@transaction.atomic
def attendance_month_complete(
    *, class_group: ClassGroup, year: int, month: int, actor, today: date | None = None
) -> MonthCompletion:
    """The homeroom teacher confirms the month's attendance (P-ATT-1). Only once the month's last
    school day has come; the month is read-only afterwards until reopened. Marks are sparse (no
    mark = present), so a day with no mark is a day everyone came: there is nothing to warn about."""
    today = today or timezone.localdate()
    _check_month(class_group, year, month)
    first, last = month_range(year, month)
    terms = list(Term.objects.filter(school_year=class_group.school_year))
    days = attendance_days(class_group, first, last, terms)
    if days and days[-1] > today:
        raise ValidationError(
            _("The month is not over: its last school day is %(day)s.") % {"day": days[-1].strftime("%d/%m/%Y")}
        )
    if MonthCompletion.objects.select_for_update().filter(class_group=class_group, year=year, month=month).exists():
        raise ValidationError(_("This month is already marked complete."))
    completion = MonthCompletion(
        class_group=class_group, year=year, month=month, completed_by=actor, completed_at=timezone.now()
    )
    completion._history_user = actor
    completion._change_reason = _("Attendance of %(month)s confirmed") % {"month": f"{month:02d}/{year}"}
    completion.save()
    return completion


@transaction.atomic
def attendance_month_reopen(*, class_group: ClassGroup, year: int, month: int, actor, reason: str) -> None:
    """Reopen a completed month for changes, with the reason (kept in the history)."""
    if not reason.strip():
        raise ValidationError(_("Give the reason for reopening the month."))
    completion = (
        MonthCompletion.objects.select_for_update().filter(class_group=class_group, year=year, month=month).first()
    )
    if completion is None:
        raise ValidationError(_("This month is not marked complete."))
    first, last = month_range(year, month)
    terms = Term.objects.filter(school_year=class_group.school_year, start_date__lte=last, end_date__gte=first)
    if terms and all(LockMap(class_group, t).state(column="attendance").locked for t in terms):
        raise ValidationError(_("The attendance of this term is locked: the month cannot be reopened."))
    completion._history_user = actor
    completion._change_reason = reason.strip()
    completion.delete()


# --- Class-list import: stage the parsed upload, apply it after the preview ------------------

IMPORT_VALID_FOR = timedelta(hours=12)


def class_list_import_stage(
    *, class_group: ClassGroup, data: bytes, file_name: str, enrolled_on: date, actor
) -> tuple[ClassListImport, list[ImportRow]]:
    """Read an upload and keep its parsed rows on the server for the preview (``ImportFileError``
    when the file cannot be used at all). Nothing of the school's data changes here."""
    year = class_group.school_year
    if not year.start_date <= enrolled_on <= year.end_date:
        raise ValidationError(_("The date must lie in the school year."))
    rows = read_upload(data)
    staged = ClassListImport.objects.create(
        class_group=class_group,
        created_by=actor,
        file_name=file_name[:200],
        enrolled_on=enrolled_on,
        rows=[r.as_json() for r in rows],
    )
    return staged, check_rows(class_group, rows)


def class_list_import_get(*, class_group: ClassGroup, token, actor) -> ClassListImport | None:
    """The person's own staged upload for this class, still waiting and recent; else None."""
    return ClassListImport.objects.filter(
        token=token,
        class_group=class_group,
        created_by=actor,
        applied_at__isnull=True,
        created_at__gte=timezone.now() - IMPORT_VALID_FOR,
    ).first()


@transaction.atomic
def class_list_import_apply(*, staged: ClassListImport, actor) -> tuple[list[Enrolment], list[ImportRow]]:
    """Apply a staged class list in one transaction, after checking every row again against the
    database as it is now. Any row in error refuses the whole list (``ValidationError`` naming the
    rows; the returned rows carry the reasons) and nothing is written."""
    staged = ClassListImport.objects.select_for_update().get(pk=staged.pk)
    if staged.applied_at is not None:
        raise ValidationError(_("This list has already been applied."))
    class_group = staged.class_group
    rows = check_rows(class_group, rows_from_json(staged.rows))
    bad = [r for r in rows if r.status == "error"]
    if bad:
        raise ClassListRefused(rows)
    new = [r.student() for r in rows if r.status == "new"]
    existing_ids = [r.student_id for r in rows if r.status == "existing"]
    existing = list(Student.objects.filter(pk__in=existing_ids))
    if not new and not existing:
        raise ValidationError(_("Every student of the list is already in the class: nothing to apply."))
    reason = _("Class list imported from %(file)s") % {"file": staged.file_name}
    enrolments = class_list_enrol(
        class_group=class_group,
        new_students=new,
        existing_students=existing,
        enrolled_on=staged.enrolled_on,
        actor=actor,
        reason=reason,
    )
    staged.applied_at = timezone.now()
    staged.save(update_fields=["applied_at"])
    return enrolments, rows


class ClassListRefused(ValidationError):
    """Rows in error: the list is refused whole. ``rows`` carry each row's status and reasons."""

    def __init__(self, rows: list[ImportRow]):
        self.rows = rows
        bad = [r for r in rows if r.status == "error"]
        super().__init__([_("Row %(row)s: %(errors)s") % {"row": r.row, "errors": "; ".join(r.errors)} for r in bad])
