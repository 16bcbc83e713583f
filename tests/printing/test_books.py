"""What a printed book holds, assembled from the other apps (assessment-rules.md §10)."""

from __future__ import annotations

from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Role
from grades.models import ResultBatch, StudentResult
from grades.results_services import results_compute
from grades.services import REASON_GRID, Entry, score_record_many
from printing import books
from printing.books import BookUnavailable, class_book, teacher_book
from schools import services as school_services
from schools.models import ClassSubject, Enrolment, GradeRuleSet, Student, TeachingAssignment
from schools.sorting import name_sort_key
from tests.factories import make_students
from tests.printing.conftest import TUYET, make_print_world


def test_students_are_in_vietnamese_order_on_every_page(print_world):
    book = class_book(print_world.class_group, print_world.term(2))
    names = [s.full_name for s in book.students]
    assert names == sorted(names, key=lambda n: name_sort_key(*n.rsplit(" ", 1)))
    assert [s.number for s in book.students] == list(range(1, len(names) + 1))
    # Every list has one row per student, in that order.
    for part in book.parts:
        assert all(len(page.rows) == len(names) for page in part.pages)
        assert len(part.summary.rows) == len(names)
    assert all(len(month.rows) == len(names) for month in book.months)
    assert len(book.classification.rows) == len(names)


def test_a_student_who_left_stays_struck_through_with_the_date(print_world):
    book = class_book(print_world.class_group, print_world.term(2))
    leaver = next(s for s in book.students if s.enrolment_id == print_world.leaver.pk)
    assert leaver.left is True
    assert leaver.note == "Chuyển đi ngày 16/11/2026 (Trường THCS Ngô Quyền): Gia đình chuyển nhà"
    # His results are not computed, and he is not counted in the class size.
    assert book.classification.rows[leaver.number - 1].learning == ""
    assert book.class_size == len(book.students) - 1


def test_a_corrected_score_carries_the_old_value_and_the_minutes_number(print_world):
    book = class_book(print_world.class_group, print_world.term(1))
    page = next(p for p in book.parts[0].pages if p.name == "Môn 0")
    assert page.corrected == 1
    marks = [(i, m) for i, row in enumerate(page.rows) for m in row if m.old]
    assert len(marks) == 1
    row, mark = marks[0]
    assert (mark.old, mark.text, mark.ref) == ("8,0", "9,0", "01")
    assert page.notes[row] == "ĐĐGtx 1: BB số 01"


def test_averages_come_from_the_grid_and_results_from_the_rules_engine_not_approved(print_world):
    book = class_book(print_world.class_group, print_world.term(2))
    tuyet = next(s for s in book.students if s.full_name == TUYET)
    year = book.year_summary.rows[tuyet.number - 1]
    assert year.values[0] == "Đ"  # the comment subject comes first (§10.2 item 7)
    assert year.values[1:] == ["5,5"] * 6
    assert year.learning == "Đạt"
    assert book.year_summary.approved is False
    assert book.results_approved is False
    # Conduct is not recorded in the software yet: nothing is invented.
    assert year.conduct == ""


def test_approved_results_are_printed_when_they_exist(print_world):
    # The results app computes the year's results; the principal's approval is what the book
    # prints (here the stored row is made to differ from a computation now, so the test can tell).
    results_compute(actor=print_world.users["homeroom"], class_group=print_world.class_group, period="year")
    batch = ResultBatch.objects.get(class_group=print_world.class_group, period="year")
    batch.status = ResultBatch.Status.APPROVED
    batch.save()
    row = StudentResult.objects.get(batch=batch, enrolment=print_world.tuyet)
    row.learning, row.conduct = "Khá", "Tốt"
    row.subjects = {**row.subjects, "mon1": {**row.subjects["mon1"], "year": "6.6"}}
    row.save()
    book = class_book(print_world.class_group, print_world.term(2))
    index = [s.enrolment_id for s in book.students].index(print_world.tuyet.pk)
    year = book.year_summary.rows[index]
    assert (year.learning, year.conduct) == ("Khá", "Tốt")
    assert year.values[2] == "6,6"  # mon1, after the comment subject and mon0
    assert book.year_summary.approved is True
    # Term I is still not approved: its page says so, and so does the book as a whole.
    assert book.parts[0].summary.approved is False and book.results_approved is False


