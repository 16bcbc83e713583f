"""Writes of conduct, the subject teachers' discipline notes, the summer re-assessments, the
term / year / summer results with their proposal and approval, and the rollover to the next year.

Every function takes the acting user and a reason, checks everything first and refuses with a
Vietnamese message (nothing stored), then writes in one short transaction with row locks and the
history (django-simple-history, bulk helpers for many rows) with the real user and the reason.
Editable rows carry a ``version`` the editor quotes: a change made meanwhile by someone else is
reported, never overwritten. Locks (``schools.locks``) are honoured: conduct under the column
"conduct" of its term, the year's judgements under "results", the summer's entries under
"summer"; only an approved correction passes them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from accounts.access import actor_for
from accounts.models import Role
from schools import services as school_services
from schools.locks import LockMap
from schools.models import (
    BookLock,
    ClassGroup,
    ClassSubject,
    Enrolment,
    GradeRuleSet,
    HomeroomAssignment,
    SchoolYear,
    SubjectOffering,
    Term,
)

from .class_inputs import class_inputs
from .grid import clean_comment, grid_spec
from .models import (
    SUMMER,
    TERM1,
    TERM2,
    YEAR,
    ConductRating,
    DisciplineNote,
    Period,
    ResultBatch,
    RetestScore,
    StudentResult,
    SummerDeadline,
)
from .results_selectors import (
    COMPARED,
    SUMMER_OUTCOMES,
    approved_results,
    differs,
    evaluate,
    final_outcomes,
    is_tt22,
    record_fields,
    results_lock_column,
    results_page,
    summer_deadline,
    summer_students,
)
from .rules import ColumnKind, CommentMark, get_rule_set, parse_score
from .rules.registry import rule_set_code_for
from .services import left_message, row_is_closed

MAX_COMMENT = 1000
BATCH = 500
CONDUCT_FIELDS = ["level", "comment", "summer_completed", "version", "updated_at", "updated_by"]
RETEST_FIELDS = ["value", "mark", "version", "updated_at", "updated_by"]
RESULT_FIELDS = [
    *COMPARED,
    "rule_set_code",
    "rule_set_version",
    "reasons",
    "warnings",
    "batch",
    "computed_at",
    "computed_by",
]

# Reasons recorded in the history (data: Vietnamese whatever the reader's language).
REASON_CONDUCT = "Đánh giá rèn luyện"
REASON_RETEST = "Nhập kết quả kiểm tra, đánh giá lại"
REASON_CORRECTION = "Sửa chữa theo biên bản số {reference}"
PERIOD_NAMES = {TERM1: "học kì I", TERM2: "học kì II", YEAR: "cả năm", SUMMER: "sau kì nghỉ hè"}


def _stamp(obj, actor, reason: str) -> None:
    obj._history_user = actor
    obj._change_reason = reason


def _who(user) -> str:
    return (user.full_name or user.username) if user is not None else ""


def _rule_set_of(class_group: ClassGroup):
    code = (
        GradeRuleSet.objects.filter(school_year_id=class_group.school_year_id, grade_level=class_group.grade_level)
        .values_list("rule_set", flat=True)
        .first()
    )
    if code is None:
        raise ValidationError(
            _("The school year %(year)s has no rule set for grade %(grade)s: the admin board must choose one.")
            % {"year": class_group.school_year.name, "grade": class_group.grade_level}
        )
    return get_rule_set(code)


def _term_of(class_group: ClassGroup, period: str) -> Term | None:
    number = {TERM1: 1, TERM2: 2}.get(period)
    if number is None:
        return None
    return Term.objects.filter(school_year_id=class_group.school_year_id, number=number).first()


def _check_period(period: str) -> None:
    if period not in Period.values:
        raise ValidationError(_("Unknown period."))


@dataclass(frozen=True)
class Stale:
    """A row someone else saved after the editor loaded it."""

    student: str
    theirs: str
    by: str
    at: datetime | None


class StaleRows(ValidationError):
    """Some rows changed since the editor loaded them; nothing was written."""

    def __init__(self, stale: Sequence[Stale]):
        self.stale = list(stale)
        parts = [
            _("%(student)s now holds “%(theirs)s” (saved by %(by)s at %(at)s)")
            % {
                "student": s.student,
                "theirs": s.theirs or "∅",
                "by": s.by or _("someone else"),
                "at": date_format(timezone.localtime(s.at), "d/m/Y H:i") if s.at else "",
            }
            for s in self.stale
        ]
        super().__init__(
            _(
                "Nothing was saved: someone else changed these rows after you opened the page: %(rows)s. "
                "Reload the page."
            )
            % {"rows": "; ".join(parts)}
        )


# --- conduct ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ConductEntry:
    """One rating to write. ``version``: the version the editor saw (0: never saved); a correction
    gives ``expected_level`` instead (the old value the minutes record). ``comment`` ``None`` keeps
    the stored comment."""

    enrolment_id: int
    period: str
    level: str
    comment: str | None = None
    version: int | None = None
    expected_level: str | None = None
    summer_completed: bool | None = None


def canonical_level(rule_set, raw: str) -> str | None:
    """The rule set's label for a typed level ("tốt" -> "Tốt"), "" for none, ``None`` if unknown."""
    text = " ".join((raw or "").split())
    if not text:
        return ""
    for level in rule_set.conduct_scale:
        if level.label.casefold() == text.casefold():
            return level.label
    return None


