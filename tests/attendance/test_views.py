"""The register's pages: who may read and change what (roles-and-permissions.md), what each page
shows, and that every write lands in the database through the services (or is refused whole)."""

import json
from datetime import date

import pytest
from django.urls import reverse

from accounts.models import Role
from attendance.models import AttendanceMark, MonthCompletion
from schools.models import Department, Enrolment, Student
from schools.services import student_fingerprint
from schools.sorting import vietnamese_sorted
from tests.attendance.helpers import enrolments, mark
from tests.factories import make_user, make_world

pytestmark = pytest.mark.django_db

OCT = (2026, 10)


@pytest.fixture
def people(world):
    """Everyone the roles document names, around the class 6A of ``world``."""
    dept = Department.objects.create(school=world.school, name="Tổ Toán")
    other = make_world(classes=1, students_per_class=1)
    parent = make_user(world.school, Role.PARENT, student=enrolments(world.classes[0])[0].student)
    return {
        "homeroom": world.users["homeroom"],
        "principal": world.users[Role.PRINCIPAL],
        "vice_principal": world.users[Role.VICE_PRINCIPAL],
        "office": world.users[Role.OFFICE],
        "admin_board": world.users[Role.ADMIN_BOARD],
        "subject_teacher": world.users["teacher"],
        "department_head": make_user(world.school, Role.DEPARTMENT_HEAD, department=dept),
        "unrelated_teacher": make_user(world.school, Role.TEACHER),
        "other_school_homeroom": other.users["homeroom"],
        "parent": parent,
    }


# Expected status of a GET by role: register pages, attendance pages.
READ = {
    "homeroom": (200, 200),
    "principal": (200, 200),
    "vice_principal": (200, 200),
    "office": (200, 200),
    "admin_board": (200, 403),
    "subject_teacher": (403, 403),
    "department_head": (403, 403),
    "unrelated_teacher": (404, 404),
    "other_school_homeroom": (404, 404),
    "parent": (404, 404),
}


def register_urls(world):
    cls = world.classes[0]
    e = enrolments(cls)[0]
    return [reverse("attendance:register", args=[cls.pk]), reverse("attendance:profile", args=[cls.pk, e.pk])]


def attendance_urls(world):
    cls = world.classes[0]
    return [
        reverse("attendance:grid", args=[cls.pk, *OCT]),
        reverse("attendance:summary", args=[cls.pk]),
    ]


@pytest.mark.parametrize("who", list(READ))
def test_who_reads_the_register_and_the_attendance(client, world, people, who):
    client.force_login(people[who])
    expected_register, expected_attendance = READ[who]
    for url in register_urls(world):
        assert client.get(url).status_code == expected_register, url
    for url in attendance_urls(world):
        assert client.get(url).status_code == expected_attendance, url


def write_requests(world):
    """Every write of the register, as (name, url, data or json body)."""
    cls = world.classes[0]
    e = enrolments(cls)[0]
    day = date(2026, 10, 5).isoformat()
    body = json.dumps({"cells": [{"enrolment": e.pk, "date": day, "session": "all", "code": "K", "version": 0}]})
    return [
        ("profile", reverse("attendance:profile", args=[cls.pk, e.pk]), {"given_name": "Bị Sửa"}),
        (
            "leave",
            reverse("attendance:leave", args=[cls.pk, e.pk]),
            {"status": "dropped_out", "left_on": "2026-10-10", "note": "x"},
        ),
        ("transfer_in", reverse("attendance:transfer_in", args=[cls.pk]), {"given_name": "Mới"}),
        ("import", reverse("attendance:import_upload", args=[cls.pk]), {"enrolled_on": "2026-09-05"}),
        ("grid", reverse("attendance:grid", args=[cls.pk, *OCT]), {f"c-{e.pk}-20261005-all-0-_": "K"}),
        ("save", reverse("attendance:save", args=[cls.pk, *OCT]), body),
        ("complete", reverse("attendance:complete", args=[cls.pk, *OCT]), {}),
        ("reopen", reverse("attendance:reopen", args=[cls.pk, *OCT]), {"reason": "x"}),
    ]


