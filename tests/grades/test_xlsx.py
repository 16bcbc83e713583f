"""The xlsx template: download, upload, a preview of every cell, nothing applied before the teacher
confirms, nothing dropped silently, damaged files refused with a clear message."""

import io
import re
import zipfile
from datetime import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from grades import services
from grades.models import ScoreCell, SubjectComment
from grades.services import Entry
from schools.models import ClassSubject

pytestmark = pytest.mark.django_db


def download(client, grid) -> Workbook:
    client.force_login(grid.teacher)
    response = client.get(reverse("grades:xlsx_download", args=[grid.class_subject.pk, 1]))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="diem_6a_mon-0_hk1.xlsx"' in response["Content-Disposition"]
    return load_workbook(io.BytesIO(response.content))


def upload(client, grid, workbook: Workbook | bytes, name="diem.xlsx"):
    data = workbook if isinstance(workbook, bytes) else _bytes(workbook)
    file = io.BytesIO(data)
    file.name = name
    return client.post(reverse("grades:xlsx_upload", args=[grid.class_subject.pk, 1]), {"file": file})


def _bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def confirm(client, grid, response):
    token = re.search(r'name="token" value="([^"]+)"', response.content.decode()).group(1)
    return client.post(reverse("grades:xlsx_confirm", args=[grid.class_subject.pk, 1]), {"token": token}, follow=True)


def seed(grid, text="7", comment="=SUM(A1:A2) giỏi"):
    entries = [
        Entry(grid.enrolments[0].pk, grid.term1.pk, "regular_1", text),
        Entry(grid.enrolments[0].pk, grid.term1.pk, "comment", comment),
    ]
    services.score_record_many(actor=grid.teacher, class_subject=grid.class_subject, entries=entries, reason="x")


def test_the_template_holds_the_grid_and_its_values(client, grid):
    seed(grid)
    wb = download(client, grid)
    ws = wb["Bảng điểm"]
    assert [c.value for c in ws[6]] == [
        "Mã học sinh",
        "STT",
        "Họ và tên",
        "ĐĐGtx 1",
        "ĐĐGtx 2",
        "ĐĐGtx 3",
        "ĐĐGgk",
        "ĐĐGck",
        "Nhận xét",
    ]
    first = ws[7]
    assert first[0].value == grid.enrolments[0].student.student_code
    assert first[3].value == 7 and first[3].data_type == "n" and first[3].number_format == "0.0"
    # A comment that looks like a formula stays text (formula injection, §2.3).
    assert first[8].value == "=SUM(A1:A2) giỏi" and first[8].data_type == "s"
    assert wb["_sodiem"].sheet_state == "hidden"
    assert ws.max_row == 6 + len(grid.enrolments)


def test_an_upload_is_previewed_cell_by_cell_and_applied_only_on_confirmation(client, grid):
    seed(grid)
    wb = download(client, grid)
    ws = wb["Bảng điểm"]
    ws["D7"] = 7  # unchanged
    ws["E7"] = 8.5  # new
    ws["F7"] = "9,5"  # new, typed with a comma as text
    ws["D8"] = 11  # refused: above the scale
    ws["E8"] = 7.25  # refused: two decimals, never rounded
    ws["F8"] = datetime(2026, 8, 5)  # refused: Excel turned 8,5 into a date
    ws["G8"] = "abc"  # refused
    ws["I8"] = "Cần cố gắng hơn"  # new comment
    response = upload(client, grid, wb)
    assert response.status_code == 200
    body = response.content.decode()
    assert "3 mới" in body and "2 không đổi" in body and "4 bị từ chối" in body
    for reason in ("không được lớn hơn 10", "Ý thầy/cô là 7,3?", "ngày tháng", "Điểm không hợp lệ"):
        assert reason in body
    assert ScoreCell.objects.count() == 1  # nothing applied yet
    result = confirm(client, grid, response)
    assert "Đã nhập 3 ô từ tệp" in result.content.decode()
    cells = {c.column: c.value for c in ScoreCell.objects.filter(enrolment=grid.enrolments[0])}
    assert cells == {"regular_1": Decimal("7.0"), "regular_2": Decimal("8.5"), "regular_3": Decimal("9.5")}
    assert SubjectComment.objects.get(enrolment=grid.enrolments[1]).text == "Cần cố gắng hơn"
    assert not ScoreCell.objects.filter(enrolment=grid.enrolments[1]).exists()
    history = ScoreCell.history.filter(history_change_reason="Nhập từ tệp Excel: diem.xlsx")
    assert history.count() == 2 and {h.history_user_id for h in history} == {grid.teacher.pk}


