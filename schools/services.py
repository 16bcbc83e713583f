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


# --- Student profiles, transfers and class lists (the homeroom teacher's register, LC Đ7.1) ------

#: The profile fields a homeroom teacher keeps (section 13.1 of the rules document), in form order.
STUDENT_PROFILE_FIELDS = (
    "student_code",
    "family_name",
    "given_name",
    "date_of_birth",
    "gender",
    "place_of_birth",
    "ethnicity",
    "religion",
    "nationality",
    "national_id",
    "permanent_address",
    "current_address",
    "policy_family",
    "disability",
    "father_name",
    "father_job",
    "father_phone",
    "mother_name",
    "mother_job",
    "mother_phone",
    "guardian_name",
    "guardian_phone",
    "contact_phone",
    "notes",
)
_REQUIRED_PROFILE_FIELDS = (
    "student_code",
    "family_name",
    "given_name",
    "date_of_birth",
    "gender",
    "ethnicity",
    "permanent_address",
    "contact_phone",
)
_PHONE_FIELDS = ("father_phone", "mother_phone", "guardian_phone", "contact_phone")
_NAME_FIELDS = ("family_name", "given_name", "father_name", "mother_name", "guardian_name")
# A secondary-school student is at least 9 and at most 25 on the first day of the school year:
# outside that range the date is a typing slip (a year of 2104 or 1914), not a real student.
STUDENT_MIN_AGE = 9
STUDENT_MAX_AGE = 25


def _is_vietnamese_phone(value: str) -> bool:
    # Mobiles have 10 digits (09x, 03x, 08x, 07x, 05x); landlines 11 (02xx…) since 2017.
    return value.isdigit() and value.startswith("0") and len(value) in (10, 11)


def _is_name(value: str) -> bool:
    return all(ch.isalpha() or ch in " -'." for ch in value)


def _age_on(born: date, day: date) -> int:
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def student_profile_errors(student: Student, *, on: date) -> dict[str, list[str]]:
    """The profile's problems, field by field, in Vietnamese; empty when the profile is valid.

    ``on`` is the reference day for the age check (the first day of the school year). Used by every
    path that writes a profile (form, transfer in, xlsx import) so the rules are the same.
    """
    errors: dict[str, list[str]] = {}

    def add(name: str, message: str) -> None:
        errors.setdefault(name, []).append(message)

    for name in _REQUIRED_PROFILE_FIELDS:
        value = getattr(student, name)
        if value is None or (isinstance(value, str) and not value.strip()):
            add(name, _("This field is required."))
    for name in _NAME_FIELDS:
        value = getattr(student, name)
        if value and not _is_name(value):
            add(name, _("A name holds letters only."))
    for name in _PHONE_FIELDS:
        value = getattr(student, name)
        if value and not _is_vietnamese_phone(value):
            add(name, _("A phone number has 10 digits (a landline 11) and starts with 0."))
    if student.national_id and not (student.national_id.isdigit() and len(student.national_id) == 12):
        add("national_id", _("The personal ID number has exactly 12 digits."))
    if student.student_code and not student.student_code.replace("-", "").isalnum():
        add("student_code", _("The student code holds letters and digits only."))
    born = student.date_of_birth
    if born is not None:
        age = _age_on(born, on)
        if not STUDENT_MIN_AGE <= age <= STUDENT_MAX_AGE:
            add(
                "date_of_birth",
                _("A student born on %(date)s would be %(age)s years old: check the date of birth.")
                % {"date": born.strftime("%d/%m/%Y"), "age": age},
            )
    if student.gender and student.gender not in Student.Gender.values:
        add("gender", _("The gender is Nam or Nữ."))
    if student.policy_family not in Student.PolicyFamily.values:
        add("policy_family", _("Unknown policy-family group."))
    if not (student.father_name or student.mother_name or student.guardian_name):
        add("father_name", _("Give the name of at least one parent or the guardian."))
    for field in Student._meta.get_fields():
        max_length = getattr(field, "max_length", None)
        value = getattr(student, field.name, None) if field.concrete else None
        if max_length and isinstance(value, str) and len(value) > max_length:
            add(field.name, _("At most %(n)s characters.") % {"n": max_length})
    return errors


def student_fingerprint(student: Student) -> str:
    """A digest of the profile as read: sent with an edit form and compared under a row lock
    when it comes back, so an edit made meanwhile by someone else is detected, never overwritten."""
    import hashlib

    text = "\x1f".join(str(getattr(student, name)) for name in STUDENT_PROFILE_FIELDS)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]


class ConcurrentEditError(ValidationError):
    """The data changed since the person loaded it; nothing was written."""


def _duplicate_errors(student: Student, *, exclude_pk: int | None = None) -> dict[str, list[str]]:
    others = Student.objects.filter(school_id=student.school_id)
    if exclude_pk is not None:
        others = others.exclude(pk=exclude_pk)
    errors: dict[str, list[str]] = {}
    if student.student_code and others.filter(student_code=student.student_code).exists():
        errors["student_code"] = [_("Another student of the school already has this student code.")]
    if student.date_of_birth and student.family_name and student.given_name:
        twin = others.filter(
            family_name__iexact=student.family_name,
            given_name__iexact=student.given_name,
            date_of_birth=student.date_of_birth,
        ).first()
        if twin is not None:
            errors.setdefault("given_name", []).append(
                _("A student with the same name and date of birth is already in the school (code %(code)s).")
                % {"code": twin.student_code}
            )
    return errors