def snapshot(world):
    return (
        AttendanceMark.objects.count(),
        MonthCompletion.objects.count(),
        list(Enrolment.objects.order_by("pk").values_list("status", "student__given_name")),
        Student.objects.count(),
    )


WRITE_REFUSED = {
    "principal": 403,
    "vice_principal": 403,
    "office": 403,
    "admin_board": 403,
    "subject_teacher": 403,
    "department_head": 403,
    "unrelated_teacher": 404,
    "other_school_homeroom": 404,
    "parent": 404,
}


@pytest.mark.parametrize("who", list(WRITE_REFUSED))
def test_only_the_homeroom_teacher_writes_and_nothing_changes_otherwise(client, world, people, who):
    client.force_login(people[who])
    before = snapshot(world)
    for name, url, data in write_requests(world):
        if isinstance(data, str):
            response = client.post(url, data, content_type="application/json")
        else:
            response = client.post(url, data)
        assert response.status_code == WRITE_REFUSED[who], name
    assert snapshot(world) == before


def test_anonymous_visitors_go_to_the_login_page(client, world):
    for url in [*register_urls(world), *attendance_urls(world)]:
        response = client.get(url)
        assert response.status_code == 302 and reverse("login") in response["Location"]


def test_wrong_methods_are_refused(client, world):
    client.force_login(world.users["homeroom"])
    cls = world.classes[0]
    assert client.get(reverse("attendance:save", args=[cls.pk, *OCT])).status_code == 405
    assert client.get(reverse("attendance:complete", args=[cls.pk, *OCT])).status_code == 405
    assert client.get(reverse("attendance:reopen", args=[cls.pk, *OCT])).status_code == 405
    assert client.post(reverse("attendance:register", args=[cls.pk])).status_code == 405
    assert client.post(reverse("attendance:summary", args=[cls.pk])).status_code == 405
    assert client.put(reverse("attendance:grid", args=[cls.pk, *OCT])).status_code == 405


def test_changed_ids_are_refused(client, world):
    """Another class's student in the URL or in the cells, another class, a month outside the year."""
    client.force_login(world.users["homeroom"])
    cls = world.classes[0]
    other = make_world(classes=1, students_per_class=1)
    stranger = enrolments(other.classes[0])[0]
    assert client.get(reverse("attendance:profile", args=[cls.pk, stranger.pk])).status_code == 404
    assert client.post(reverse("attendance:leave", args=[cls.pk, stranger.pk]), {}).status_code == 404
    assert client.get(reverse("attendance:grid", args=[other.classes[0].pk, *OCT])).status_code == 404
    assert client.get(reverse("attendance:grid", args=[cls.pk, 2026, 7])).status_code == 404
    body = json.dumps(
        {"cells": [{"enrolment": stranger.pk, "date": "2026-10-05", "session": "all", "code": "K", "version": 0}]}
    )
    response = client.post(reverse("attendance:save", args=[cls.pk, *OCT]), body, content_type="application/json")
    assert response.status_code == 400 and "không thuộc lớp 6A" in response.json()["message"]
    form = {f"c-{stranger.pk}-20261005-all-0-_": "K"}
    response = client.post(reverse("attendance:grid", args=[cls.pk, *OCT]), form)
    assert response.status_code == 409 and "không thuộc lớp 6A" in response.content.decode()
    assert AttendanceMark.objects.count() == 0


# --- The homeroom teacher's own work --------------------------------------------------------