def test_the_term_one_book_has_no_year_pages(print_world):
    book = class_book(print_world.class_group, print_world.term(1))
    assert [p.term for p in book.parts] == [1]
    assert book.year_summary is None and book.classification is None
    assert {(m.year, m.month) for m in book.months} == {(2026, 9), (2026, 10), (2026, 11), (2026, 12), (2027, 1)}


def test_the_fingerprint_changes_with_the_data_and_only_with_it(print_world):
    first = class_book(print_world.class_group, print_world.term(1)).fingerprint()
    assert class_book(print_world.class_group, print_world.term(1)).fingerprint() == first
    cs = ClassSubject.objects.filter(class_group=print_world.class_group, subject__code="mon1").get()
    student = print_world.tuyet
    score_record_many(
        actor=print_world.teachers[cs.pk],
        class_subject=cs,
        entries=[Entry(student.pk, print_world.term(1).pk, "regular_1", "6,5")],
        reason=REASON_GRID,
    )
    assert class_book(print_world.class_group, print_world.term(1)).fingerprint() != first


def test_a_book_without_a_rule_set_says_why(print_world):
    GradeRuleSet.objects.filter(school_year=print_world.year, grade_level=6).delete()
    with pytest.raises(BookUnavailable, match="Năm học 2026-2027 chưa chọn bộ quy tắc đánh giá cho khối 6"):
        class_book(print_world.class_group, print_world.term(1))


def test_teacher_book_blank_and_filled(print_world):
    cs = ClassSubject.objects.filter(class_group=print_world.class_group, subject__code="mon0").get()
    assignment = TeachingAssignment.objects.get(class_subject=cs)
    blank = teacher_book(assignment, print_world.term(1), filled=False)
    assert blank.columns == ["ĐĐGtx 1", "ĐĐGtx 2", "ĐĐGgk", "ĐĐGck", "ĐTBmhkI"]
    assert all(m.text == "" for row in blank.rows for m in row)
    filled = teacher_book(assignment, print_world.term(1), filled=True)
    assert any(m.old == "8,0" and m.text == "9,0" for row in filled.rows for m in row)
    assert filled.classes_taught == ["6A"]
    assert blank.fingerprint() != filled.fingerprint()


@pytest.mark.django_db
def test_assembling_a_book_takes_the_same_queries_for_more_students():
    counts = []
    for size in (2, 6):
        world = make_print_world(students=size, scored=2, extras=False)
        with CaptureQueriesContext(connection) as queries:
            books.class_book(world.class_group, world.term(2))
        counts.append(len(queries))
    assert counts[0] == counts[1]


def _transfer_in(world, family: str, given: str, on: date, school: str):
    student = Student(
        student_code=f"CD{given}{world.school.pk}",
        family_name=family,
        given_name=given,
        date_of_birth=date(2014, 5, 5),
        gender=Student.Gender.FEMALE,
        permanent_address="Quảng Ninh",
        mother_name="Trần Thị Mẹ",
        contact_phone="0912000111",
    )
    return school_services.enrolment_transfer_in(
        class_group=world.class_group,
        student=student,
        enrolled_on=on,
        transfer_school=school,
        note="",
        actor=world.users[Role.OFFICE],
    )


