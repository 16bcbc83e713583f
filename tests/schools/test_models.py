"""Database constraints hold whatever code path writes."""

from datetime import date

import pytest
from django.db import IntegrityError, transaction

from schools.models import Enrolment, SchoolYear, Term
from tests.factories import make_school, make_students, make_world

pytestmark = pytest.mark.django_db


def test_a_student_cannot_be_enrolled_twice_in_one_year():
    world = make_world(classes=2, students_per_class=1, subjects=1)
    first = world.classes[0].enrolments.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.create(
            student=first.student, class_group=world.classes[1], school_year=world.year, enrolled_on=date(2026, 9, 5)
        )


def test_the_enrolment_service_refuses_a_second_enrolment_with_a_message():
    from django.core.exceptions import ValidationError

    from schools.services import enrolments_create

    world = make_world(classes=2, students_per_class=1, subjects=1)
    student = world.classes[0].enrolments.get().student
    with pytest.raises(ValidationError, match="đã được xếp lớp trong năm học này"):
        enrolments_create(
            class_group=world.classes[1], students=[student], enrolled_on=date(2026, 9, 5), actor=None, reason="test"
        )
    assert Enrolment.objects.filter(student=student).count() == 1


def test_a_term_cannot_end_before_it_starts():
    world = make_world(classes=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Term.objects.filter(school_year=world.year, number=1).update(end_date=date(2026, 9, 1))


def test_a_test_date_must_lie_inside_its_term():
    world = make_world(classes=0)
    with pytest.raises(IntegrityError), transaction.atomic():
        Term.objects.filter(school_year=world.year, number=1).update(final_test_date=date(2027, 3, 1))


def test_a_school_year_ends_after_it_starts_and_only_one_is_current():
    school = make_school()
    with pytest.raises(IntegrityError), transaction.atomic():
        SchoolYear.objects.create(
            school=school, start_year=2030, start_date=date(2030, 9, 5), end_date=date(2030, 9, 1)
        )
    SchoolYear.objects.create(
        school=school, start_year=2031, start_date=date(2031, 9, 5), end_date=date(2032, 5, 31), is_current=True
    )
    with pytest.raises(IntegrityError), transaction.atomic():
        SchoolYear.objects.create(
            school=school, start_year=2032, start_date=date(2032, 9, 5), end_date=date(2033, 5, 31), is_current=True
        )


def test_a_leaver_needs_a_date_and_cannot_leave_before_arriving():
    world = make_world(classes=1, students_per_class=1, subjects=1)
    enrolment = world.classes[0].enrolments.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.filter(pk=enrolment.pk).update(status=Enrolment.Status.TRANSFERRED_OUT)
    with pytest.raises(IntegrityError), transaction.atomic():
        Enrolment.objects.filter(pk=enrolment.pk).update(left_on=date(2026, 9, 1))


def test_leaving_is_recorded_with_history_and_the_student_stays_in_the_class():
    from schools.services import enrolment_leave

    world = make_world(classes=1, students_per_class=2, subjects=1)
    enrolment = world.classes[0].enrolments.first()
    enrolment_leave(
        enrolment=enrolment,
        status=Enrolment.Status.TRANSFERRED_OUT,
        left_on=date(2026, 10, 15),
        actor=world.users["admin_board"],
        note="Chuyển trường",
    )
    enrolment.refresh_from_db()
    assert enrolment.has_left and enrolment.left_on == date(2026, 10, 15)
    assert enrolment.is_active_on(date(2026, 10, 14)) and not enrolment.is_active_on(date(2026, 10, 15))
    last = enrolment.history.first()
    assert last.history_user == world.users["admin_board"]
    assert last.history_change_reason == "Chuyển trường"
    assert world.classes[0].enrolments.count() == 2


def test_students_created_in_bulk_each_get_a_history_row():
    school = make_school()
    students = make_students(school, 3)
    for student in students:
        assert student.history.count() == 1


def test_a_student_needs_a_parent_or_guardian():
    from schools.models import Student

    school = make_school()
    with pytest.raises(IntegrityError), transaction.atomic():
        Student.objects.create(
            school=school,
            student_code="X1",
            family_name="Lê",
            given_name="Na",
            date_of_birth=date(2014, 1, 1),
            gender="nu",
            permanent_address="HP",
            contact_phone="0912345678",
        )


def test_every_grade_needs_a_rule_set_when_a_year_opens():
    from django.core.exceptions import ValidationError

    from schools.services import school_year_create

    school = make_school()
    with pytest.raises(ValidationError):
        school_year_create(
            school=school,
            start_year=2026,
            start_date=date(2026, 9, 5),
            end_date=date(2027, 5, 31),
            terms=[],
            rule_sets={6: "tt22_2021"},
            make_current=True,
        )
    assert not SchoolYear.objects.filter(school=school).exists()