def test_the_class_list_shows_students_in_order_and_marks_those_who_left(client, world):
    teacher = world.users["homeroom"]
    cls = world.classes[0]
    studs = enrolments(cls)
    client.force_login(teacher)
    client.post(
        reverse("attendance:leave", args=[cls.pk, studs[1].pk]),
        {
            "status": "transferred_out",
            "left_on": "2026-10-15",
            "transfer_school": "THCS Trần Phú",
            "note": "Chuyển nhà",
        },
    )
    response = client.get(reverse("attendance:register", args=[cls.pk]))
    body = response.content.decode()
    assert "Sĩ số hiện tại: 4 học sinh" in body and "1 học sinh đã rời lớp" in body
    assert "Chuyển đi 15/10/2026" in body and "THCS Trần Phú" in body
    shown = [row.enrolment.pk for row in response.context["register"].rows]
    expected = [e.pk for e in vietnamese_sorted(studs, lambda e: e.student.family_name, lambda e: e.student.given_name)]
    assert shown == expected and len(shown) == 5


def test_editing_a_profile_saves_it_with_history(client, world):
    teacher = world.users["homeroom"]
    cls = world.classes[0]
    e = enrolments(cls)[0]
    client.force_login(teacher)
    page = client.get(reverse("attendance:profile", args=[cls.pk, e.pk])).content.decode()
    assert "Lưu hồ sơ" in page and "Họ tên mẹ" in page
    data = {
        name: getattr(e.student, name)
        for name in (
            "student_code",
            "family_name",
            "given_name",
            "gender",
            "ethnicity",
            "nationality",
            "permanent_address",
            "father_name",
        )
    }
    data.update(
        given_name="Ánh",
        date_of_birth="2014-01-01",
        mother_name="Lê Thị Hoa",
        mother_phone="091 234 5679",
        contact_phone="+84 912 345 678",
        fingerprint=student_fingerprint(e.student),
        reason="Bổ sung thông tin mẹ",
    )
    response = client.post(reverse("attendance:profile", args=[cls.pk, e.pk]), data)
    assert response.status_code == 302, response.context["form"].errors
    student = Student.objects.get(pk=e.student_id)
    assert (student.given_name, student.mother_name, student.mother_phone, student.contact_phone) == (
        "Ánh",
        "Lê Thị Hoa",
        "0912345679",
        "0912345678",
    )
    last = student.history.latest()
    assert (last.history_user_id, last.history_change_reason) == (teacher.pk, "Bổ sung thông tin mẹ")


def test_a_bad_profile_is_refused_with_vietnamese_messages_and_nothing_stored(client, world):
    cls = world.classes[0]
    e = enrolments(cls)[0]
    client.force_login(world.users["homeroom"])
    data = {
        "student_code": e.student.student_code,
        "family_name": "Nguyễn Văn",
        "given_name": "An9",
        "date_of_birth": "2030-01-01",
        "gender": "nam",
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
        "permanent_address": "Hải Phòng",
        "contact_phone": "12345",
        "fingerprint": student_fingerprint(e.student),
    }
    body = client.post(reverse("attendance:profile", args=[cls.pk, e.pk]), data).content.decode()
    assert "Họ tên chỉ gồm chữ cái" in body
    assert "kiểm tra lại ngày sinh" in body
    assert "Số điện thoại gồm 10 chữ số" in body
    assert "Cần ghi ít nhất một người" in body
    assert Student.objects.get(pk=e.student_id).given_name == e.student.given_name
    assert e.student.history.count() == 1


def test_a_profile_changed_meanwhile_is_not_overwritten(client, world):
    cls = world.classes[0]
    e = enrolments(cls)[0]
    client.force_login(world.users["homeroom"])
    stale = student_fingerprint(e.student)
    Student.objects.filter(pk=e.student_id).update(place_of_birth="Hà Nội")  # another tab saved meanwhile
    data = {
        name: getattr(e.student, name)
        for name in (
            "student_code",
            "family_name",
            "given_name",
            "gender",
            "ethnicity",
            "nationality",
            "permanent_address",
            "father_name",
            "contact_phone",
        )
    }
    data.update(given_name="Bình", date_of_birth="2014-01-01", place_of_birth="Hải Dương", fingerprint=stale)
    body = client.post(reverse("attendance:profile", args=[cls.pk, e.pk]), data).content.decode()
    assert "Người khác đã sửa hồ sơ này" in body
    assert Student.objects.get(pk=e.student_id).place_of_birth == "Hà Nội"


