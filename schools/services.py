"""Writes to the school data model. Every function takes the acting user and writes history in the
same transaction; bulk paths use django-simple-history's bulk helpers so each row gets its record."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from .models import (
    CalendarDay,
    ClassGroup,
    ClassSubject,
    Enrolment,
    GradeRuleSet,
    School,
    SchoolYear,
    Student,
    Subject,
    SubjectOffering,
    Term,
)


@dataclass(frozen=True)
class TermSpec:
    number: int
    start_date: date
    end_date: date
    midterm_test_date: date | None = None
    final_test_date: date | None = None
    regular_entry_deadline: date | None = None


def _stamp(obj, actor, reason: str = "") -> None:
    obj._history_user = actor
    if reason:
        obj._change_reason = reason


@transaction.atomic
def school_year_create(
    *,
    school: School,
    start_year: int,
    start_date: date,
    end_date: date,
    terms: Sequence[TermSpec],
    rule_sets: dict[int, str],
    make_current: bool,
    actor=None,
) -> SchoolYear:
    """Open a school year with its two terms and the rule set of each grade level."""
    missing = set(school.grade_levels) - set(rule_sets)
    if missing:
        raise ValidationError(
            _("Every grade level needs a rule set: %(grades)s is missing.")
            % {"grades": ", ".join(str(g) for g in sorted(missing))}
        )
    if make_current:
        for old in SchoolYear.objects.select_for_update().filter(school=school, is_current=True):
            old.is_current = False
            _stamp(old, actor, _("A new school year became current"))
            old.save(update_fields=["is_current"])
    year = SchoolYear(
        school=school, start_year=start_year, start_date=start_date, end_date=end_date, is_current=make_current
    )
    year.full_clean()
    _stamp(year, actor)
    year.save()
    for spec in terms:
        if not (start_date <= spec.start_date and spec.end_date <= end_date):
            raise ValidationError(_("A term must lie inside its school year."))
        term = Term(school_year=year, **spec.__dict__)
        term.full_clean()
        _stamp(term, actor)
        term.save()
    for grade, code in sorted(rule_sets.items()):
        rule_set = GradeRuleSet(school_year=year, grade_level=grade, rule_set=code)
        rule_set.full_clean()
        _stamp(rule_set, actor)
        rule_set.save()
    return year


@transaction.atomic
def subject_offer(
    *, school_year: SchoolYear, subject: Subject, grade_levels: Iterable[int], periods_per_year: int, actor=None
) -> list[SubjectOffering]:
    offerings = []
    for grade in grade_levels:
        offering = SubjectOffering(
            school_year=school_year, subject=subject, grade_level=grade, periods_per_year=periods_per_year
        )
        offering.full_clean()
        _stamp(offering, actor)
        offering.save()
        offerings.append(offering)
    return offerings


@transaction.atomic
def class_group_create(*, school_year: SchoolYear, grade_level: int, name: str, actor=None) -> ClassGroup:
    """Open a class with one ``ClassSubject`` per subject its grade is offered this year."""
    if grade_level not in school_year.school.grade_levels:
        raise ValidationError(_("This school does not teach grade %(grade)s.") % {"grade": grade_level})
    class_group = ClassGroup(school_year=school_year, grade_level=grade_level, name=name.strip())
    class_group.full_clean()
    _stamp(class_group, actor)
    class_group.save()
    subject_ids = SubjectOffering.objects.filter(school_year=school_year, grade_level=grade_level).values_list(
        "subject_id", flat=True
    )
    ClassSubject.objects.bulk_create([ClassSubject(class_group=class_group, subject_id=s) for s in subject_ids])
    return class_group


@transaction.atomic
def students_create(*, school: School, students: Sequence[Student], actor, reason: str) -> list[Student]:
    """Create many students at once (one history row each). Each is validated first; one bad row
    refuses the whole batch with the row's number, so nothing is half-applied."""
    errors = {}
    for index, student in enumerate(students, start=1):
        student.school = school
        try:
            student.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            errors[index] = exc.messages
    codes = [s.student_code for s in students]
    if len(set(codes)) != len(codes):
        raise ValidationError(_("The same student code appears twice in the list."))
    taken = set(Student.objects.filter(school=school, student_code__in=codes).values_list("student_code", flat=True))
    if taken:
        raise ValidationError(_("These student codes already exist: %(codes)s") % {"codes": ", ".join(sorted(taken))})
    if errors:
        raise ValidationError(
            [_("Row %(row)s: %(errors)s") % {"row": row, "errors": "; ".join(msgs)} for row, msgs in errors.items()]
        )
    return bulk_create_with_history(
        list(students), Student, batch_size=500, default_user=actor, default_change_reason=reason
    )


