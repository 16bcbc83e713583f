"""Writes of the corrections app: lock decisions and their execution, the correction minutes through
their whole life, late-correction permits and the school's correction policy.

Every function takes the acting user, checks that person's right to act (the views check it too:
this is the last line), opens the transaction, locks the row it moves forward and writes history
with a reason. A transition re-reads the status under the row lock, so two people pressing the same
button at once cannot apply a correction twice.
"""

from __future__ import annotations

import hashlib
import os
import re
import unicodedata
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Max
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop as N_

from accounts.access import actor_for, class_subjects_taught, classes_homeroom
from accounts.models import Role, User
from schools.locks import LockMap
from schools.models import BookLock, ClassGroup, ClassSubject, Enrolment, HomeroomAssignment, School, SchoolYear, Term

from .models import Correction, CorrectionLine, CorrectionPolicy, Evidence, LateCorrectionPermit
from .targets import Cell, Change, check_unchanged, target_for

LOCK_COLUMN_RE = re.compile(
    r"^(?:(?:regular|oral|quiz15|period_test)_\d{1,2}|midterm|final|comment|conduct|attendance|results|summer)$"
)
MAX_EVIDENCE_BYTES = 10 * 1024 * 1024
EVIDENCE_SIGNATURES = (
    (b"%PDF-", "application/pdf"),
    (b"\xff\xd8\xff", "image/jpeg"),
    (b"\x89PNG\r\n\x1a\n", "image/png"),
)
PAST_TOLERANCE = timedelta(minutes=5)


def _vi(message: str, **params) -> str:
    """A reason recorded in the history: data, kept in Vietnamese whatever the actor's language."""
    with translation.override("vi"):
        text = gettext(message)
    return text % params if params else text


def _stamp(obj, actor, reason: str = "") -> None:
    obj._history_user = actor
    obj._change_reason = reason or None


def _require(user: User, *roles: str, school_id: int) -> None:
    actor = actor_for(user)
    if actor.school_id != school_id or not actor.has(*roles):
        raise PermissionDenied(_("You do not have the right to do this."))


def _text(value: str, message: str) -> str:
    value = (value or "").strip()
    if not value:
        raise ValidationError(message)
    return value


# --- the policy -------------------------------------------------------------------------------


def policy_for(school: School | int) -> CorrectionPolicy:
    """The school's correction settings, or the defaults when it never changed them."""
    school_id = school if isinstance(school, int) else school.pk
    return CorrectionPolicy.objects.filter(school_id=school_id).first() or CorrectionPolicy(school_id=school_id)


@transaction.atomic
def policy_update(
    *,
    actor: User,
    school: School,
    window_days_before_final: int,
    homeroom_confirms: bool,
    many_changes_threshold: int,
    reason: str,
) -> CorrectionPolicy:
    _require(actor, Role.PRINCIPAL, school_id=school.pk)
    reason = _text(reason, _("Give the reason for the change."))
    if not 0 <= window_days_before_final <= 60:
        raise ValidationError(_("The number of days must be between 0 and 60."))
    if not 1 <= many_changes_threshold <= 1000:
        raise ValidationError(_("The threshold must be between 1 and 1000."))
    policy = CorrectionPolicy.objects.select_for_update().filter(school=school).first() or CorrectionPolicy(
        school=school
    )
    policy.window_days_before_final = window_days_before_final
    policy.homeroom_confirms = homeroom_confirms
    policy.many_changes_threshold = many_changes_threshold
    _stamp(policy, actor, reason)
    policy.save()
    return policy


# --- locks ------------------------------------------------------------------------------------


def deadline_moment(day: date) -> datetime:
    """The end of a deadline day (P-DL-1: 24:00 of the day), as an aware moment."""
    return timezone.make_aware(datetime.combine(day + timedelta(days=1), time.min))


def _next_reference(school_year: SchoolYear) -> str:
    count = (
        BookLock.objects.filter(school_year=school_year, decision_reference__startswith="QĐ-KS ")
        .values("decision_reference")
        .distinct()
        .count()
    )
    return f"QĐ-KS {count + 1:02d}/{school_year.name}"