def _lock_of_period(class_group: ClassGroup, period: str, terms: dict[str, Term | None], maps: dict) -> str:
    """The lock message of a period's conduct, or "" when open."""
    term = terms.get(period)
    key = term.pk if term is not None else None
    if key not in maps:
        maps[key] = LockMap(class_group, term)
    column = "conduct" if term is not None else ("summer" if period == SUMMER else "results")
    state = maps[key].state(column=column)
    return state.message if state.locked else ""


def conduct_record_many(
    *,
    actor,
    class_group: ClassGroup,
    entries: Sequence[ConductEntry],
    reason: str = REASON_CONDUCT,
    correction: str | None = None,
    now: datetime | None = None,
) -> list[ConductRating]:
    """Record the homeroom teacher's conduct ratings (BM Đ4.3; TT22 Điều 8, TT58 Điều 3-4), all or
    nothing. Refused: a level the year's rule set does not have, the TT22 year (it follows from the
    terms, R22-TR-2), a summer rating for a student without summer training or after the summer
    deadline, a student who has left, a locked period — except for an approved correction
    (``correction`` = the minutes' reference, the only way past a lock, P-COR-1)."""
    if not (reason or "").strip():
        raise ValidationError(_("A reason is required."))
    entries = list(entries)
    if not entries:
        return []
    now = now or timezone.now()
    today = timezone.localdate(now)
    rule_set = _rule_set_of(class_group)
    enrolments = {
        e.pk: e
        for e in Enrolment.objects.filter(
            pk__in={e.enrolment_id for e in entries}, class_group=class_group
        ).select_related("student")
    }
    terms = {p: _term_of(class_group, p) for p in (TERM1, TERM2)}
    training: set[int] | None = None
    errors: list[str] = []
    seen: set[tuple[int, str]] = set()
    maps: dict = {}
    cleaned: list[tuple[ConductEntry, str, str | None]] = []
    for entry in entries:
        enrolment = enrolments.get(entry.enrolment_id)
        if enrolment is None:
            errors.append(_("This student is not in the class."))
            continue
        name = enrolment.student.full_name
        if entry.period not in Period.values:
            errors.append(_("%(name)s: unknown period.") % {"name": name})
            continue
        if (entry.enrolment_id, entry.period) in seen:
            errors.append(_("%(name)s: the same rating appears twice.") % {"name": name})
            continue
        seen.add((entry.enrolment_id, entry.period))
        level = canonical_level(rule_set, entry.level)
        if level is None:
            errors.append(
                _("%(name)s: “%(level)s” is not a conduct level of %(rules)s (%(levels)s).")
                % {
                    "name": name,
                    "level": entry.level,
                    "rules": rule_set.short_name,
                    "levels": ", ".join(lv.label for lv in rule_set.conduct_scale),
                }
            )
            continue
        if entry.period in (TERM1, TERM2) and terms[entry.period] is None:
            errors.append(_("%(name)s: this term is not of the class's school year.") % {"name": name})
            continue
        if entry.period == YEAR and is_tt22(rule_set):
            errors.append(
                _(
                    "%(name)s: under Circular 22 the year's training result follows from the two terms "
                    "(Article 8.2b); it is not entered."
                )
                % {"name": name}
            )
            continue
        comment = None
        if entry.comment is not None:
            comment = clean_comment(entry.comment)
            if len(comment) > MAX_COMMENT:
                errors.append(
                    _("%(name)s: the comment is too long (at most %(n)s characters).")
                    % {"name": name, "n": MAX_COMMENT}
                )
                continue
        if entry.period == SUMMER:
            if training is None:
                training = {r.enrolment_id for r in approved_results(class_group, YEAR) if r.summer_training}
            if entry.enrolment_id not in training:
                errors.append(
                    _("%(name)s: the approved year results do not send this student to summer conduct training.")
                    % {"name": name}
                )
                continue
            if entry.summer_completed is None and level:
                errors.append(
                    _("%(name)s: say whether the summer training was completed (the report signed by the parents).")
                    % {"name": name}
                )
                continue
        elif entry.summer_completed is not None:
            errors.append(
                _("%(name)s: only the summer rating says whether the training was completed.") % {"name": name}
            )
            continue
        if not correction:
            if row_is_closed(enrolment, today):
                errors.append(left_message(enrolment))
                continue
            locked = _lock_of_period(class_group, entry.period, terms, maps)
            if locked:
                errors.append(f"{name}: {locked}")
                continue
            if entry.period == SUMMER and now > summer_deadline(class_group.school_year, rule_set):
                errors.append(
                    _("%(name)s: the summer results were due by %(deadline)s.")
                    % {
                        "name": name,
                        "deadline": date_format(
                            timezone.localtime(summer_deadline(class_group.school_year, rule_set)), "d/m/Y H:i"
                        ),
                    }
                )
                continue
        cleaned.append((entry, level, comment))
    if errors:
        raise ValidationError(errors)
    if correction:
        reason = f"{REASON_CORRECTION.format(reference=correction)}: {reason}"
    try:
        return _write_conduct(cleaned, enrolments, actor=actor, reason=reason, now=now)
    except IntegrityError:
        # PostgreSQL: another transaction created one of these rows between our read and our insert.
        raise StaleRows(
            [Stale(enrolments[e.enrolment_id].student.full_name, "", "", None) for e, _l, _c in cleaned]
        ) from None