def test_students_who_arrive_during_the_year_follow_the_class_list_in_order_of_arrival(print_world):
    # Names that the Vietnamese order would put first ("An" < "An0"): the book appends them anyway,
    # the later arrival last (§10.1: "a student who arrived is appended at the end").
    later = _transfer_in(print_world, "Bùi Thị", "An", date(2026, 12, 1), "Trường THCS Lê Lợi")
    earlier = _transfer_in(print_world, "Đỗ Văn", "Anh", date(2026, 10, 5), "Trường THCS Hạ Long")
    book = class_book(print_world.class_group, print_world.term(2))
    original = print_world.enrolments[print_world.class_group.pk]
    ids = [s.enrolment_id for s in book.students]
    assert ids[-2:] == [earlier.pk, later.pk]
    # The class list keeps its Vietnamese order, the leaver in his place, struck through.
    head = book.students[: len(original)]
    names = [s.full_name for s in head]
    assert names == sorted(names, key=lambda n: name_sort_key(*n.rsplit(" ", 1)))
    assert {s.enrolment_id for s in head} == {e.pk for e in original}
    assert next(s for s in head if s.enrolment_id == print_world.leaver.pk).left is True
    assert [s.number for s in book.students] == list(range(1, len(ids) + 1))
    assert book.students[-2].note == "Chuyển đến ngày 05/10/2026 (Trường THCS Hạ Long)"
    assert book.students[-1].note == "Chuyển đến ngày 01/12/2026 (Trường THCS Lê Lợi)"
    # Every list of the book has the same order: a subject page's Ghi chú is the arrival's.
    page = book.parts[0].pages[0]
    assert len(page.rows) == len(ids) and page.notes[-1] == "Chuyển đến ngày 01/12/2026 (Trường THCS Lê Lợi)"
    assert all(len(month.rows) == len(ids) for month in book.months)
    # The teacher's own book has the class book's order (a row is the same student in both).
    cs = ClassSubject.objects.get(class_group=print_world.class_group, subject__code="mon0")
    mine = teacher_book(TeachingAssignment.objects.get(class_subject=cs), print_world.term(2), filled=False)
    assert [s.enrolment_id for s in mine.students] == ids


def test_a_class_list_entered_after_the_first_day_is_not_a_list_of_arrivals(print_world):
    # The whole class enrolled on 8 September (three days late) stays one list in Vietnamese order.
    Enrolment.objects.filter(class_group=print_world.class_group).update(enrolled_on=date(2026, 9, 8))
    book = class_book(print_world.class_group, print_world.term(1))
    names = [s.full_name for s in book.students]
    assert names == sorted(names, key=lambda n: name_sort_key(*n.rsplit(" ", 1)))
    assert not any("Vào lớp" in s.note for s in book.students)
    # A student enrolled later without a transfer recorded is appended and noted.
    late = make_students(print_world.school, 1, prefix="LATE")[0]
    late.given_name = "A"
    late.save()
    school_services.enrolments_create(
        class_group=print_world.class_group, students=[late], enrolled_on=date(2026, 9, 21), actor=None, reason="test"
    )
    book = class_book(print_world.class_group, print_world.term(1))
    assert book.students[-1].full_name == late.full_name
    assert book.students[-1].note == "Vào lớp ngày 21/09/2026"


def test_the_cover_names_the_commune_and_province_and_the_district_only_before_the_reform(print_world):
    school = print_world.school
    header = books.school_header(school, date(2026, 9, 5))
    assert header.place[-1][0] == "Tỉnh/Thành phố"
    assert not any(label in ("Xã/Phường", "Huyện/Quận") for label, _v in header.place)
    school.commune, school.county, school.province = "Phường Lê Chân", "Quận Lê Chân", "Thành phố Hải Phòng"
    school.save()
    assert books.school_header(school, date(2026, 9, 5)).place == [
        ("Xã/Phường", "Phường Lê Chân"),
        ("Tỉnh/Thành phố", "Thành phố Hải Phòng"),
    ]
    # A 2024-2025 book still had districts (two-level local government from 1 July 2025).
    assert books.school_header(school, date(2024, 9, 5)).place == [
        ("Xã/Phường", "Phường Lê Chân"),
        ("Huyện/Quận", "Quận Lê Chân"),
        ("Tỉnh/Thành phố", "Thành phố Hải Phòng"),
    ]
    book = class_book(print_world.class_group, print_world.term(1))
    assert book.school.place[0] == ("Xã/Phường", "Phường Lê Chân")


def test_the_cover_falls_back_to_the_address_and_the_offices(print_world):
    school = print_world.school
    school.address = "Số 12 Tô Hiệu, TP Hải Phòng"
    school.save()
    district, province = school.district, school.district.province
    district.name, province.name = "Phòng Giáo dục và Đào tạo quận Lê Chân", "Sở Giáo dục và Đào tạo Hải Phòng"
    district.save()
    province.save()
    assert books.school_header(school, date(2024, 9, 5)).place == [
        ("Địa chỉ", "Số 12 Tô Hiệu, TP Hải Phòng"),
        ("Huyện/Quận", "quận Lê Chân"),
        ("Tỉnh/Thành phố", "Hải Phòng"),
    ]