@transaction.atomic
def lock_decide(
    *,
    actor: User,
    school_year: SchoolYear,
    action: str,
    scope: int,
    reason: str,
    term: Term | None,
    grade_level: int | None = None,
    class_group: ClassGroup | None = None,
    class_subject: ClassSubject | None = None,
    column: str = "",
    starts_at: datetime | None = None,
    ends_at: datetime | None = None,
    decision_reference: str = "",
    now: datetime | None = None,
) -> list[BookLock]:
    """Record the principal's decision to lock or unlock part of the book (BM Đ3.3, P-LOCK-1..3).

    Nothing is locked until the admin board carries the decision out (``lock_execute``). A
    decision for a future moment is a scheduled lock: the row simply starts later. An unlock
    always has an end (the book locks again by itself). Locking the year's results also locks
    every column of both terms, since the results are computed from them (P-LOCK-2).
    """
    _require(actor, Role.PRINCIPAL, school_id=school_year.school_id)
    now = now or timezone.now()
    reason = _text(reason, _("Give the reason for the decision."))
    if action not in BookLock.Action.values:
        raise ValidationError(_("Choose lock or unlock."))
    try:
        scope = BookLock.Scope(int(scope))
    except (TypeError, ValueError):
        raise ValidationError(_("Choose what the decision covers.")) from None
    column = (column or "").strip()
    if column and not LOCK_COLUMN_RE.match(column):
        raise ValidationError(_("Unknown column “%(column)s”.") % {"column": column})
    if term is not None and term.school_year_id != school_year.pk:
        raise ValidationError(_("The term is not a term of this school year."))
    if term is None and column not in ("results", "summer"):
        raise ValidationError(
            _("Without a term the decision is about the year's results: choose the results or the summer column.")
        )
    if term is not None and column == "summer":
        raise ValidationError(_("The summer results belong to the year, not to a term."))

    if scope == BookLock.Scope.SCHOOL:
        grade_level, class_group, class_subject = None, None, None
    elif scope == BookLock.Scope.GRADE:
        if grade_level not in school_year.school.grade_levels:
            raise ValidationError(_("Choose a grade level of the school."))
        class_group, class_subject = None, None
    elif scope == BookLock.Scope.CLASS:
        if class_group is None or class_group.school_year_id != school_year.pk:
            raise ValidationError(_("Choose a class of this school year."))
        grade_level, class_subject = None, None
    else:
        if class_subject is None or class_subject.class_group.school_year_id != school_year.pk:
            raise ValidationError(_("Choose a subject of a class of this school year."))
        grade_level, class_group = None, class_subject.class_group
        if scope == BookLock.Scope.COLUMN and not column:
            raise ValidationError(_("Choose the column to lock or unlock."))

    starts_at = starts_at or now
    if starts_at < now - PAST_TOLERANCE:
        raise ValidationError(_("A decision cannot take effect in the past."))
    if action == BookLock.Action.UNLOCK and ends_at is None:
        raise ValidationError(_("An unlock needs an end: the book locks again by itself at that time."))
    if ends_at is not None and ends_at <= starts_at:
        raise ValidationError(_("The end must come after the start."))

    SchoolYear.objects.select_for_update().filter(pk=school_year.pk).first()  # serialise the references
    reference = (decision_reference or "").strip()[:100] or _next_reference(school_year)
    common = {
        "school_year": school_year,
        "action": action,
        "scope": scope,
        "grade_level": grade_level,
        "class_group": class_group,
        "class_subject": class_subject,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "reason": reason,
        "decided_by": actor,
        "decision_reference": reference,
    }
    rows = [BookLock(term=term, column=column, **common)]
    if term is None and column == "results" and action == BookLock.Action.LOCK:
        rows += [BookLock(term=t, column="", **common) for t in school_year.terms.order_by("number")]
    for row in rows:
        row.full_clean()
        _stamp(row, actor, _vi(N_("Decision %(ref)s: %(reason)s"), ref=reference, reason=reason))
        row.save()
    return rows


