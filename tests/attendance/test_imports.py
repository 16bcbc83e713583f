"""The class-list import: the template round-trips, every row is checked with its reasons, the
preview lives on the server, and a list with a bad row is refused whole."""

import io
from datetime import date, datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from attendance.imports import COLUMNS, ImportFileError, check_rows, read_upload, template_workbook
from attendance.models import ClassListImport
from attendance.services import ClassListRefused, class_list_import_apply, class_list_import_stage
from schools.models import Enrolment, Student
from tests.attendance.helpers import student_row, xlsx
from tests.factories import make_world

pytestmark = pytest.mark.django_db


def test_the_template_has_the_profile_headers_and_reads_back_as_empty():
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(template_workbook()), read_only=True)
    header = next(wb.worksheets[0].iter_rows(values_only=True))
    assert list(header) == [label for _name, label in COLUMNS]
    assert "Mã học sinh" in header and "Điện thoại liên hệ" in header
    wb.close()
    with pytest.raises(ImportFileError, match="không có học sinh"):
        read_upload(template_workbook())


def test_values_are_normalised_and_bad_ones_named_by_row_and_column():
    rows = read_upload(
        xlsx(
            [
                student_row(
                    date_of_birth=datetime(2015, 9, 5), contact_phone=912345678, mother_phone="+84 98 765 4321"
                ),
                student_row(student_code="HS900002", date_of_birth="31/02/2015", gender="Không rõ"),
            ]
        )
    )
    first, second = rows
    assert first.row == 2 and first.values["date_of_birth"] == "2015-09-05"
    assert (first.values["contact_phone"], first.values["mother_phone"]) == ("0912345678", "0987654321")
    assert first.parse_errors == []
    assert second.row == 3
    assert "Ngày sinh (dd/mm/yyyy): không đọc được “31/02/2015”." in second.parse_errors
    assert any("Giới tính" in e for e in second.parse_errors)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"not a workbook", "không phải tệp xlsx"),
        (xlsx([student_row()], headers=["Mã học sinh", "Họ và tên đệm", "Tên", "Màu áo"]), "Màu áo"),
        (xlsx([student_row()], headers=["Mã học sinh", "Tên"]), "Thiếu cột"),
    ],
)
def test_unusable_files_are_refused_with_the_reason(data, message):
    with pytest.raises(ImportFileError, match=message):
        read_upload(data)


def test_rows_are_classified_new_existing_duplicate_or_error(world):
    cls = world.classes[0]
    in_class = Enrolment.objects.filter(class_group=cls).select_related("student").first().student
    # A student of the school who is in no class this year.
    free = Student.objects.create(
        school=world.school,
        student_code="HS555555",
        family_name="Lê Văn",
        given_name="Tâm",
        date_of_birth=date(2015, 2, 3),
        gender="nam",
        permanent_address="Hải Phòng",
        father_name="Lê Văn Bố",
        contact_phone="0912345678",
    )
    dob = in_class.date_of_birth.strftime("%d/%m/%Y")
    rows = read_upload(
        xlsx(
            [
                student_row(),  # new
                student_row(
                    student_code=free.student_code, family_name="Lê Văn", given_name="Tâm", date_of_birth="03/02/2015"
                ),
                student_row(
                    student_code=in_class.student_code,
                    family_name=in_class.family_name,
                    given_name=in_class.given_name,
                    date_of_birth=dob,
                ),
                student_row(student_code="HS900001", given_name="Lan"),  # code twice in the file
                student_row(student_code=free.student_code, given_name="Khác"),  # code of another student
                student_row(
                    student_code="HS900009",
                    family_name=in_class.family_name,
                    given_name=in_class.given_name,
                    date_of_birth=dob,
                ),  # same person, another code
                student_row(student_code="HS900010", contact_phone="12345", mother_name=""),
            ]
        )
    )
    checked = check_rows(cls, rows)
    assert [r.status for r in checked] == ["new", "existing", "duplicate", "error", "error", "error", "error"]
    assert "trùng với dòng 2" in checked[3].errors[0]
    assert any("là của học sinh khác" in e for e in checked[4].errors)
    assert any(f"mã {in_class.student_code}" in e for e in checked[5].errors)
    assert any("Số điện thoại" in e for e in checked[6].errors)
    assert any("cha, mẹ hoặc người giám hộ" in e for e in checked[6].errors)


def test_a_student_of_another_class_this_year_is_an_error():
    world = make_world(classes=2, students_per_class=1)
    elsewhere = Enrolment.objects.filter(class_group=world.classes[1]).select_related("student").get().student
    row = student_row(
        student_code=elsewhere.student_code,
        family_name=elsewhere.family_name,
        given_name=elsewhere.given_name,
        date_of_birth=elsewhere.date_of_birth.strftime("%d/%m/%Y"),
    )
    (checked,) = check_rows(world.classes[0], read_upload(xlsx([row])))
    assert checked.status == "error" and "đang học lớp 6B" in checked.errors[0]