def _write_conduct(cleaned, enrolments, *, actor, reason: str, now: datetime) -> list[ConductRating]:
    with transaction.atomic():
        current = {
            (r.enrolment_id, r.period): r
            for r in ConductRating.objects.select_for_update(of=("self",))
            .filter(
                enrolment_id__in={e.enrolment_id for e, _l, _c in cleaned},
                period__in={e.period for e, _l, _c in cleaned},
            )
            .select_related("updated_by")
            .order_by("pk")
        }
        stale = []
        for entry, _level, _comment in cleaned:
            row = current.get((entry.enrolment_id, entry.period))
            moved = entry.version is not None and entry.version != (row.version if row else 0)
            if entry.expected_level is not None and (row.level if row else "") != entry.expected_level:
                moved = True
            if moved:
                stale.append(
                    Stale(
                        enrolments[entry.enrolment_id].student.full_name,
                        row.level if row else "",
                        _who(row.updated_by) if row else "",
                        row.updated_at if row else None,
                    )
                )
        if stale:
            raise StaleRows(stale)
        new, changed, written = [], [], []
        for entry, level, comment in cleaned:
            row = current.get((entry.enrolment_id, entry.period))
            if row is None:
                row = ConductRating(enrolment_id=entry.enrolment_id, period=entry.period, version=0)
                new.append(row)
            else:
                same = (
                    row.level == level
                    and (comment is None or row.comment == comment)
                    and row.summer_completed == entry.summer_completed
                )
                if same:
                    written.append(row)
                    continue
                changed.append(row)
            row.level = level
            if comment is not None:
                row.comment = comment
            row.summer_completed = entry.summer_completed if entry.period == SUMMER else None
            row.version += 1
            row.updated_at = now
            row.updated_by = actor
            written.append(row)
        history = {"default_user": actor, "default_change_reason": reason, "default_date": now, "batch_size": BATCH}
        if new:
            bulk_create_with_history(new, ConductRating, **history)
        if changed:
            bulk_update_with_history(changed, ConductRating, CONDUCT_FIELDS, **history)
        return written


# --- the subject teachers' weekly notes on study discipline (BM Đ5.3) ----------------------------


def week_start(day: date) -> date:
    return day - timedelta(days=day.weekday())


@transaction.atomic
def discipline_note_save(
    *,
    actor,
    class_subject: ClassSubject,
    enrolment_id: int,
    week: date,
    text: str,
    version: int = 0,
    now: datetime | None = None,
) -> DisciplineNote:
    """Write (or rewrite) the subject teacher's note of a week on a student's study discipline."""
    now = now or timezone.now()
    enrolment = (
        Enrolment.objects.select_related("student", "school_year")
        .filter(pk=enrolment_id, class_group_id=class_subject.class_group_id)
        .first()
    )
    if enrolment is None:
        raise ValidationError(_("This student is not in the class."))
    year = enrolment.school_year
    monday = week_start(week)
    if not (week_start(year.start_date) <= monday <= year.end_date):
        raise ValidationError(_("The week must lie in the school year."))
    if row_is_closed(enrolment, timezone.localdate(now)) and monday >= week_start(enrolment.left_on):
        raise ValidationError(left_message(enrolment))
    text = clean_comment(text or "")
    if not text:
        raise ValidationError(_("Write the note."))
    if len(text) > MAX_COMMENT:
        raise ValidationError(_("The note is too long (at most %(n)s characters).") % {"n": MAX_COMMENT})
    row = (
        DisciplineNote.objects.select_for_update()
        .select_related("updated_by")
        .filter(enrolment=enrolment, class_subject=class_subject, week=monday)
        .first()
    )
    if (row.version if row else 0) != version:
        raise StaleRows(
            [
                Stale(
                    enrolment.student.full_name,
                    row.text[:60] if row else "",
                    _who(row.updated_by) if row else "",
                    row.updated_at if row else None,
                )
            ]
        )
    if row is None:
        row = DisciplineNote(enrolment=enrolment, class_subject=class_subject, week=monday, version=0)
    elif row.text == text:
        return row
    row.text = text
    row.version += 1
    row.updated_at = now
    row.updated_by = actor
    _stamp(row, actor, "Nhận xét nề nếp học tập trong tuần")
    row.save()
    return row


