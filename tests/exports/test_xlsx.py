"""The produced workbook, opened with openpyxl as the district office would: headers, a known
student's row, number formats, Vietnamese names, formula-looking text kept as text, control
characters stripped, the statistics sheet."""

from __future__ import annotations

import zipfile
from decimal import Decimal

import pytest
from openpyxl import Workbook, load_workbook

from accounts.models import Role
from exports import services
from exports.models import ResultsExport
from exports.xlsx import HEADER_ROW, SheetWriter, clean_text
from tests.exports.conftest import FORMULA_NAME, KNOWN_CODE, KNOWN_ID, approve_term1, make_export_world

pytestmark = pytest.mark.django_db


def _export(world, django_capture_on_commit_callbacks, **options) -> ResultsExport:
    params = {"period": "term1", "scope": "school", **options}
    with django_capture_on_commit_callbacks(execute=True):
        export = services.export_start(
            actor=world.users[Role.OFFICE], school=world.school, school_year=world.year, **params
        )
    export.refresh_from_db()
    assert export.job.status == "done", export.job.error
    return export


def _rows(ws) -> list[tuple]:
    return list(ws.iter_rows(min_row=HEADER_ROW + 1, values_only=True))


@pytest.fixture
def exported(django_capture_on_commit_callbacks):
    world = make_export_world()
    approve_term1(world, world.classes[1])
    export = _export(world, django_capture_on_commit_callbacks, with_national_id=True)
    return world, export, load_workbook(export.job.file.path)


def test_the_workbook_has_a_sheet_per_grade_then_the_statistics(exported):
    _world, export, wb = exported
    assert wb.sheetnames == ["Khối 6", "Thống kê"]
    assert export.job.file_name == f"ket-qua-hk1-2026-2027-{export.school.code.lower()}.xlsx"
    assert export.job.content_type == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def test_header_rows_name_the_office_the_school_the_year_and_the_term(exported):
    world, _export, wb = exported
    ws = wb["Khối 6"]
    assert ws["A1"].value == f"{world.school.district.province.name} – {world.school.district.name}"
    assert ws["A2"].value == f"Trường THCS Thử Nghiệm (mã trường {world.school.code})"
    assert ws["A3"].value == "KẾT QUẢ HỌC TẬP VÀ RÈN LUYỆN HỌC KÌ I – NĂM HỌC 2026-2027 – KHỐI 6"
    # 6A is not approved: the sheet says so.
    assert "CHƯA được Hiệu trưởng phê duyệt" in ws["A4"].value
    assert "Thông tư 22/2021/TT-BGDĐT" in ws["A4"].value
    header = [c.value for c in ws[HEADER_ROW]]
    assert header == [
        "STT", "Mã học sinh", "Số định danh cá nhân", "Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Lớp",
        "Môn 0", "Môn 1", "Môn 2", "Môn 3", "Môn 4", "Môn 5", "Giáo dục thể chất",
        "Kết quả học tập", "Kết quả rèn luyện", "Nghỉ có phép", "Nghỉ không phép", "Tổng số buổi nghỉ",
        "Danh hiệu", "Trạng thái", "Ghi chú",
    ]  # fmt: skip


def test_a_known_students_row_with_numbers_stored_as_numbers(exported):
    _world, _export, wb = exported
    ws = wb["Khối 6"]
    row = next(r for r in ws.iter_rows(min_row=HEADER_ROW + 1) if r[1].value == KNOWN_CODE)
    values = [c.value for c in row]
    assert values[1:8] == [KNOWN_CODE, KNOWN_ID, "Trần Đức Ưng", "24/12/2014", "Nam", "Tày", "6B"]
    assert values[8:15] == [7.5, 7.5, 7.5, 7.5, 7.5, 7.5, "Đ"]
    # Approved results of 6B: learning "Khá", conduct "Tốt"; two sessions P and one K in October.
    assert values[15:22] == ["Khá", "Tốt", 2, 1, 3, None, "Đang học"]
    score = row[8]
    assert score.data_type == "n" and score.number_format == "0.0"
    assert isinstance(score.value, float)


def test_unapproved_rows_are_computed_and_marked(exported):
    _world, _export, wb = exported
    rows = _rows(wb["Khối 6"])
    tuyet = next(r for r in rows if r[3] == "Nguyễn Thị Ánh Tuyết")
    assert tuyet[6:8] == ("Kinh", "6A")
    assert tuyet[8] == 5.5 and tuyet[15] == "Đạt"
    assert tuyet[22] == "Chưa được phê duyệt"