@transaction.atomic
def lock_execute(*, actor: User, lock: BookLock, now: datetime | None = None) -> list[BookLock]:
    """The admin board carries out a recorded decision of the principal (BM Đ8.2): every row of
    that decision takes effect from its start."""
    _require(actor, Role.ADMIN_BOARD, school_id=lock.school_year.school_id)
    now = now or timezone.now()
    rows = list(
        BookLock.objects.select_for_update()
        .filter(school_year_id=lock.school_year_id, decision_reference=lock.decision_reference)
        .filter(executed_at__isnull=True)
        .order_by("pk")
    )
    if not rows:
        raise ValidationError(_("This decision has already been carried out."))
    for row in rows:
        if row.ends_at is not None and row.ends_at <= now:
            raise ValidationError(
                _("The period of decision %(ref)s is already over: ask the principal for a new decision.")
                % {"ref": row.decision_reference}
            )
    for row in rows:
        row.executed_by = actor
        row.executed_at = now
        _stamp(row, actor, _vi(N_("Carried out decision %(ref)s"), ref=row.decision_reference))
        row.save(update_fields=["executed_by", "executed_at"])
    return rows


@transaction.atomic
def lock_withdraw(*, actor: User, lock: BookLock, reason: str, now: datetime | None = None) -> int:
    """The principal withdraws a decision that is not in force yet (not carried out, or scheduled
    for later). A lock in force is ended by an unlock decision instead, which leaves a trace."""
    _require(actor, Role.PRINCIPAL, school_id=lock.school_year.school_id)
    reason = _text(reason, _("Give the reason for withdrawing the decision."))
    now = now or timezone.now()
    rows = list(
        BookLock.objects.select_for_update()
        .filter(school_year_id=lock.school_year_id, decision_reference=lock.decision_reference)
        .order_by("pk")
    )
    if any(row.in_force(now) or (row.executed_at is not None and row.starts_at <= now) for row in rows):
        raise ValidationError(_("This decision is already in force: decide an unlock instead."))
    for row in rows:
        _stamp(row, actor, _vi(N_("Decision %(ref)s withdrawn: %(reason)s"), ref=row.decision_reference, reason=reason))
        row.delete()
    return len(rows)


# --- late-correction permits ------------------------------------------------------------------


@transaction.atomic
def late_permit_grant(
    *,
    actor: User,
    term: Term,
    class_group: ClassGroup,
    class_subject: ClassSubject | None,
    valid_until: date,
    reason: str,
) -> LateCorrectionPermit:
    """The principal allows minutes to be submitted after the deadline (P-COR-4), with a reason."""
    _require(actor, Role.PRINCIPAL, school_id=class_group.school_year.school_id)
    reason = _text(reason, _("Give the reason for the exception."))
    if term.school_year_id != class_group.school_year_id:
        raise ValidationError(_("The term is not a term of this class's school year."))
    if class_subject is not None and class_subject.class_group_id != class_group.pk:
        raise ValidationError(_("The subject is not a subject of this class."))
    if valid_until < timezone.localdate():
        raise ValidationError(_("The exception must last until today at least."))
    permit = LateCorrectionPermit(
        school_year_id=class_group.school_year_id,
        term=term,
        class_group=class_group,
        class_subject=class_subject,
        valid_until=valid_until,
        reason=reason,
        granted_by=actor,
    )
    _stamp(permit, actor, reason)
    permit.save()
    return permit


def term_deadline(term: Term, school_id: int, final_test_date: date | None = None) -> date | None:
    """The last day minutes of the term may be submitted: one week (a school setting) before the
    end-of-term test (LC Đ11.2a, P-COR-4); ``None`` while the test date is not set."""
    final_test_date = final_test_date or term.final_test_date
    if final_test_date is None:
        return None
    return final_test_date - timedelta(days=policy_for(school_id).window_days_before_final)


def correction_deadline(correction: Correction) -> date | None:
    """The deadline of these minutes: from the class's own end-of-term test date when its subject
    records one (P-COR-4: "that class's end-of-term test"), else the school's date for the term."""
    target = target_for(correction.kind)
    final = target.final_test_date(correction) if target.is_wired() else None
    return term_deadline(correction.term, correction.school_year.school_id, final)