def test_a_good_list_is_applied_in_one_go_with_history(world):
    cls = world.classes[0]
    teacher = world.users["homeroom"]
    data = xlsx([student_row(), student_row(student_code="HS900002", given_name="Lan", date_of_birth="06/10/2015")])
    staged, rows = class_list_import_stage(
        class_group=cls, data=data, file_name="6A.xlsx", enrolled_on=date(2026, 9, 5), actor=teacher
    )
    assert [r.status for r in rows] == ["new", "new"]
    assert Student.objects.filter(student_code__in=["HS900001", "HS900002"]).count() == 0  # nothing yet
    enrolments, _rows = class_list_import_apply(staged=staged, actor=teacher)
    assert len(enrolments) == 2
    student = Student.objects.get(student_code="HS900002")
    assert student.enrolments.get().class_group_id == cls.pk
    assert student.history.get().history_change_reason == "Nhập danh sách lớp từ tệp 6A.xlsx"
    assert student.history.get().history_user_id == teacher.pk
    with pytest.raises(ValidationError, match="đã được áp dụng"):
        class_list_import_apply(staged=ClassListImport.objects.get(), actor=teacher)


def test_a_list_that_became_wrong_after_the_preview_is_refused_whole(world):
    cls = world.classes[0]
    teacher = world.users["homeroom"]
    data = xlsx([student_row(), student_row(student_code="HS900002", given_name="Lan")])
    staged, rows = class_list_import_stage(
        class_group=cls, data=data, file_name="6A.xlsx", enrolled_on=date(2026, 9, 5), actor=teacher
    )
    assert {r.status for r in rows} == {"new"}
    # Meanwhile someone created a student with the second code.
    Student.objects.create(
        school=world.school,
        student_code="HS900002",
        family_name="Hồ Văn",
        given_name="Nam",
        date_of_birth=date(2014, 1, 1),
        gender="nam",
        permanent_address="Hải Phòng",
        father_name="Hồ Văn Bố",
        contact_phone="0912345678",
    )
    with pytest.raises(ClassListRefused) as caught:
        class_list_import_apply(staged=staged, actor=teacher)
    assert "Dòng 3" in caught.value.messages[0]
    assert not Student.objects.filter(student_code="HS900001").exists()  # nothing half-applied


def test_the_upload_preview_and_confirmation_pages(client, world):
    cls = world.classes[0]
    client.force_login(world.users["homeroom"])
    url = reverse("attendance:import_upload", args=[cls.pk])
    assert "Tải tệp mẫu" in client.get(url).content.decode()
    upload = io.BytesIO(xlsx([student_row(), student_row(student_code="HS900002", given_name="Lan")]))
    upload.name = "lop6a.xlsx"
    response = client.post(url, {"file": upload, "enrolled_on": "2026-09-05"})
    assert response.status_code == 302
    preview = client.get(response["Location"]).content.decode()
    assert "2 học sinh mới" in preview and "Xác nhận và áp dụng danh sách" in preview
    staged = ClassListImport.objects.get()
    # Another teacher cannot use the token, and the confirmation sends nothing but the token.
    other = make_world(classes=1, students_per_class=1)
    client.force_login(other.users["homeroom"])
    assert client.post(response["Location"]).status_code == 404
    client.force_login(world.users["homeroom"])
    done = client.post(response["Location"], {"values": "ignored"}, follow=True)
    assert "Đã xếp 2 học sinh vào lớp" in done.content.decode()
    assert Enrolment.objects.filter(class_group=cls).count() == 7
    staged.refresh_from_db()
    assert staged.applied_at is not None


def test_a_file_with_one_bad_row_is_refused_row_by_row_and_cannot_be_applied(client, world):
    cls = world.classes[0]
    client.force_login(world.users["homeroom"])
    upload = io.BytesIO(
        xlsx([student_row(), student_row(student_code="HS900002", given_name="Lan", date_of_birth="2015-13-40")])
    )
    upload.name = "lop6a.xlsx"
    response = client.post(
        reverse("attendance:import_upload", args=[cls.pk]), {"file": upload, "enrolled_on": "2026-09-05"}
    )
    preview = client.get(response["Location"]).content.decode()
    assert "1 dòng bị lỗi: không lưu gì cả" in preview
    assert "không đọc được “2015-13-40”" in preview
    assert "Xác nhận và áp dụng danh sách" not in preview
    forced = client.post(response["Location"], follow=True).content.decode()
    assert "Danh sách chưa được áp dụng" in forced
    assert not Student.objects.filter(student_code__in=["HS900001", "HS900002"]).exists()


def test_a_non_xlsx_upload_is_refused_on_the_form(client, world):
    cls = world.classes[0]
    client.force_login(world.users["homeroom"])
    upload = io.BytesIO(b"a,b,c")
    upload.name = "lop.csv"
    body = client.post(
        reverse("attendance:import_upload", args=[cls.pk]), {"file": upload, "enrolled_on": "2026-09-05"}
    )
    assert "Hãy chọn tệp .xlsx" in body.content.decode()
    assert ClassListImport.objects.count() == 0