def test_students_in_class_order_then_the_vietnamese_order_leavers_listed_not_counted(exported):
    _world, export, wb = exported
    rows = _rows(wb["Khối 6"])
    assert [r[0] for r in rows] == list(range(1, len(rows) + 1))
    assert [r[7] for r in rows] == sorted(r[7] for r in rows)
    names_6b = [r[3] for r in rows if r[7] == "6B"]
    # By given name: An (the formula-looking family name), An0, An1, An2, then Ưng (ư after u).
    assert names_6b[0].endswith(" An") and names_6b[-1] == "Trần Đức Ưng"
    leaver = next(r for r in rows if r[21] and r[21].startswith("Chuyển đi"))
    assert leaver[21] == "Chuyển đi ngày 16/11/2026" and leaver[8] is None and leaver[15] is None
    assert export.student_count == len(rows) == 9


def test_a_formula_looking_name_stays_text(exported):
    _world, export, wb = exported
    rows = list(wb["Khối 6"].iter_rows(min_row=HEADER_ROW + 1))
    cell = next(r[3] for r in rows if r[3].value.startswith("=HYPERLINK"))
    assert cell.value == f"{FORMULA_NAME} An"
    assert cell.data_type == "s"
    assert cell.quotePrefix is True
    with zipfile.ZipFile(export.job.file.path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and "HYPERLINK" in sheet
    assert 't="inlineStr"' in sheet


def test_control_characters_from_word_are_stripped(exported):
    _world, _export, wb = exported
    row = next(r for r in _rows(wb["Khối 6"]) if r[1] == "HP31000888")
    assert row[6] == "Mường"


def test_the_statistics_sheet_counts_and_percentages(exported):
    _world, _export, wb = exported
    ws = wb["Thống kê"]
    cells = list(ws.iter_rows())
    titles = [r[0].value for r in cells]
    at = titles.index("Khối 6 – Kết quả học tập")
    assert [c.value for c in cells[at + 1][:6]] == ["Lớp", "Sĩ số", "Tốt", "%", "Khá", "%"]
    by_class = {r[0].value: r for r in cells[at + 2 : at + 5]}
    six_b = by_class["6B"]
    # 6B: An0-An2 "Tốt", Ưng "Khá", the formula-named student "Đạt" (6,0 everywhere).
    assert [c.value for c in six_b[1:10]] == [5, 3, 60, 1, 20, 1, 20, 0, 0]
    assert six_b[3].number_format == "0.0"
    total = by_class["Khối 6"]
    assert total[1].value == 8  # the leaver is not counted
    band = titles.index("Khối 6 – Phổ điểm môn Môn 1")
    assert [c.value for c in cells[band + 1][:4]] == ["Lớp", "Sĩ số", "0 – dưới 3,5", "%"]


def test_without_the_option_there_is_no_personal_id_column(django_capture_on_commit_callbacks):
    world = make_export_world()
    export = _export(world, django_capture_on_commit_callbacks, scope="class", class_group=world.classes[1])
    ws = load_workbook(export.job.file.path)["Khối 6"]
    header = [c.value for c in ws[HEADER_ROW]]
    assert "Số định danh cá nhân" not in header
    assert KNOWN_ID not in {v for row in ws.iter_rows(values_only=True) for v in row}
    assert {r[6] for r in _rows(ws)} == {"6B"}
    assert export.job.file_name.endswith("-lop-6b.xlsx")


def test_the_year_export_has_the_promotion_column(django_capture_on_commit_callbacks):
    world = make_export_world()
    export = _export(world, django_capture_on_commit_callbacks, period="year", scope="grade", grade_level=6)
    ws = load_workbook(export.job.file.path)["Khối 6"]
    header = [c.value for c in ws[HEADER_ROW]]
    assert header[header.index("Danh hiệu") + 1] == "Lên lớp"
    row = next(r for r in _rows(ws) if r[1] == KNOWN_CODE)
    # Not approved and no conduct rated for the year: the decision is not known yet.
    assert row[header.index("Lên lớp")] == "Chưa xác định"


@pytest.mark.parametrize("text", ["=1+1", "+84912", "-1", "@SUM(A1)", "\tTab", "\rCR"])
def test_every_risky_start_is_written_as_quoted_text(text, tmp_path):
    wb = Workbook(write_only=True)
    writer = SheetWriter(wb.create_sheet("x"))
    writer.append([text, Decimal("-1.5"), "bình thường"])
    path = tmp_path / "x.xlsx"
    wb.save(path)
    ws = load_workbook(path)["x"]
    # (XML turns a carriage return into a line feed when the file is read.)
    assert ws["A1"].data_type == "s" and ws["A1"].value.replace("\n", "\r") == text and ws["A1"].quotePrefix is True
    # A sign in front of a number is a sign: numbers are never neutralised.
    assert ws["B1"].data_type == "n" and ws["B1"].value == -1.5
    assert ws["C1"].value == "bình thường" and ws["C1"].quotePrefix is False


def test_clean_text_strips_what_xml_forbids():
    assert clean_text("Lê\x0bVăn\x00 Tám\x1f\ufffe") == "LêVăn Tám"
    assert clean_text("tab\tand\nnewline") == "tab\tand\nnewline"
    assert len(clean_text("x" * 40_000)) == 32_767


def test_every_cell_keeps_its_type_and_format(tmp_path):
    """The writer makes styled cells from styles computed once per sheet (G11): each cell still
    has its own type and format: scores and percentages numeric "0.0", integers numeric without
    format, texts inline strings, formula-looking texts quoted, headings bold."""
    wb = Workbook(write_only=True)
    writer = SheetWriter(wb.create_sheet("a"))
    writer.heading(["STT", "=Tiêu đề"])
    writer.append([1, Decimal("7.5"), 6.25, "An", "=1+1", "", None, True, "Đ", Decimal("10")])
    writer.append([2, Decimal("0"), 3, "-5", "Bình"])
    path = tmp_path / "t.xlsx"
    wb.save(path)
    ws = load_workbook(path)["a"]
    kinds = [[(c.value, c.data_type, c.number_format, bool(c.font.b), c.quotePrefix) for c in r] for r in ws.rows]
    general = "General"
    assert kinds[0][:2] == [("STT", "s", general, True, False), ("=Tiêu đề", "s", general, True, True)]
    assert kinds[1] == [
        (1, "n", general, False, False),
        (7.5, "n", "0.0", False, False),
        (6.25, "n", "0.0", False, False),
        ("An", "s", general, False, False),
        ("=1+1", "s", general, False, True),
        (None, "n", general, False, False),
        (None, "n", general, False, False),
        ("Có", "s", general, False, False),
        ("Đ", "s", general, False, False),
        (10, "n", "0.0", False, False),
    ]
    assert kinds[2][:5] == [
        (2, "n", general, False, False),
        (0, "n", "0.0", False, False),
        (3, "n", general, False, False),
        ("-5", "s", general, False, True),
        ("Bình", "s", general, False, False),
    ]
    with zipfile.ZipFile(path) as archive:
        sheet = archive.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet and sheet.count('t="inlineStr"') == 8


def test_the_district_statistics_add_up_grades_and_schools():
    from exports.selectors import SchoolCounts, district_statistics

    levels = ("Tốt", "Khá", "Đạt", "Chưa đạt", "Chưa có")
    lines = [
        SchoolCounts("A", "Trường A", 6, "Kết quả học tập", levels, 10, [4, 3, 2, 1, 0]),
        SchoolCounts("A", "Trường A", 7, "Kết quả học tập", levels, 5, [1, 1, 1, 1, 1]),
        SchoolCounts("B", "Trường B", 6, "Kết quả học tập", levels, 3, [0, 0, 3, 0, 0]),
        SchoolCounts("B", "Trường B", 6, "Kết quả rèn luyện", levels, 3, [3, 0, 0, 0, 0]),
    ]
    tables = {t.title: t for t in district_statistics(lines)}
    assert list(tables) == [
        "Khối 6 – Kết quả học tập",
        "Khối 6 – Kết quả rèn luyện",
        "Khối 7 – Kết quả học tập",
        "Tất cả các khối – Kết quả học tập",
    ]
    six = tables["Khối 6 – Kết quả học tập"].rows
    assert [(r.label, r.total, r.counts, r.is_total) for r in six] == [
        ("Trường A", 10, [4, 3, 2, 1, 0], False),
        ("Trường B", 3, [0, 0, 3, 0, 0], False),
        ("Khối 6", 13, [4, 3, 5, 1, 0], True),
    ]
    assert [str(p) for p in six[2].percents] == ["30.8", "23.1", "38.5", "7.7", "0.0"]
    every = tables["Tất cả các khối – Kết quả học tập"].rows
    assert [(r.label, r.total, r.counts) for r in every] == [
        ("Trường A", 15, [5, 4, 3, 2, 1]),
        ("Trường B", 3, [0, 0, 3, 0, 0]),
        ("Tất cả các trường", 18, [5, 4, 6, 2, 1]),
    ]