def _permit_for(correction: Correction, today: date) -> LateCorrectionPermit | None:
    from django.db.models import Q

    return (
        LateCorrectionPermit.objects.filter(
            term_id=correction.term_id, class_group_id=correction.class_group_id, valid_until__gte=today
        )
        .filter(Q(class_subject__isnull=True) | Q(class_subject_id=correction.class_subject_id))
        .order_by("-granted_at")
        .first()
    )


# --- correction minutes -----------------------------------------------------------------------


def _fresh(correction: Correction) -> Correction:
    """The minutes re-read under a row lock: every transition starts from the stored status."""
    return (
        Correction.objects.select_for_update(of=("self",))
        .select_related("school_year", "term", "class_group", "class_subject__subject")
        .get(pk=correction.pk)
    )


def _expect(correction: Correction, *statuses: str) -> None:
    if correction.status not in statuses:
        raise ValidationError(
            _("The minutes are now “%(status)s”: this step is no longer possible. Reload the page.")
            % {"status": correction.get_status_display()}
        )


def _require_requester(actor: User, correction: Correction) -> None:
    if correction.requested_by_id != actor.pk:
        raise PermissionDenied(_("Only the teacher who drew up the minutes can do this."))


def _ref(correction: Correction) -> str:
    """The minutes' reference as the history records it (Vietnamese, like every recorded reason)."""
    if correction.number is None:
        return _vi(N_("Draft minutes #%(id)s"), id=correction.pk)
    return correction.reference


def _save(correction: Correction, actor: User, reason: str, fields: Iterable[str]) -> None:
    _stamp(correction, actor, f"{_ref(correction)}: {reason}")
    correction.save(update_fields=list(fields))


@transaction.atomic
def correction_create(
    *,
    actor: User,
    kind: str,
    term: Term,
    class_subject: ClassSubject | None = None,
    class_group: ClassGroup | None = None,
    place: str = "",
) -> Correction:
    """Draft minutes: a subject teacher for his class's subject (scores), the homeroom teacher for
    his class (conduct, attendance)."""
    if kind not in Correction.Kind.values:
        raise ValidationError(_("Choose what the minutes correct."))
    if not target_for(kind).is_wired():
        raise ValidationError(_("Corrections of this kind cannot be made in the software yet."))
    if kind == Correction.Kind.SCORE:
        if class_subject is None:
            raise ValidationError(_("Choose the class and subject."))
        if not class_subjects_taught(actor).filter(pk=class_subject.pk).exists():
            raise PermissionDenied(_("Only the teacher assigned to this subject can request its correction."))
        class_group = class_subject.class_group
    else:
        if class_group is None:
            raise ValidationError(_("Choose the class."))
        if not classes_homeroom(actor).filter(pk=class_group.pk).exists():
            raise PermissionDenied(_("Only the homeroom teacher of the class can request this correction."))
        class_subject = None
    if term.school_year_id != class_group.school_year_id:
        raise ValidationError(_("The term is not a term of this class's school year."))
    correction = Correction(
        school_year_id=class_group.school_year_id,
        term=term,
        kind=kind,
        class_group=class_group,
        class_subject=class_subject,
        requested_by=actor,
        place=(place or "").strip()[:200],
    )
    _stamp(correction, actor, _vi(N_("Minutes drawn up")))
    correction.save()
    return correction


def _describe_cell(correction: Correction, target, names: dict[int, str]):
    def describe(cell: Cell) -> str:
        return f"{names.get(cell.enrolment_id, cell.enrolment_id)} – {target.column_label(correction, cell.column)}"

    return describe