def test_readers_see_the_profile_without_a_form(client, world):
    cls = world.classes[0]
    e = enrolments(cls)[0]
    client.force_login(world.users[Role.PRINCIPAL])
    body = client.get(reverse("attendance:profile", args=[cls.pk, e.pk])).content.decode()
    assert e.student.full_name in body and "Lưu hồ sơ" not in body and '<form method="post" novalidate' not in body


def test_a_transfer_in_creates_the_student_in_the_class(client, world):
    cls = world.classes[0]
    client.force_login(world.users["homeroom"])
    data = {
        "student_code": "HS777001",
        "family_name": "Đỗ Minh",
        "given_name": "Khôi",
        "date_of_birth": "2014-03-02",
        "gender": "nam",
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
        "permanent_address": "Quảng Ninh",
        "father_name": "Đỗ Văn Hải",
        "contact_phone": "0987654321",
        "enrolled_on": "2026-11-02",
        "transfer_school": "THCS Lê Lợi, Quảng Ninh",
    }
    response = client.post(reverse("attendance:transfer_in", args=[cls.pk]), data)
    assert response.status_code == 302
    enrolment = Enrolment.objects.get(student__student_code="HS777001")
    assert (enrolment.class_group_id, enrolment.status, enrolment.enrolled_on, enrolment.transfer_school) == (
        cls.pk,
        "transferred_in",
        date(2026, 11, 2),
        "THCS Lê Lợi, Quảng Ninh",
    )
    again = client.post(reverse("attendance:transfer_in", args=[cls.pk]), data).content.decode()
    assert "Mã học sinh này đã thuộc về một học sinh khác" in again
    assert Enrolment.objects.filter(student__student_code="HS777001").count() == 1


def test_the_grid_shows_the_school_days_and_marks(client, world):
    cls = world.classes[0]
    teacher = world.users["homeroom"]
    a = enrolments(cls)[0]
    mark(cls, teacher, (a, date(2026, 11, 2), "K"))
    client.force_login(teacher)
    response = client.get(reverse("attendance:grid", args=[cls.pk, 2026, 11]))
    body = response.content.decode()
    grid = response.context["grid"]
    assert len(grid.columns) == 20 and date(2026, 11, 24) not in [c.day for c in grid.columns]
    assert f'name="c-{a.pk}-20261102-all-1-K" value="K"' in body
    assert "Tháng 11/2026 · sĩ số 5 học sinh" in body and 'id="save-status" data-state="saved"' in body


def test_readers_see_the_grid_without_inputs(client, world):
    cls = world.classes[0]
    client.force_login(world.users[Role.OFFICE])
    body = client.get(reverse("attendance:grid", args=[cls.pk, *OCT])).content.decode()
    assert "attendance-grid" in body and 'class="code"' not in body and "attendance-grid.js" not in body


def test_the_month_form_without_javascript_saves_the_changed_cells(client, world):
    cls = world.classes[0]
    a, b = enrolments(cls)[:2]
    client.force_login(world.users["homeroom"])
    form = {
        f"c-{a.pk}-20261005-all-0-_": "p",
        f"c-{b.pk}-20261005-all-0-_": "",  # unchanged
        f"c-{b.pk}-20261006-all-0-_": "M",
    }
    response = client.post(reverse("attendance:grid", args=[cls.pk, *OCT]), form)
    assert response.status_code == 302
    assert sorted(AttendanceMark.objects.values_list("enrolment_id", "code")) == sorted([(a.pk, "P"), (b.pk, "M")])