def test_a_change_made_after_the_preview_stops_the_import(client, grid):
    seed(grid)
    wb = download(client, grid)
    wb["Bảng điểm"]["D7"] = 5
    wb["Bảng điểm"]["E7"] = 6
    response = upload(client, grid, wb)
    services.score_record(  # meanwhile, in another tab
        actor=grid.teacher,
        class_subject=grid.class_subject,
        enrolment_id=grid.enrolments[0].pk,
        term_id=grid.term1.pk,
        column="regular_1",
        text="9",
        version=1,
    )
    result = confirm(client, grid, response)
    assert "Chưa nhập ô nào" in result.content.decode()
    cells = {c.column: c.value for c in ScoreCell.objects.filter(enrolment=grid.enrolments[0])}
    assert cells == {"regular_1": Decimal("9.0")}


def test_unknown_students_columns_and_duplicates_are_refused_never_dropped(client, grid):
    client.force_login(grid.teacher)
    wb = Workbook()
    ws = wb.active
    ws.title = "Bảng điểm"
    ws.append(["Mã học sinh", "STT", "Họ và tên", "ĐĐGtx 1", "Điểm miệng"])
    code = grid.enrolments[0].student.student_code
    other = ClassSubject.objects.exclude(class_group=grid.class_subject.class_group).first()
    outsider = other.class_group.enrolments.first().student.student_code
    ws.append([code, 1, "A", 8, 9])
    ws.append([outsider, 2, "B", 7, None])
    ws.append([grid.enrolments[1].student.student_code, 3, "C", 6, None])
    ws.append([grid.enrolments[1].student.student_code, 4, "C", 5, None])
    ws.append([None, 5, "D", 4, None])
    response = upload(client, grid, wb)
    body = response.content.decode()
    assert "Cột “Điểm miệng” không có trong bảng điểm" in body
    assert f"Lớp không có học sinh mã {outsider}" in body
    assert "xuất hiện ở hai dòng" in body
    assert "Dòng không có mã học sinh" in body
    assert "1 mới" in body and "5 bị từ chối" in body


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        (b"not a spreadsheet at all", "không phải bảng tính Excel"),
        (b"", "Tệp rỗng"),
        (b"PK\x03\x04garbage", "không phải bảng tính Excel"),
    ],
)
def test_a_malformed_file_is_refused_with_a_message(client, grid, payload, message):
    client.force_login(grid.teacher)
    response = upload(client, grid, payload)
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not ScoreCell.objects.exists()


def test_a_zip_that_is_not_a_workbook_and_a_sheet_without_header_are_refused(client, grid):
    client.force_login(grid.teacher)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("word/document.xml", "<w:document/>")
    assert upload(client, grid, buffer.getvalue(), name="thu.docx").status_code == 400
    wb = Workbook()
    wb.active.append(["Họ tên", "Điểm"])
    wb.active.append(["A", 8])
    response = upload(client, grid, wb)
    assert response.status_code == 400 and "Không tìm thấy dòng tiêu đề" in response.content.decode()
    assert not ScoreCell.objects.exists()


def test_the_template_of_another_grid_is_refused(client, grid):
    wb = download(client, grid)
    wb["_sodiem"]["B1"] = grid.class_subject.pk + 1000
    response = upload(client, grid, wb)
    assert response.status_code == 400 and "mẫu của lớp, môn hoặc học kì khác" in response.content.decode()


def test_a_tampered_or_foreign_confirmation_is_refused(client, grid):
    client.force_login(grid.teacher)
    url = reverse("grades:xlsx_confirm", args=[grid.class_subject.pk, 1])
    response = client.post(url, {"token": "forged"}, follow=True)
    assert "Không xác nhận được" in response.content.decode()
    assert not ScoreCell.objects.exists()