@transaction.atomic
def correction_line_add(
    *,
    actor: User,
    correction: Correction,
    enrolment: Enrolment,
    column: str,
    new_value: str,
    reason_code: str,
    reason_text: str = "",
) -> CorrectionLine:
    """Add a cell to draft minutes. The system reads the current value itself; the new value is
    parsed by the same rules as the grid (no rounding, no clamping)."""
    correction = _fresh(correction)
    _require_requester(actor, correction)
    _expect(correction, Correction.Status.DRAFT)
    if enrolment.class_group_id != correction.class_group_id:
        raise ValidationError(_("The student is not in this class."))
    target = target_for(correction.kind)
    if column not in dict(target.columns(correction)):
        raise ValidationError(_("Choose a column of the book."))
    if reason_code not in CorrectionLine.Reason.values:
        raise ValidationError(_("Choose the reason for the correction."))
    reason_text = (reason_text or "").strip()
    if reason_code == CorrectionLine.Reason.OTHER and not reason_text:
        raise ValidationError(_("Explain the reason for the correction."))
    if correction.lines.filter(enrolment=enrolment, column=column).exists():
        raise ValidationError(_("This cell is already in the minutes."))
    class_subject_id, lock_column = target.lock_column(correction, column)
    state = LockMap(correction.class_group, target.lock_term(correction, column)).state(
        class_subject_id=class_subject_id, column=lock_column
    )
    if not state.locked:
        raise ValidationError(_("This cell is not locked: change it directly in the book, no minutes are needed."))
    cell = Cell(enrolment.pk, column)
    old = target.read(correction, [cell])[cell]
    new = target.parse(correction, column, new_value)
    if new == old:
        raise ValidationError(_("The new value is the same as the current one."))
    line = CorrectionLine(
        correction=correction,
        enrolment=enrolment,
        column=column,
        old_value=old,
        new_value=new,
        reason_code=reason_code,
        reason_text=reason_text,
    )
    _stamp(line, actor, _ref(correction))
    line.save()
    return line


@transaction.atomic
def correction_line_remove(*, actor: User, line: CorrectionLine) -> None:
    correction = _fresh(line.correction)
    _require_requester(actor, correction)
    _expect(correction, Correction.Status.DRAFT)
    _stamp(line, actor, _vi(N_("Line removed from the draft")))
    line.delete()


def sniff_evidence(head: bytes) -> str | None:
    """The type of an evidence file from its first bytes, never from its name or the browser."""
    for signature, content_type in EVIDENCE_SIGNATURES:
        if head.startswith(signature):
            return content_type
    return None


def _clean_name(name: str) -> str:
    name = unicodedata.normalize("NFC", os.path.basename(name or "").replace("\\", "/").split("/")[-1])
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C").strip()
    return name[:200] or "minh-chung"


def _check_evidence(correction: Correction) -> None:
    """Minutes go up with their evidence (LC Điều 11.2a): for scores, the teacher's own book and the
    student's paper (two files, or one showing both); for conduct and attendance, at least one
    document (the meeting's minutes, a parent's leave letter …)."""
    kinds = set(correction.evidence.values_list("kind", flat=True))
    if not kinds:
        raise ValidationError(
            _("Attach the evidence: a copy of the teacher's own book and the student's paper (LC Điều 11.2a).")
        )
    if correction.kind != Correction.Kind.SCORE or Evidence.Kind.BOTH in kinds:
        return
    missing = [
        str(kind.label) for kind in (Evidence.Kind.TEACHER_BOOK, Evidence.Kind.STUDENT_WORK) if kind not in kinds
    ]
    if missing:
        raise ValidationError(
            _("The evidence is incomplete (LC Điều 11.2a); still missing: %(missing)s.")
            % {"missing": "; ".join(missing)}
        )


@transaction.atomic
def evidence_add(*, actor: User, correction: Correction, upload: UploadedFile, kind: str) -> Evidence:
    """Attach a scan or photo (PDF, JPEG or PNG, at most 10 MB, checked by content)."""
    correction = _fresh(correction)
    _require_requester(actor, correction)
    _expect(correction, Correction.Status.DRAFT)
    if kind not in Evidence.Kind.values:
        raise ValidationError(_("Choose what the file shows."))
    if upload.size is None or upload.size == 0:
        raise ValidationError(_("The file is empty."))
    if upload.size > MAX_EVIDENCE_BYTES:
        raise ValidationError(
            _("The file is too large (%(size)s MB): at most 10 MB.") % {"size": f"{upload.size / 1048576:.1f}"}
        )
    upload.seek(0)
    content_type = sniff_evidence(upload.read(16))
    if content_type is None:
        raise ValidationError(_("Only PDF, JPEG or PNG files are accepted (checked by their content)."))
    digest = hashlib.sha256()
    upload.seek(0)
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    evidence = Evidence(
        correction=correction,
        kind=kind,
        original_name=_clean_name(upload.name),
        content_type=content_type,
        size=upload.size,
        sha256=digest.hexdigest(),
        uploaded_by=actor,
    )
    evidence.file.save("upload", upload, save=False)
    try:
        _stamp(evidence, actor, _ref(correction))
        evidence.save()
    except BaseException:
        # The file reached the disk before the row: a refused row must not leave it behind.
        evidence.file.storage.delete(evidence.file.name)
        raise
    return evidence