def test_the_grid_script_saves_cells_and_gets_versions_and_totals(client, world):
    cls = world.classes[0]
    a = enrolments(cls)[0]
    client.force_login(world.users["homeroom"])
    url = reverse("attendance:save", args=[cls.pk, *OCT])
    cells = [
        {"enrolment": a.pk, "date": "2026-10-05", "session": "all", "code": "P", "version": 0},
        {"enrolment": a.pk, "date": "2026-10-06", "session": "all", "code": "K", "version": 0},
    ]
    response = client.post(url, json.dumps({"cells": cells}), content_type="application/json")
    assert response.status_code == 200
    data = response.json()
    assert {(s["date"], s["version"]) for s in data["saved"]} == {("2026-10-05", 1), ("2026-10-06", 1)}
    assert data["totals"]["students"][str(a.pk)]["month"] == {"P": 1, "K": 1, "M": 0, "TS": 2, "counted": 2, "warn": ""}
    assert data["totals"]["class"]["year"]["TS"] == 2
    # The same cell sent again with the version first seen: someone changed it meanwhile.
    cells[0]["code"] = "K"
    response = client.post(url, json.dumps({"cells": cells[:1]}), content_type="application/json")
    assert response.status_code == 409
    conflict = response.json()["conflicts"][0]
    assert (conflict["code"], conflict["version"], conflict["by"]) == ("P", 1, world.users["homeroom"].full_name)
    assert AttendanceMark.objects.get(date=date(2026, 10, 5)).code == "P"
    bad = client.post(url, b"{not json", content_type="application/json")
    assert bad.status_code == 400 and "tải lại trang" in bad.json()["message"]


def test_completing_and_reopening_a_month_from_the_page(client, world):
    cls = world.classes[0]
    client.force_login(world.users["homeroom"])
    response = client.post(reverse("attendance:complete", args=[cls.pk, *OCT]), follow=True)
    body = response.content.decode()
    assert "Đã xác nhận hoàn thành điểm danh tháng 10/2026" in body and 'class="code"' not in body
    assert MonthCompletion.objects.filter(class_group=cls, year=2026, month=10).exists()
    response = client.post(reverse("attendance:reopen", args=[cls.pk, *OCT]), {"reason": ""}, follow=True)
    assert "lí do mở lại" in response.content.decode()
    assert MonthCompletion.objects.exists()
    client.post(reverse("attendance:reopen", args=[cls.pk, *OCT]), {"reason": "Sót một buổi"})
    assert not MonthCompletion.objects.exists()


def test_the_summary_adds_up_months_terms_and_year(client, world):
    cls = world.classes[0]
    teacher = world.users["homeroom"]
    a = enrolments(cls)[0]
    mark(cls, teacher, (a, date(2026, 10, 5), "P"), (a, date(2026, 11, 2), "K"), (a, date(2027, 3, 1), "M"))
    client.force_login(world.users[Role.VICE_PRINCIPAL])
    response = client.get(reverse("attendance:summary", args=[cls.pk]))
    row = next(r for r in response.context["summary"].rows if r.enrolment.pk == a.pk)
    assert [t.absent for t in row.months][:3] == [0, 1, 1]
    assert [(t.excused, t.unexcused, t.late) for t in row.terms] == [(1, 1, 0), (0, 0, 1)]
    assert row.year.counted == 2
    assert "Tổng hợp chuyên cần" in response.content.decode()


def test_the_current_month_link_lands_on_a_month_of_the_year(client, world):
    client.force_login(world.users["homeroom"])
    response = client.get(reverse("attendance:attendance", args=[world.classes[0].pk]))
    assert response.status_code == 302 and "/diem-danh/20" in response["Location"]


def test_the_home_page_tile_links_to_the_register(client, world):
    client.force_login(world.users["homeroom"])
    body = client.get(reverse("home")).content.decode()
    assert reverse("attendance:register", args=[world.classes[0].pk]) in body


def test_the_index_lists_the_classes_one_may_see(client, world, people):
    client.force_login(people["principal"])
    assert "6A" in client.get(reverse("attendance:index")).content.decode()
    client.force_login(people["homeroom"])
    assert "6A" in client.get(reverse("attendance:index")).content.decode()
    client.force_login(people["subject_teacher"])
    assert client.get(reverse("attendance:index")).status_code == 403