# --- summer re-assessment (R22-YE-4, R58-YE-3) ------------------------------------------------------


@dataclass(frozen=True)
class RetestEntry:
    enrolment_id: int
    text: str
    version: int | None = None
    expected_text: str | None = None


def retest_record_many(
    *,
    actor,
    class_subject: ClassSubject,
    entries: Sequence[RetestEntry],
    reason: str = REASON_RETEST,
    correction: str | None = None,
    now: datetime | None = None,
) -> list[RetestScore]:
    """Record the summer re-assessment results of a subject, entered by its teacher: a score (one
    decimal, never rounded) or Đ/CĐ, only for the students the approved year results send to it,
    before the summer deadline (LC Đ11.1d) and while the summer results are not locked."""
    if not (reason or "").strip():
        raise ValidationError(_("A reason is required."))
    entries = list(entries)
    if not entries:
        return []
    now = now or timezone.now()
    class_group = class_subject.class_group
    spec = grid_spec(class_subject)
    due = {
        r.enrolment_id: r
        for r in approved_results(class_group, YEAR)
        if class_subject.subject.code in r.retest_subjects and r.outcome in SUMMER_OUTCOMES
    }
    errors: list[str] = []
    parsed_entries: list[tuple[RetestEntry, object]] = []
    if not correction:
        state = LockMap(class_group, None).state(column="summer")
        if state.locked:
            raise ValidationError(state.message)
        deadline = summer_deadline(class_group.school_year, spec.rule_set)
        if now > deadline:
            raise ValidationError(
                _("The summer results were due by %(deadline)s.")
                % {"deadline": date_format(timezone.localtime(deadline), "d/m/Y H:i")}
            )
    seen = set()
    for entry in entries:
        result = due.get(entry.enrolment_id)
        if result is None:
            errors.append(_("This student is not re-assessed in this subject this summer."))
            continue
        if entry.enrolment_id in seen:
            errors.append(_("The same student appears twice."))
            continue
        seen.add(entry.enrolment_id)
        parsed = parse_score(entry.text, spec.rule_set_code, ColumnKind.RETEST, subject_kind=spec.subject_kind)
        if parsed.error:
            errors.append(f"{result.enrolment.student.full_name}: {parsed.error}")
            continue
        parsed_entries.append((entry, parsed.value))
    if errors:
        raise ValidationError(errors)
    if correction:
        reason = f"{REASON_CORRECTION.format(reference=correction)}: {reason}"
    names = {pk: r.enrolment.student.full_name for pk, r in due.items()}
    with transaction.atomic():
        current = {
            r.enrolment_id: r
            for r in RetestScore.objects.select_for_update(of=("self",))
            .filter(class_subject=class_subject, enrolment_id__in=[e.enrolment_id for e, _v in parsed_entries])
            .select_related("updated_by")
            .order_by("pk")
        }
        stale = []
        for entry, _value in parsed_entries:
            row = current.get(entry.enrolment_id)
            moved = entry.version is not None and entry.version != (row.version if row else 0)
            if entry.expected_text is not None and (row.display if row else "") != entry.expected_text:
                moved = True
            if moved:
                stale.append(
                    Stale(
                        names[entry.enrolment_id],
                        row.display if row else "",
                        _who(row.updated_by) if row else "",
                        row.updated_at if row else None,
                    )
                )
        if stale:
            raise StaleRows(stale)
        new, changed, written = [], [], []
        for entry, value in parsed_entries:
            row = current.get(entry.enrolment_id)
            score = value if not isinstance(value, CommentMark) else None
            mark = value.label if isinstance(value, CommentMark) else ""
            if row is None:
                row = RetestScore(enrolment_id=entry.enrolment_id, class_subject=class_subject, version=0)
                new.append(row)
            elif (row.value, row.mark) == (score, mark):
                written.append(row)
                continue
            else:
                changed.append(row)
            row.value, row.mark = score, mark
            row.version += 1
            row.updated_at = now
            row.updated_by = actor
            written.append(row)
        history = {"default_user": actor, "default_change_reason": reason, "default_date": now, "batch_size": BATCH}
        if new:
            bulk_create_with_history(new, RetestScore, **history)
        if changed:
            bulk_update_with_history(changed, RetestScore, RETEST_FIELDS, **history)
        return written