@transaction.atomic
def evidence_remove(*, actor: User, evidence: Evidence) -> None:
    """Remove a file from a draft (a wrong upload); once submitted, evidence stays with the minutes."""
    correction = _fresh(evidence.correction)
    _require_requester(actor, correction)
    _expect(correction, Correction.Status.DRAFT)
    name = evidence.file.name
    _stamp(evidence, actor, _vi(N_("Evidence removed from the draft")))
    evidence.delete()
    from django.core.files.storage import default_storage

    transaction.on_commit(lambda: default_storage.delete(name))


def _stale_check(correction: Correction) -> None:
    lines = list(correction.lines.select_related("enrolment__student"))
    target = target_for(correction.kind)
    changes = [Change(Cell(li.enrolment_id, li.column), li.old_value, li.new_value, li.reason_text) for li in lines]
    current = target.read(correction, [c.cell for c in changes])
    names = {li.enrolment_id: li.enrolment.student.full_name for li in lines}
    check_unchanged(changes, current, _describe_cell(correction, target, names))


@transaction.atomic
def correction_submit(*, actor: User, correction: Correction, now: datetime | None = None) -> Correction:
    """Send the minutes on: to the homeroom teacher when the school asks for that step (P-COR-3),
    otherwise to the principal. Refused after the deadline unless the principal granted an
    exception (P-COR-4)."""
    now = now or timezone.now()
    correction = _fresh(correction)
    _require_requester(actor, correction)
    _expect(correction, Correction.Status.DRAFT)
    if not correction.lines.exists():
        raise ValidationError(_("List at least one cell to correct."))
    _check_evidence(correction)
    _stale_check(correction)
    target = target_for(correction.kind)
    today = timezone.localdate(now)
    deadline = correction_deadline(correction)
    windowed = any(target.windowed(column) for column in correction.lines.values_list("column", flat=True))
    fields = ["status", "submitted_at", "number", "late_permit"]
    if deadline is not None and today > deadline and windowed:
        permit = _permit_for(correction, today)
        if permit is None:
            raise ValidationError(
                _(
                    "Corrections for this term closed on %(deadline)s, one week before the end-of-term test. "
                    "Ask the principal to record an exception."
                )
                % {"deadline": deadline.strftime("%d/%m/%Y")}
            )
        correction.late_permit = permit
    if correction.number is None:
        SchoolYear.objects.select_for_update().filter(pk=correction.school_year_id).first()
        last = Correction.objects.filter(school_year_id=correction.school_year_id).aggregate(n=Max("number"))["n"]
        correction.number = (last or 0) + 1
    homeroom = (
        HomeroomAssignment.objects.filter(class_group_id=correction.class_group_id, ends_on__isnull=True)
        .values_list("teacher_id", flat=True)
        .first()
    )
    needs_homeroom = (
        correction.kind == Correction.Kind.SCORE
        and policy_for(correction.school_year.school_id).homeroom_confirms
        and homeroom is not None
        and homeroom != actor.pk
    )
    correction.status = Correction.Status.SUBMITTED if needs_homeroom else Correction.Status.PENDING
    correction.submitted_at = now
    _save(correction, actor, _vi(N_("submitted")), fields)
    return correction