@transaction.atomic
def enrolments_create(
    *,
    class_group: ClassGroup,
    students: Sequence[Student],
    enrolled_on: date,
    actor,
    reason: str,
    status: str = Enrolment.Status.STUDYING,
    transfer_school: str = "",
) -> list[Enrolment]:
    year = class_group.school_year
    if any(s.school_id != year.school_id for s in students):
        raise ValidationError(_("A student of another school cannot join this class."))
    already = set(Enrolment.objects.filter(school_year=year, student__in=students).values_list("student_id", flat=True))
    if already:
        raise ValidationError(_("%(n)s student(s) are already enrolled this school year.") % {"n": len(already)})
    rows = [
        Enrolment(
            student=s,
            class_group=class_group,
            school_year=year,
            enrolled_on=enrolled_on,
            status=status,
            transfer_school=transfer_school,
        )
        for s in students
    ]
    return bulk_create_with_history(rows, Enrolment, batch_size=500, default_user=actor, default_change_reason=reason)


@transaction.atomic
def enrolment_leave(
    *, enrolment: Enrolment, status: str, left_on: date, actor, note: str = "", transfer_school: str = ""
) -> Enrolment:
    """Record a transfer out or a dropout. The student stays in the book, marked, and leaves the
    class's counts from that date (P-ST-2)."""
    if status not in Enrolment.LEFT_STATUSES:
        raise ValidationError(_("Unknown way of leaving."))
    enrolment = Enrolment.objects.select_for_update().get(pk=enrolment.pk)
    if enrolment.has_left:
        raise ValidationError(_("This student has already left the class."))
    if left_on < enrolment.enrolled_on:
        raise ValidationError(_("The student cannot leave before arriving."))
    enrolment.status = status
    enrolment.left_on = left_on
    enrolment.note = note
    enrolment.transfer_school = transfer_school
    _stamp(enrolment, actor, note or enrolment.get_status_display())
    enrolment.save(update_fields=["status", "left_on", "note", "transfer_school"])
    return enrolment


@transaction.atomic
def calendar_day_set(*, school: School, day: date, is_school_day: bool, reason: str, actor) -> CalendarDay:
    """Close the school on a day (weather, epidemic) or open it on a make-up day."""
    if not reason.strip():
        raise ValidationError(_("Give the reason for the change to the calendar."))
    entry = CalendarDay.objects.select_for_update().filter(school=school, date=day).first() or CalendarDay(
        school=school, date=day
    )
    entry.is_school_day = is_school_day
    entry.reason = reason.strip()
    _stamp(entry, actor, reason)
    entry.save()
    return entry


@transaction.atomic
def enrolments_set_status(*, enrolments, status: str, actor, reason: str) -> int:
    """Set the status of many enrolments at once (year end: completed the programme), with history."""
    from simple_history.utils import bulk_update_with_history

    rows = list(enrolments.select_for_update())
    for row in rows:
        row.status = status
    bulk_update_with_history(
        rows, Enrolment, ["status"], batch_size=500, default_user=actor, default_change_reason=reason
    )
    return len(rows)
