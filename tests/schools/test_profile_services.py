"""The profile services appended to schools.services: the checks every path shares (form,
transfer in, import), history with the real user and reason, and edits made meanwhile detected."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from schools.models import Enrolment, Student
from schools.services import (
    ConcurrentEditError,
    class_list_enrol,
    enrolment_depart,
    enrolment_transfer_in,
    student_fingerprint,
    student_profile_errors,
    student_update,
)

pytestmark = pytest.mark.django_db

START = date(2026, 9, 5)


def new_student(**overrides) -> Student:
    values = {
        "student_code": "HS123456",
        "family_name": "Vũ Thị",
        "given_name": "Hạnh",
        "date_of_birth": date(2015, 4, 30),
        "gender": "nu",
        "ethnicity": "Tày",
        "permanent_address": "Số 3 Lạch Tray, Hải Phòng",
        "mother_name": "Đinh Thị Thu",
        "contact_phone": "0356789012",
    }
    values.update(overrides)
    return Student(**values)


def test_a_complete_profile_has_no_error():
    assert student_profile_errors(new_student(), on=START) == {}


@pytest.mark.parametrize(
    ("overrides", "field", "fragment"),
    [
        ({"given_name": ""}, "given_name", "bắt buộc"),
        ({"family_name": "Vũ 2"}, "family_name", "chỉ gồm chữ cái"),
        ({"contact_phone": "035678901"}, "contact_phone", "10 chữ số"),
        ({"contact_phone": "1356789012"}, "contact_phone", "bắt đầu bằng 0"),
        ({"father_phone": "09-12"}, "father_phone", "10 chữ số"),
        ({"national_id": "12345"}, "national_id", "12 chữ số"),
        ({"date_of_birth": date(2025, 1, 1)}, "date_of_birth", "1 tuổi"),
        ({"date_of_birth": date(1915, 1, 1)}, "date_of_birth", "kiểm tra lại ngày sinh"),
        ({"mother_name": ""}, "father_name", "cha, mẹ hoặc người giám hộ"),
        ({"student_code": "HS 12"}, "student_code", "chữ và số"),
        ({"ethnicity": ""}, "ethnicity", "bắt buộc"),
    ],
)
def test_each_rule_names_its_field_in_vietnamese(overrides, field, fragment):
    errors = student_profile_errors(new_student(**overrides), on=START)
    assert fragment in " ".join(errors[field])


def test_a_landline_of_eleven_digits_is_accepted():
    assert student_profile_errors(new_student(contact_phone="02253123456"), on=START) == {}


def test_update_writes_history_with_the_user_and_reason(world):
    student = Enrolment.objects.filter(class_group=world.classes[0]).first().student
    teacher = world.users["homeroom"]
    updated = student_update(
        student=student,
        changes={"given_name": "Bình", "mother_name": "Lê Thị Hoa", "mother_phone": "0987654321"},
        actor=teacher,
        reason="Sửa theo giấy khai sinh",
        on=START,
        expected_fingerprint=student_fingerprint(student),
    )
    assert (updated.given_name, Student.objects.get(pk=student.pk).mother_phone) == ("Bình", "0987654321")
    last = updated.history.latest()
    assert (last.history_user_id, last.history_change_reason, last.history_type) == (
        teacher.pk,
        "Sửa theo giấy khai sinh",
        "~",
    )


def test_update_without_a_change_writes_nothing(world):
    student = Enrolment.objects.filter(class_group=world.classes[0]).first().student
    student_update(student=student, changes={"ethnicity": student.ethnicity}, actor=None, reason="", on=START)
    assert student.history.count() == 1


def test_update_refuses_bad_values_and_stores_nothing(world):
    student = Enrolment.objects.filter(class_group=world.classes[0]).first().student
    with pytest.raises(ValidationError) as caught:
        student_update(
            student=student, changes={"given_name": "Bình", "contact_phone": "123"}, actor=None, reason="", on=START
        )
    assert "contact_phone" in caught.value.message_dict
    assert Student.objects.get(pk=student.pk).given_name == student.given_name


def test_update_detects_an_edit_made_meanwhile(world):
    student = Enrolment.objects.filter(class_group=world.classes[0]).first().student
    seen = student_fingerprint(student)
    student_update(student=student, changes={"place_of_birth": "Hà Nội"}, actor=None, reason="tab 1", on=START)
    with pytest.raises(ConcurrentEditError):
        student_update(
            student=student,
            changes={"place_of_birth": "Huế"},
            actor=None,
            reason="tab 2",
            on=START,
            expected_fingerprint=seen,
        )
    assert Student.objects.get(pk=student.pk).place_of_birth == "Hà Nội"


def test_update_refuses_the_code_of_another_student_and_unknown_fields(world):
    first, second = [e.student for e in Enrolment.objects.filter(class_group=world.classes[0])[:2]]
    with pytest.raises(ValidationError) as caught:
        student_update(student=first, changes={"student_code": second.student_code}, actor=None, reason="", on=START)
    assert "student_code" in caught.value.message_dict
    with pytest.raises(ValidationError):
        student_update(student=first, changes={"school_id": 99}, actor=None, reason="", on=START)


def test_transfer_in_creates_the_profile_and_the_enrolment(world):
    teacher = world.users["homeroom"]
    enrolment = enrolment_transfer_in(
        class_group=world.classes[0],
        student=new_student(),
        enrolled_on=date(2026, 11, 16),
        transfer_school="THCS Lê Lợi",
        note="Theo gia đình",
        actor=teacher,
    )
    assert (enrolment.status, enrolment.transfer_school, enrolment.note) == (
        "transferred_in",
        "THCS Lê Lợi",
        "Theo gia đình",
    )
    assert enrolment.history.get().history_user_id == teacher.pk
    assert not enrolment.is_active_on(date(2026, 11, 13)) and enrolment.is_active_on(date(2026, 11, 16))


def test_transfer_in_refuses_duplicates_by_code_and_by_name_and_birth(world):
    existing = Enrolment.objects.filter(class_group=world.classes[0]).first().student
    with pytest.raises(ValidationError) as caught:
        enrolment_transfer_in(
            class_group=world.classes[0],
            student=new_student(student_code=existing.student_code),
            enrolled_on=date(2026, 11, 16),
            transfer_school="THCS Lê Lợi",
            note="",
            actor=None,
        )
    assert "student_code" in caught.value.message_dict
    with pytest.raises(ValidationError) as caught:
        enrolment_transfer_in(
            class_group=world.classes[0],
            student=new_student(
                family_name=existing.family_name, given_name=existing.given_name, date_of_birth=existing.date_of_birth
            ),
            enrolled_on=date(2027, 7, 1),
            transfer_school="",
            note="",
            actor=None,
        )
    errors = caught.value.message_dict
    assert {"given_name", "transfer_school", "enrolled_on"} <= set(errors)
    assert Student.objects.filter(student_code="HS123456").count() == 0


def test_departure_needs_a_date_in_the_year_a_note_and_the_receiving_school(world):
    enrolment = Enrolment.objects.filter(class_group=world.classes[0]).first()
    with pytest.raises(ValidationError) as caught:
        enrolment_depart(enrolment=enrolment, status="transferred_out", left_on=date(2027, 8, 1), note=" ", actor=None)
    assert set(caught.value.message_dict) == {"left_on", "note", "transfer_school"}
    enrolment_depart(
        enrolment=enrolment,
        status="transferred_out",
        left_on=date(2026, 10, 15),
        note="Chuyển nhà",
        transfer_school="THCS Trần Phú",
        actor=world.users["homeroom"],
    )
    enrolment.refresh_from_db()
    assert (enrolment.status, enrolment.left_on, enrolment.note) == (
        "transferred_out",
        date(2026, 10, 15),
        "Chuyển nhà",
    )
    assert enrolment.history.latest().history_user_id == world.users["homeroom"].pk


def test_class_list_enrol_is_all_or_nothing(world):
    cls = world.classes[0]
    good = new_student()
    bad = new_student(student_code="HS123457", given_name="Lan", contact_phone="1")
    with pytest.raises(ValidationError):
        class_list_enrol(
            class_group=cls, new_students=[good, bad], existing_students=[], enrolled_on=START, actor=None, reason="x"
        )
    assert not Student.objects.filter(student_code__in=["HS123456", "HS123457"]).exists()
    rows = class_list_enrol(
        class_group=cls, new_students=[new_student()], existing_students=[], enrolled_on=START, actor=None, reason="x"
    )
    assert rows[0].class_group_id == cls.pk and rows[0].student.student_code == "HS123456"