@transaction.atomic
def correction_homeroom_review(
    *, actor: User, correction: Correction, confirm: bool, comment: str = "", now: datetime | None = None
) -> Correction:
    """The homeroom teacher confirms the correction of a subject teacher's scores (TT22 Điều 20
    khoản 2; P-COR-3), or sends it back with a comment."""
    correction = _fresh(correction)
    _expect(correction, Correction.Status.SUBMITTED)
    if not classes_homeroom(actor).filter(pk=correction.class_group_id).exists():
        raise PermissionDenied(_("Only the homeroom teacher of the class can confirm these minutes."))
    comment = (comment or "").strip()
    if not confirm and not comment:
        raise ValidationError(_("Say why the minutes go back to the teacher."))
    correction.homeroom_by = actor
    correction.homeroom_at = now or timezone.now()
    correction.homeroom_comment = comment
    correction.status = Correction.Status.PENDING if confirm else Correction.Status.DRAFT
    reason = _vi(N_("confirmed by the homeroom teacher")) if confirm else _vi(N_("sent back by the homeroom teacher"))
    _save(correction, actor, reason, ["homeroom_by", "homeroom_at", "homeroom_comment", "status"])
    return correction


@transaction.atomic
def correction_decide(
    *, actor: User, correction: Correction, approve: bool, comment: str = "", now: datetime | None = None
) -> Correction:
    """The principal approves or rejects (BM Đ6.4, LC Đ11.2a); a rejection says why."""
    correction = _fresh(correction)
    _require(actor, Role.PRINCIPAL, school_id=correction.school_year.school_id)
    _expect(correction, Correction.Status.PENDING)
    comment = (comment or "").strip()
    if not approve and not comment:
        raise ValidationError(_("Say why the minutes are rejected."))
    if approve:
        _stale_check(correction)
    correction.decided_by = actor
    correction.decided_at = now or timezone.now()
    correction.decision_comment = comment
    correction.status = Correction.Status.APPROVED if approve else Correction.Status.REJECTED
    _save(
        correction,
        actor,
        _vi(N_("approved")) if approve else _vi(N_("rejected")),
        ["decided_by", "decided_at", "decision_comment", "status"],
    )
    return correction


@transaction.atomic
def correction_confirm(*, actor: User, correction: Correction, now: datetime | None = None) -> Correction:
    """The teacher and the administrator each confirm that they carry the correction out together
    (LC Đ11.2a). The second confirmation applies exactly the listed cells in one transaction, only
    if each still holds its recorded value, and locks them again at once (P-COR-5)."""
    now = now or timezone.now()
    correction = _fresh(correction)
    _expect(correction, Correction.Status.APPROVED)
    if actor.pk == correction.requested_by_id:
        if correction.teacher_applied_at is not None:
            raise ValidationError(_("You have already confirmed; the administrator confirms next."))
        correction.teacher_applied_at = now
        fields = ["teacher_applied_at"]
        who = _vi(N_("teacher confirmed"))
    else:
        _require(actor, Role.ADMIN_BOARD, school_id=correction.school_year.school_id)
        if correction.admin_applied_at is not None:
            raise ValidationError(_("An administrator has already confirmed; the teacher confirms next."))
        correction.admin_applied_by = actor
        correction.admin_applied_at = now
        fields = ["admin_applied_by", "admin_applied_at"]
        who = _vi(N_("administrator confirmed"))
    if correction.teacher_applied_at is not None and correction.admin_applied_at is not None:
        _apply(correction, now)
        fields += ["applied_at", "status"]
        who = _vi(N_("carried out"))
    _save(correction, actor, who, fields)
    return correction


def _apply(correction: Correction, now: datetime) -> None:
    lines = list(correction.lines.select_related("enrolment__student").order_by("pk"))
    target = target_for(correction.kind)
    with translation.override("vi"):  # recorded data, like every reason of the history
        changes = [
            Change(
                Cell(li.enrolment_id, li.column),
                li.old_value,
                li.new_value,
                ": ".join(part for part in (str(li.get_reason_code_display()), li.reason_text) if part),
            )
            for li in lines
        ]
    admin = correction.admin_applied_by
    target.apply(correction=correction, changes=changes, actor=admin)
    _relock(correction, target, {li.column for li in lines}, admin, now)
    correction.applied_at = now
    correction.status = Correction.Status.APPLIED