@transaction.atomic
def summer_deadline_set(*, actor, school_year: SchoolYear, deadline: datetime, reason: str) -> SummerDeadline:
    """The principal sets the day the summer results are due (LC Đ11.1d: before 31 August)."""
    who = actor_for(actor)
    if who.school_id != school_year.school_id or not who.has(Role.PRINCIPAL):
        raise PermissionDenied(_("Only the principal sets this deadline."))
    if not (reason or "").strip():
        raise ValidationError(_("Give the reason for the change."))
    day = timezone.localtime(deadline).date()
    if not (school_year.end_date < day < date(school_year.end_date.year, 10, 1)):
        raise ValidationError(
            _("The summer results are due after the end of the school year (%(end)s) and before October.")
            % {"end": school_year.end_date.strftime("%d/%m/%Y")}
        )
    row = SummerDeadline.objects.select_for_update().filter(school_year=school_year).first()
    if row is None:
        row = SummerDeadline(school_year=school_year)
    row.deadline = deadline
    row.updated_at = timezone.now()
    row.updated_by = actor
    _stamp(row, actor, reason.strip())
    row.save()
    return row


# --- results ------------------------------------------------------------------------------------


@dataclass
class ComputeSummary:
    batch: ResultBatch
    new: int = 0
    changed: int = 0
    unchanged: int = 0
    removed: int = 0


def _locked_batch(class_group: ClassGroup, period: str) -> ResultBatch | None:
    return ResultBatch.objects.select_for_update().filter(class_group=class_group, period=period).first()


def results_compute(
    *, actor, class_group: ClassGroup, period: str, reason: str = "", now: datetime | None = None
) -> ComputeSummary:
    """Compute the class's results for a period with the rules engine from the stored scores,
    conduct and absences, and store them with the rule set's code and version (R-SEL-2). An
    explicit action, recorded with its reason: a stored result changes only here, and only the rows
    whose values change get a history row. Refused while the results are proposed (the principal
    returns them first) or locked (approved: the principal's unlock reopens them)."""
    _check_period(period)
    now = now or timezone.now()
    inputs = class_inputs(class_group)
    term = inputs.term(period)
    state = LockMap(class_group, term).state(column=results_lock_column(period))
    if state.locked:
        raise ValidationError(
            _("These results are locked (%(why)s): they cannot be recomputed.") % {"why": state.message}
        )
    students = inputs.active
    if period == SUMMER:
        year_batch = ResultBatch.objects.filter(class_group=class_group, period=YEAR).first()
        if year_batch is None or year_batch.status != ResultBatch.Status.APPROVED:
            raise ValidationError(_("The year's results must be approved before the summer's are computed."))
        due = summer_students(StudentResult.objects.filter(batch=year_batch))
        students = [s for s in students if s.enrolment.pk in due]
    evaluated = evaluate(inputs, period, students)
    failed = [row for row in evaluated if row.error]
    if failed:
        raise ValidationError([f"{row.student.student.full_name}: {row.error}" for row in failed])
    reason = (reason or "").strip() or f"Tính kết quả {PERIOD_NAMES[period]} lớp {class_group.name}"
    try:
        return _store(actor, class_group, period, inputs, evaluated, reason, now)
    except IntegrityError:
        # PostgreSQL: someone computed the same results at the same moment (the unique constraints
        # caught it); nothing of this computation was stored.
        raise ValidationError(
            _("Someone computed these results at the same moment: reload the page to see them.")
        ) from None


def _store(actor, class_group: ClassGroup, period: str, inputs, evaluated, reason: str, now) -> ComputeSummary:
    rule_set = inputs.rule_set
    with transaction.atomic():
        batch = _locked_batch(class_group, period)
        if batch is not None and batch.status == ResultBatch.Status.PROPOSED:
            raise ValidationError(
                _("These results are proposed to the principal: they can be recomputed once returned.")
            )
        if batch is None:
            batch = ResultBatch(class_group=class_group, period=period, version=0)
        batch.status = ResultBatch.Status.DRAFT
        batch.rule_set_code = rule_set.code
        batch.rule_set_version = rule_set.version
        batch.computed_at = now
        batch.computed_by = actor
        batch.version += 1
        _stamp(batch, actor, reason)
        batch.save()
        stored = {
            r.enrolment_id: r
            for r in StudentResult.objects.select_for_update()
            .filter(enrolment__class_group=class_group, period=period)
            .order_by("pk")
        }
        summary = ComputeSummary(batch=batch)
        new, changed = [], []
        for row in evaluated:
            fields = record_fields(inputs, row.student, row.result, period)
            current = stored.pop(row.student.enrolment.pk, None)
            if current is not None and not differs(current, fields, rule_set) and current.batch_id == batch.pk:
                summary.unchanged += 1
                continue
            if current is None:
                current = StudentResult(enrolment=row.student.enrolment, period=period)
                new.append(current)
            else:
                changed.append(current)
            for name, value in fields.items():
                setattr(current, name, value)
            current.batch = batch
            current.rule_set_code = rule_set.code
            current.rule_set_version = rule_set.version
            current.computed_at = now
            current.computed_by = actor
        history = {"default_user": actor, "default_change_reason": reason, "default_date": now, "batch_size": BATCH}
        if new:
            bulk_create_with_history(new, StudentResult, **history)
        if changed:
            bulk_update_with_history(changed, StudentResult, RESULT_FIELDS, **history)
        for leftover in stored.values():  # a student who left, or no longer concerned by the summer
            _stamp(leftover, actor, reason)
            leftover.delete()
        summary.new, summary.changed, summary.removed = len(new), len(changed), len(stored)
        return summary