@transaction.atomic
def student_update(
    *, student: Student, changes: dict, actor, reason: str, on: date, expected_fingerprint: str | None = None
) -> Student:
    """Change a student's profile (the fields of ``STUDENT_PROFILE_FIELDS``) with history.

    The row is locked; if ``expected_fingerprint`` no longer matches, someone changed the profile
    since it was loaded and ``ConcurrentEditError`` is raised. Invalid values raise a
    ``ValidationError`` keyed by field; nothing is written then.
    """
    unknown = set(changes) - set(STUDENT_PROFILE_FIELDS)
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %(f)s") % {"f": ", ".join(sorted(unknown))})
    locked = Student.objects.select_for_update().get(pk=student.pk)
    if expected_fingerprint is not None and student_fingerprint(locked) != expected_fingerprint:
        raise ConcurrentEditError(
            _("Someone else changed this profile after you opened it. Reload the page to see their changes.")
        )
    changed = [name for name, value in changes.items() if getattr(locked, name) != value]
    if not changed:
        return locked
    for name in changed:
        setattr(locked, name, changes[name])
    # Only what changes is judged: a record loaded from an older source with a flaw elsewhere can
    # still be corrected field by field. The parent rule spans three fields.
    touched = set(changed)
    if touched & {"father_name", "mother_name", "guardian_name"}:
        touched.add("father_name")
    errors = {k: v for k, v in student_profile_errors(locked, on=on).items() if k in touched}
    for name, messages in _duplicate_errors(locked, exclude_pk=locked.pk).items():
        if name in touched:
            errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    _stamp(locked, actor, reason.strip() or _("Profile updated"))
    locked.save(update_fields=changed)
    return locked


def _check_day_in_year(day: date, year: SchoolYear) -> None:
    if not year.start_date <= day <= year.end_date:
        raise ValidationError(
            _("The date must lie in the school year (%(start)s – %(end)s).")
            % {"start": year.start_date.strftime("%d/%m/%Y"), "end": year.end_date.strftime("%d/%m/%Y")}
        )


@transaction.atomic
def enrolment_transfer_in(
    *, class_group: ClassGroup, student: Student, enrolled_on: date, transfer_school: str, note: str, actor
) -> Enrolment:
    """A student arriving from another school during the year (P-ST-1 ``CHUYỂN_ĐẾN``): the new
    profile (unsaved ``student``) is checked like any other, duplicates are refused, and the student
    joins the class from ``enrolled_on`` with the sending school recorded."""
    year = class_group.school_year
    student.school_id = year.school_id
    errors = student_profile_errors(student, on=year.start_date)
    for name, messages in _duplicate_errors(student).items():
        errors.setdefault(name, []).extend(messages)
    if not transfer_school.strip():
        errors.setdefault("transfer_school", []).append(_("Name the school the student comes from."))
    if not year.start_date <= enrolled_on <= year.end_date:
        errors.setdefault("enrolled_on", []).append(_("The date must lie in the school year."))
    if errors:
        raise ValidationError(errors)
    reason = _("Transferred in from %(school)s") % {"school": transfer_school.strip()}
    _stamp(student, actor, reason)
    student.save()
    enrolment = Enrolment(
        student=student,
        class_group=class_group,
        school_year=year,
        status=Enrolment.Status.TRANSFERRED_IN,
        enrolled_on=enrolled_on,
        transfer_school=transfer_school.strip(),
        note=note.strip(),
    )
    _stamp(enrolment, actor, reason)
    enrolment.save()
    return enrolment


@transaction.atomic
def enrolment_depart(
    *, enrolment: Enrolment, status: str, left_on: date, note: str, actor, transfer_school: str = ""
) -> Enrolment:
    """A transfer out or a dropout, checked (date inside the year, a note, the receiving school for
    a transfer) and then recorded by ``enrolment_leave``: the student stays in the book, marked."""
    errors: dict[str, list[str]] = {}
    year = enrolment.school_year
    if not year.start_date <= left_on <= year.end_date:
        errors["left_on"] = [_("The date must lie in the school year.")]
    if not note.strip():
        errors["note"] = [_("Write a note: why the student leaves.")]
    if status == Enrolment.Status.TRANSFERRED_OUT and not transfer_school.strip():
        errors["transfer_school"] = [_("Name the school the student moves to.")]
    if errors:
        raise ValidationError(errors)
    return enrolment_leave(
        enrolment=enrolment,
        status=status,
        left_on=left_on,
        actor=actor,
        note=note.strip(),
        transfer_school=transfer_school.strip(),
    )


@transaction.atomic
def class_list_enrol(
    *,
    class_group: ClassGroup,
    new_students: Sequence[Student],
    existing_students: Sequence[Student],
    enrolled_on: date,
    actor,
    reason: str,
) -> list[Enrolment]:
    """Apply an imported class list in one transaction: create the new students' profiles and
    enrol them and the school's existing students in the class. Any problem refuses the whole list;
    the caller re-checks every row just before (the preview is never trusted)."""
    year = class_group.school_year
    _check_day_in_year(enrolled_on, year)
    errors = []
    for index, student in enumerate(new_students, start=1):
        student.school_id = year.school_id
        problems = student_profile_errors(student, on=year.start_date)
        for name, messages in _duplicate_errors(student).items():
            problems.setdefault(name, []).extend(messages)
        if problems:
            errors.append(
                _("%(name)s: %(errors)s")
                % {"name": student.full_name or index, "errors": "; ".join(m for ms in problems.values() for m in ms)}
            )
    if errors:
        raise ValidationError(errors)
    created: list[Student] = []
    if new_students:
        created = students_create(school=year.school, students=list(new_students), actor=actor, reason=reason)
    return enrolments_create(
        class_group=class_group,
        students=[*created, *existing_students],
        enrolled_on=enrolled_on,
        actor=actor,
        reason=reason,
    )