def _relock(correction: Correction, target, columns: set[str], admin: User, now: datetime) -> None:
    """Cells that an unlock window left open are locked again at once after the correction."""
    maps: dict[int | None, LockMap] = {}
    for column in sorted(columns):
        class_subject_id, lock_column = target.lock_column(correction, column)
        term = target.lock_term(correction, column)
        key = term.pk if term is not None else None
        if key not in maps:
            maps[key] = LockMap(correction.class_group, term, now)
        if maps[key].state(class_subject_id=class_subject_id, column=lock_column).locked:
            continue
        scope = BookLock.Scope.COLUMN if class_subject_id else BookLock.Scope.CLASS
        row = BookLock(
            school_year_id=correction.school_year_id,
            term=term,
            action=BookLock.Action.LOCK,
            scope=scope,
            class_group=correction.class_group,
            class_subject_id=class_subject_id,
            column=lock_column,
            starts_at=now,
            reason=_vi(
                N_("Locked again right after the correction of minutes %(ref)s (LC Điều 11.2a)"),
                ref=correction.reference,
            ),
            decided_by=correction.decided_by,
            decision_reference=correction.reference,
            executed_by=admin,
            executed_at=now,
        )
        row.full_clean()
        _stamp(row, admin, row.reason)
        row.save()


SIGN_AS = ("principal", "admin", "teacher")


@transaction.atomic
def correction_sign(*, actor: User, correction: Correction, sign_as: str, now: datetime | None = None) -> Correction:
    """Each of the three signs with their own account: the principal, the administrator who carried
    the correction out, and the teacher who asked for it (LC Đ11.2a)."""
    now = now or timezone.now()
    correction = _fresh(correction)
    _expect(correction, Correction.Status.APPLIED)
    if sign_as == "teacher":
        _require_requester(actor, correction)
        if correction.teacher_signed_at:
            raise ValidationError(_("The teacher has already signed."))
        correction.teacher_signed_at = now
        fields = ["teacher_signed_at"]
    elif sign_as == "admin":
        if actor.pk != correction.admin_applied_by_id:
            raise PermissionDenied(
                _("Only the administrator who carried the correction out signs for the admin board.")
            )
        if correction.admin_signed_at:
            raise ValidationError(_("The administrator has already signed."))
        correction.admin_signed_at = now
        fields = ["admin_signed_at"]
    elif sign_as == "principal":
        _require(actor, Role.PRINCIPAL, school_id=correction.school_year.school_id)
        if correction.principal_signed_at:
            raise ValidationError(_("The principal has already signed."))
        if actor.pk in (correction.requested_by_id, correction.admin_applied_by_id):
            raise ValidationError(_("The three signatures must come from three different people."))
        correction.principal_signed_by = actor
        correction.principal_signed_at = now
        fields = ["principal_signed_by", "principal_signed_at"]
    else:
        raise ValidationError(_("Unknown signature."))
    if correction.principal_signed_at and correction.admin_signed_at and correction.teacher_signed_at:
        correction.status = Correction.Status.SIGNED
        fields.append("status")
    _save(correction, actor, _vi(N_("signed")), fields)
    return correction


@transaction.atomic
def correction_archive(*, actor: User, correction: Correction, now: datetime | None = None) -> Correction:
    """File the signed minutes with their evidence (kept until the students leave the school)."""
    correction = _fresh(correction)
    _require(actor, Role.ADMIN_BOARD, Role.PRINCIPAL, school_id=correction.school_year.school_id)
    _expect(correction, Correction.Status.SIGNED)
    correction.archived_by = actor
    correction.archived_at = now or timezone.now()
    correction.status = Correction.Status.ARCHIVED
    _save(correction, actor, _vi(N_("archived")), ["archived_by", "archived_at", "status"])
    return correction


@transaction.atomic
def correction_withdraw(*, actor: User, correction: Correction, reason: str) -> Correction:
    """The teacher withdraws minutes not yet carried out (a mistake, or cells that changed since)."""
    correction = _fresh(correction)
    _require_requester(actor, correction)
    _expect(correction, *Correction.OPEN_STATUSES)
    correction.withdrawn_reason = _text(reason, _("Give the reason for withdrawing the minutes."))
    correction.status = Correction.Status.WITHDRAWN
    _save(correction, actor, _vi(N_("withdrawn")), ["withdrawn_reason", "status"])
    return correction