def _require_homeroom(actor, class_group: ClassGroup) -> None:
    if not HomeroomAssignment.objects.filter(class_group=class_group, teacher=actor).exists():
        raise PermissionDenied(_("Only the homeroom teacher of the class proposes its results."))


def _require_principal(actor, class_group: ClassGroup) -> None:
    who = actor_for(actor)
    if who.school_id != class_group.school_year.school_id or not who.has(Role.PRINCIPAL):
        raise PermissionDenied(_("Only the principal approves or returns the results."))


def _check_version(batch: ResultBatch, version: int | None) -> None:
    if version is not None and version != batch.version:
        raise ValidationError(
            _("The results changed since you opened the page (%(who)s). Reload the page.")
            % {"who": _who(batch.computed_by)}
        )


def _current_problems(class_group: ClassGroup, period: str) -> list[str]:
    """Why the stored results cannot be proposed or approved now: blockers, results not stored or
    no longer matching today's data."""
    page = results_page(class_group, period)
    problems = [b.message for b in page.blockers]
    if page.unsaved:
        problems.append(
            _("%(n)s student(s) have no stored result: compute the results again.") % {"n": len(page.unsaved)}
        )
    if page.stale:
        problems.append(
            _("%(n)s stored result(s) no longer match the scores, conduct or attendance: compute the results again.")
            % {"n": len(page.stale)}
        )
    return problems


def results_propose(
    *, actor, class_group: ClassGroup, period: str, comment: str = "", version: int | None = None, now=None
) -> ResultBatch:
    """The homeroom teacher proposes the class's results and lists (BM Đ4.4, Đ4.6), once nothing
    is missing and the stored results match the data."""
    _check_period(period)
    _require_homeroom(actor, class_group)
    problems = _current_problems(class_group, period)
    with transaction.atomic():
        batch = _locked_batch(class_group, period)
        if batch is None:
            raise ValidationError(_("Compute the results first."))
        _check_version(batch, version)
        if batch.status not in (ResultBatch.Status.DRAFT, ResultBatch.Status.RETURNED):
            raise ValidationError(
                _("The results are now “%(status)s”: they cannot be proposed.") % {"status": batch.get_status_display()}
            )
        if problems:
            raise ValidationError(problems)
        batch.status = ResultBatch.Status.PROPOSED
        batch.proposed_at = now or timezone.now()
        batch.proposed_by = actor
        batch.proposal_comment = (comment or "").strip()
        batch.version += 1
        _stamp(batch, actor, f"Đề nghị duyệt kết quả {PERIOD_NAMES[period]}: {batch.proposal_comment}".rstrip(": "))
        batch.save()
        return batch


def results_return(
    *, actor, class_group: ClassGroup, period: str, comment: str, version: int | None = None, now=None
) -> ResultBatch:
    """The principal sends the proposal back to the homeroom teacher, saying why."""
    _check_period(period)
    _require_principal(actor, class_group)
    comment = (comment or "").strip()
    if not comment:
        raise ValidationError(_("Say why the results go back to the homeroom teacher."))
    with transaction.atomic():
        batch = _locked_batch(class_group, period)
        if batch is None or batch.status != ResultBatch.Status.PROPOSED:
            raise ValidationError(_("Only proposed results can be returned."))
        _check_version(batch, version)
        batch.status = ResultBatch.Status.RETURNED
        batch.decided_at = now or timezone.now()
        batch.decided_by = actor
        batch.decision_comment = comment
        batch.version += 1
        _stamp(batch, actor, f"Trả lại kết quả {PERIOD_NAMES[period]}: {comment}")
        batch.save()
        return batch


def results_approve(
    *, actor, class_group: ClassGroup, period: str, comment: str = "", version: int | None = None, now=None
) -> ResultBatch:
    """The principal approves the proposed results and lists (BM Đ3.5). The approval freezes them:
    the class's results are locked (a ``BookLock`` of the class, column "results" — "summer" for the
    summer's), decided and carried out by this approval, and with them the inputs they rest on
    (P-LOCK-2): the term's columns for a term, both terms for the year."""
    _check_period(period)
    _require_principal(actor, class_group)
    now = now or timezone.now()
    problems = _current_problems(class_group, period)
    with transaction.atomic():
        batch = _locked_batch(class_group, period)
        if batch is None or batch.status != ResultBatch.Status.PROPOSED:
            raise ValidationError(_("Only proposed results can be approved."))
        _check_version(batch, version)
        if problems:
            raise ValidationError(
                [_("The data changed since the proposal; return the results to the homeroom teacher."), *problems]
            )
        batch.status = ResultBatch.Status.APPROVED
        batch.decided_at = now
        batch.decided_by = actor
        batch.decision_comment = (comment or "").strip()
        batch.version += 1
        _stamp(batch, actor, f"Hiệu trưởng duyệt kết quả {PERIOD_NAMES[period]}: {batch.decision_comment}".rstrip(": "))
        batch.save()
        _freeze(batch, actor, now)
        return batch


def _freeze(batch: ResultBatch, actor, now: datetime) -> list[BookLock]:
    """Lock the approved results and their inputs, as a decision of the principal carried out at once.

    The rows are written here rather than through ``corrections.services.lock_decide`` /
    ``lock_execute``: the corrections app sits above grades (a lower app never imports a higher
    one), and there the admin board carries decisions out, while the approval is the principal's
    own act. The rows are the same kind the lock page shows and a principal's unlock reopens.
    """
    class_group = batch.class_group
    year = class_group.school_year
    terms = {t.number: t for t in Term.objects.filter(school_year=year)}
    label = PERIOD_NAMES[batch.period]
    reference = f"Duyệt KQ {class_group.name} {label} {year.name}"[:100]
    reason = f"Hiệu trưởng duyệt kết quả {label} lớp {class_group.name}: khóa kết quả và dữ liệu tính kết quả"
    wanted: list[tuple[Term | None, str]]
    if batch.period in (TERM1, TERM2):
        term = terms.get(1 if batch.period == TERM1 else 2)
        wanted = [(term, "results"), (term, "")]
    elif batch.period == YEAR:
        wanted = [(None, "results"), *((t, "") for _n, t in sorted(terms.items()))]
    else:
        wanted = [(None, "summer")]
    rows = []
    for term, column in wanted:
        row = BookLock(
            school_year=year,
            term=term,
            action=BookLock.Action.LOCK,
            scope=BookLock.Scope.CLASS,
            class_group=class_group,
            column=column,
            starts_at=now,
            reason=reason,
            decided_by=actor,
            decision_reference=reference,
            executed_by=actor,
            executed_at=now,
        )
        row.full_clean()
        _stamp(row, actor, reason)
        row.save()
        rows.append(row)
    return rows


# --- rollover to the next school year ---------------------------------------------------------------


@dataclass(frozen=True)
class ClassPlan:
    """Where a class's students go next year: the promoted to ``promoted_to`` (a class of the next
    grade; none for the last grade, whose students complete the programme), the retained to
    ``retained_to`` (a class of the same grade)."""

    promoted_to: str = ""
    retained_to: str = ""


@dataclass
class RolloverSummary:
    year: SchoolYear
    classes: int = 0
    promoted: int = 0
    retained: int = 0
    graduated: int = 0
    moves: dict[str, list[str]] = field(default_factory=dict)  # new class name -> its students


def default_plan(class_group: ClassGroup, last_grade: int) -> ClassPlan:
    suffix = class_group.name.lstrip("0123456789") or class_group.name
    promoted = "" if class_group.grade_level >= last_grade else f"{class_group.grade_level + 1}{suffix}"
    return ClassPlan(promoted_to=promoted, retained_to=f"{class_group.grade_level}{suffix}")


def rollover_problems(school_year: SchoolYear) -> list[str]:
    """What keeps the school from moving to the next year: classes whose year (or summer) results
    are not approved, students without a final decision."""
    problems = []
    finals = final_outcomes(school_year)
    batches: dict[int, dict[str, ResultBatch]] = {}
    for batch in ResultBatch.objects.filter(class_group__school_year=school_year):
        batches.setdefault(batch.class_group_id, {})[batch.period] = batch
    for class_group in ClassGroup.objects.filter(school_year=school_year).order_by("grade_level", "name"):
        own = batches.get(class_group.pk, {})
        year = own.get(YEAR)
        if year is None or year.status != ResultBatch.Status.APPROVED:
            problems.append(_("Class %(name)s: the year's results are not approved.") % {"name": class_group.name})
            continue
        summer = own.get(SUMMER)
        enrolments = Enrolment.objects.filter(class_group=class_group).select_related("student")
        undecided = [
            e.student.full_name
            for e in enrolments
            if not e.has_left
            and (e.pk not in finals or finals[e.pk].outcome in SUMMER_OUTCOMES or finals[e.pk].outcome == "PENDING")
        ]
        if undecided:
            if summer is None or summer.status != ResultBatch.Status.APPROVED:
                problems.append(
                    _("Class %(name)s: the results after the summer are not approved (%(students)s).")
                    % {"name": class_group.name, "students": ", ".join(undecided[:5])}
                )
            else:
                problems.append(
                    _("Class %(name)s: no final decision for %(students)s.")
                    % {"name": class_group.name, "students": ", ".join(undecided[:5])}
                )
    return problems


def school_rollover(
    *,
    actor,
    school_year: SchoolYear,
    start_date: date,
    end_date: date,
    terms: Sequence[school_services.TermSpec],
    plans: dict[int, ClassPlan],
    reason: str = "",
) -> RolloverSummary:
    """Open the next school year and move the students on (admin board, BM Đ8.4): the promoted to a
    class of the next grade as the admin board maps the classes, the retained to a class of their
    grade; students of the last grade who completed the programme are marked graduated. Everything
    goes through ``schools.services``; nothing else of the old year changes."""
    who = actor_for(actor)
    school = school_year.school
    if who.school_id != school.pk or not who.has(Role.ADMIN_BOARD):
        raise PermissionDenied(_("Only the admin board moves the school to the next year."))
    reason = (reason or "").strip() or f"Chuyển sang năm học {school_year.start_year + 1}-{school_year.start_year + 2}"
    if SchoolYear.objects.filter(school=school, start_year=school_year.start_year + 1).exists():
        raise ValidationError(_("The next school year already exists."))
    problems = rollover_problems(school_year)
    if problems:
        raise ValidationError(problems)
    last_grade = max(school.grade_levels)
    classes = list(ClassGroup.objects.filter(school_year=school_year).order_by("grade_level", "name"))
    targets: dict[str, int] = {}  # new class name -> its grade
    errors = []
    for class_group in classes:
        plan = plans.get(class_group.pk)
        if plan is None:
            errors.append(_("Class %(name)s: say where its students go.") % {"name": class_group.name})
            continue
        wanted = [(plan.retained_to.strip(), class_group.grade_level)]
        if class_group.grade_level < last_grade:
            wanted.append((plan.promoted_to.strip(), class_group.grade_level + 1))
        for name, grade in wanted:
            if not name:
                errors.append(_("Class %(name)s: name the class of next year.") % {"name": class_group.name})
            elif targets.setdefault(name, grade) != grade:
                errors.append(
                    _("Class %(name)s cannot be in grade %(a)s and grade %(b)s.")
                    % {"name": name, "a": targets[name], "b": grade}
                )
    if errors:
        raise ValidationError(errors)
    finals = final_outcomes(school_year)
    moves: dict[str, list[Enrolment]] = {}
    graduates: list[int] = []
    summary_counts = {"promoted": 0, "retained": 0}
    for class_group in classes:
        plan = plans[class_group.pk]
        for enrolment in Enrolment.objects.filter(class_group=class_group).select_related("student"):
            if enrolment.has_left:
                continue
            outcome = finals[enrolment.pk].outcome
            if outcome == "COMPLETED_PROGRAMME" or (
                class_group.grade_level >= last_grade and outcome in ("PROMOTED", "PROMOTED_AFTER_SUMMER")
            ):
                graduates.append(enrolment.pk)
            elif outcome in ("PROMOTED", "PROMOTED_AFTER_SUMMER"):
                moves.setdefault(plan.promoted_to.strip(), []).append(enrolment)
                summary_counts["promoted"] += 1
            else:  # RETAINED
                moves.setdefault(plan.retained_to.strip(), []).append(enrolment)
                summary_counts["retained"] += 1
    with transaction.atomic():
        new_year = school_services.school_year_create(
            school=school,
            start_year=school_year.start_year + 1,
            start_date=start_date,
            end_date=end_date,
            terms=terms,
            rule_sets={g: rule_set_code_for(school_year.start_year + 1, g) for g in school.grade_levels},
            make_current=True,
            actor=actor,
        )
        for offering in SubjectOffering.objects.filter(school_year=school_year).select_related("subject"):
            school_services.subject_offer(
                school_year=new_year,
                subject=offering.subject,
                grade_levels=[offering.grade_level],
                periods_per_year=offering.periods_per_year,
                actor=actor,
            )
        summary = RolloverSummary(year=new_year, graduated=len(graduates), **summary_counts)
        for name, enrolments in sorted(moves.items()):
            new_class = school_services.class_group_create(
                school_year=new_year, grade_level=targets[name], name=name, actor=actor
            )
            school_services.enrolments_create(
                class_group=new_class,
                students=[e.student for e in enrolments],
                enrolled_on=start_date,
                actor=actor,
                reason=reason,
            )
            summary.moves[name] = [e.student.full_name for e in enrolments]
        summary.classes = len(moves)
        if graduates:
            school_services.enrolments_set_status(
                enrolments=Enrolment.objects.filter(pk__in=graduates),
                status=Enrolment.Status.GRADUATED,
                actor=actor,
                reason=f"Hoàn thành chương trình, năm học {school_year.name}",
            )
        return summary
