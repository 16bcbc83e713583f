"""The export workbooks, written with openpyxl in write-only mode: rows are streamed to disk as they
come, so memory stays flat whatever the size of the school or the district (performance §2.3).

Only layout here: the rows, statistics and headers come from ``selectors`` and ``services``.

Safety (performance §2.1-2.3, ASVS 1.2.10):
- every text is cleaned of the control characters XML forbids (a ``\\x0b`` pasted from Word would
  make openpyxl raise ``IllegalCharacterError`` and crash the whole export);
- every text is written as an inline string (``t="inlineStr"``), never as a formula: openpyxl
  turns any text starting with ``=`` into a live formula unless the cell's type is forced, and a
  text starting with ``= + - @`` or a tab also gets Excel's quote prefix, so editing the cell in
  Excel keeps it text;
- scores are numbers (``Decimal``) shown with one decimal (``0.0``): the Phòng/Sở compute with them.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from openpyxl import Workbook, load_workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import Cell
from openpyxl.styles import Font
from openpyxl.styles.cell_style import StyleArray
from openpyxl.utils import get_column_letter

from .selectors import (
    CONDUCT_NAMES,
    LEARNING_NAMES,
    ExportRow,
    GradeLayout,
    SchoolCounts,
    StatTable,
    district_statistics,
)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
SCORE_FORMAT = "0.0"
PERCENT_FORMAT = "0.0"
HEADER_ROW = 6  # rows 1-4 name the office, the school, the report and its state; row 6 the columns
FIRST_DATA_ROW = HEADER_ROW + 1
# XML 1.0 forbids these (openpyxl's ILLEGAL_CHARACTERS_RE, plus the non-characters and lone surrogates).
_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")
_RISKY_START = ("=", "+", "-", "@", "\t", "\r")
MAX_TEXT = 32_767  # Excel's limit for one cell


def clean_text(value: str) -> str:
    """A text as it may go into a cell: no XML-illegal control characters, within Excel's limit."""
    return _ILLEGAL.sub("", value)[:MAX_TEXT]


class SheetWriter:
    """Appends rows to a write-only sheet with safe text cells and one-decimal number cells.

    Speed (G11): a styled cell is made from a style computed once per sheet (``Cell(...,
    style_array=…)``), never by setting ``number_format``/``font`` on each cell, which looks the
    style up in the workbook's tables every time; plain texts and integers go in as bare values
    (openpyxl writes them through one reused cell)."""

    def __init__(self, ws):
        self.ws = ws
        self._styles: dict[tuple, StyleArray] = {}

    def _style(self, *, number_format: str | None = None, bold: bool = False, quote: bool = False) -> StyleArray:
        key = (number_format, bold, quote)
        style = self._styles.get(key)
        if style is None:
            template = WriteOnlyCell(self.ws)
            if number_format is not None:
                template.number_format = number_format
            if bold:
                template.font = Font(bold=True)
            if quote:
                template.quotePrefix = True
            style = self._styles[key] = template._style
        return style

    def text(self, value: str, *, bold: bool = False):
        """A text cell: cleaned, written as a string whatever it starts with."""
        value = clean_text(value)
        risky = value.startswith(_RISKY_START)
        if not bold and not risky:
            return value  # openpyxl writes plain text as an inline string already
        cell = Cell(self.ws, row=1, column=1, style_array=self._style(bold=bold, quote=risky))
        cell._value = value
        cell.data_type = "s"  # never a formula, even for "=HYPERLINK(…)"
        return cell

    def number(self, value: Decimal | float | int, number_format: str = SCORE_FORMAT):
        return Cell(self.ws, row=1, column=1, value=value, style_array=self._style(number_format=number_format))

    def value(self, value):
        """Any value: numbers stay numbers (scores with one decimal), everything else is safe text."""
        kind = type(value)
        if kind is str:
            return self.text(value) if value else None
        if kind is Decimal or kind is float:
            return self.number(value)
        if kind is int:
            return value
        if value is None or value == "":
            return None
        if kind is bool:
            return self.text("Có" if value else "Không")
        if isinstance(value, Decimal | float):
            return self.number(value)
        if isinstance(value, int):
            return value
        return self.text(str(value))

    def append(self, values: Iterable) -> None:
        value = self.value
        self.ws.append([value(v) for v in values])

    def heading(self, values: Iterable[str]) -> None:
        self.ws.append([self.text(v, bold=True) for v in values])

    def title(self, value: str) -> None:
        self.ws.append([self.text(value, bold=True)])


def _widths(ws, widths: list[float]) -> None:
    for index, width in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(index)].width = width


# --- the results workbook ---------------------------------------------------------------------


@dataclass
class Heading:
    """The first rows of every sheet: who sends what (the school, the year, the period)."""

    office: str  # "Sở Giáo dục và Đào tạo Hải Phòng – Phòng Giáo dục và Đào tạo quận Lê Chân"
    school: str  # "Trường THCS Bình An (mã trường THCS-BINHAN)"
    report: str  # "KẾT QUẢ HỌC TẬP VÀ RÈN LUYỆN HỌC KÌ I – NĂM HỌC 2026-2027"
    state: str  # "Xuất lúc 14:03 05/01/2027 bởi …; kết quả chưa được phê duyệt …"


def result_columns(layout: GradeLayout, *, with_national_id: bool, year: bool) -> list[str]:
    columns = ["STT", "Mã học sinh"]
    if with_national_id:
        columns.append("Số định danh cá nhân")
    columns += ["Họ và tên", "Ngày sinh", "Giới tính", "Dân tộc", "Lớp"]
    columns += [s.name for s in layout.subjects]
    columns += [layout.learning_name, layout.conduct_name, "Nghỉ có phép", "Nghỉ không phép", "Tổng số buổi nghỉ"]
    columns.append("Danh hiệu")
    if year:
        columns.append("Lên lớp")
    columns += ["Trạng thái", "Ghi chú"]
    return columns


def _result_values(number: int, row: ExportRow, layout: GradeLayout, *, with_national_id: bool, year: bool) -> list:
    values: list = [number, row.student_code]
    if with_national_id:
        values.append(row.national_id)
    values += [row.full_name, row.date_of_birth, row.gender, row.ethnicity, row.class_name]
    values += [row.subjects.get(s.code) for s in layout.subjects]
    values += [row.learning, row.conduct, row.excused, row.unexcused, row.absent, row.honours]
    if year:
        values.append(row.promotion)
    values += [row.status, row.note]
    return values


def _heading(writer: SheetWriter, heading: Heading, report: str) -> None:
    writer.title(heading.office)
    writer.title(heading.school)
    writer.title(report)
    writer.append([heading.state])
    writer.append([])


def write_results(
    path: Path,
    *,
    heading: Heading,
    layouts: dict[int, GradeLayout],
    rows: Iterator[ExportRow],
    with_national_id: bool,
    year: bool,
    statistics: Callable[[], list[StatTable]],
) -> None:
    """One sheet per grade level, then the statistics sheet (``statistics`` is called once every row
    has been written, so it can count them as they stream by)."""
    wb = Workbook(write_only=True)
    sheets: dict[int, tuple[SheetWriter, GradeLayout, list[int]]] = {}
    for grade, layout in sorted(layouts.items()):
        ws = wb.create_sheet(f"Khối {grade}")
        columns = result_columns(layout, with_national_id=with_national_id, year=year)
        _widths(ws, [5, 14, *([14] if with_national_id else []), 26, 11, 8, 9, 7] + [9] * len(layout.subjects) + [14])
        ws.freeze_panes = f"{get_column_letter(4 + with_national_id)}{FIRST_DATA_ROW}"
        writer = SheetWriter(ws)
        _heading(writer, heading, f"{heading.report} – KHỐI {grade}")
        writer.heading(columns)
        sheets[grade] = (writer, layout, [0])
    for row in rows:
        writer, layout, counter = sheets[row.grade]
        counter[0] += 1
        writer.append(_result_values(counter[0], row, layout, with_national_id=with_national_id, year=year))
    stats = wb.create_sheet(STATISTICS_SHEET)
    write_statistics(SheetWriter(stats), heading, statistics())
    wb.save(path)


STATISTICS_SHEET = "Thống kê"


def write_statistics(writer: SheetWriter, heading: Heading, tables: list[StatTable], *, first: str = "Lớp") -> None:
    _widths(writer.ws, [34 if first != "Lớp" else 22, 8] + [8, 7] * 9)
    _heading(writer, heading, f"THỐNG KÊ {heading.report}")
    for table in tables:
        writer.title(table.title)
        top = [first, "Sĩ số"]
        for category in table.categories:
            top += [category, "%"]
        writer.heading(top)
        for row in table.rows:
            values: list = [writer.text(row.label, bold=row.is_total), row.total]
            for count, share in row.cells:
                values += [count, writer.number(share, PERCENT_FORMAT) if share is not None else None]
            writer.ws.append(values)
        writer.append([])


# --- the district's combined workbook ------------------------------------------------------------


@dataclass
class SchoolFile:
    """One school's export as the district receives it."""

    code: str
    name: str
    path: Path | None  # None: the school has not sent this export
    summary: list  # the school's line on the summary sheet


SUMMARY_COLUMNS = [
    "STT",
    "Mã trường",
    "Trường",
    "Trạng thái",
    "Xuất lúc",
    "Người xuất",
    "Số học sinh",
    "Kết quả đã phê duyệt",
    "Bản cập nhật",
    "SHA-256 của tệp",
]


def _grade_sheets(path: Path) -> dict[str, list[str]]:
    """The grade sheets of a school's export and their column names (read back from the file)."""
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        found = {}
        for ws in wb.worksheets:
            if not ws.title.startswith("Khối "):
                continue
            header = next(ws.iter_rows(min_row=HEADER_ROW, max_row=HEADER_ROW, values_only=True), ())
            found[ws.title] = [str(v) if v is not None else "" for v in header]
        return found
    finally:
        wb.close()


def school_counts(path: Path, code: str, school: str) -> list[SchoolCounts]:
    """The grade totals of the learning and conduct tables of a school's statistics sheet (as
    ``write_statistics`` laid them out: a title "Khối 6 – Kết quả học tập", the header row "Lớp,
    Sĩ số, level, %, …", a row per class, the grade's total last, an empty row)."""
    wb = load_workbook(path, read_only=True, data_only=True)
    try:
        if STATISTICS_SHEET not in wb.sheetnames:
            return []
        rows = [list(r) for r in wb[STATISTICS_SHEET].iter_rows(min_row=HEADER_ROW, values_only=True)]
    finally:
        wb.close()
    found: list[SchoolCounts] = []
    index = 0
    while index < len(rows) - 1:
        title, header = rows[index], rows[index + 1]
        index += 1
        if not title or not isinstance(title[0], str) or not header or header[0] != "Lớp":
            continue
        label, _dash, aspect = title[0].partition(" – ")
        grade = label.removeprefix("Khối ")
        if aspect not in LEARNING_NAMES + CONDUCT_NAMES or not grade.isdigit():
            continue
        categories = tuple(str(v) for v in header[2::2] if v is not None)
        end = index + 1
        while end < len(rows) and rows[end] and rows[end][0] is not None:
            end += 1
        if end == index + 1:
            continue
        total = rows[end - 1]
        counts = [int(v or 0) for v in total[2 : 2 + 2 * len(categories) : 2]]
        found.append(SchoolCounts(code, school, int(grade), aspect, categories, int(total[1] or 0), counts))
        index = end
    return found


def combine_district(
    path: Path,
    *,
    heading: Heading,
    schools: list[SchoolFile],
    progress: Callable[[float, str], None] = lambda fraction, message: None,
) -> int:
    """The district's workbook: a summary sheet (every school and the state of its export), then one
    sheet per grade level with every school's rows (a school's columns matched by name), then the
    statistics sheet (per grade and per school: learning and conduct levels, from each school's
    statistics, ``selectors.district_statistics``). Reads each
    school's file in read-only mode and writes in write-only mode: memory stays flat. Returns the
    number of student rows."""
    wb = Workbook(write_only=True)
    summary = SheetWriter(wb.create_sheet("Tổng hợp"))
    _widths(summary.ws, [5, 14, 34, 12, 17, 22, 10, 12, 12, 66])
    _heading(summary, heading, f"TỔNG HỢP {heading.report}")
    summary.heading(SUMMARY_COLUMNS)
    for number, school in enumerate(schools, start=1):
        summary.append([number, school.code, school.name, *school.summary])

    sent = [s for s in schools if s.path is not None]
    layouts: dict[str, list[str]] = {}
    per_school: list[dict[str, list[str]]] = []
    counts: list[SchoolCounts] = []
    for school in sent:
        sheets = _grade_sheets(school.path)
        counts += school_counts(school.path, school.code, school.name)
        per_school.append(sheets)
        for title, columns in sheets.items():
            union = layouts.setdefault(title, [])
            for column in columns:
                if column and column != "STT" and column not in union:
                    union.append(column)
    writers: dict[str, SheetWriter] = {}
    for title in sorted(layouts, key=lambda t: int(t.split()[-1]) if t.split()[-1].isdigit() else 99):
        writer = SheetWriter(wb.create_sheet(title))
        _widths(writer.ws, [6, 14, 30, 14, 14, 26])
        _heading(writer, heading, f"TỔNG HỢP {heading.report} – {title.upper()}")
        writer.heading(["STT", "Mã trường", "Trường", *layouts[title]])
        writers[title] = writer
    counters = dict.fromkeys(writers, 0)
    total = 0
    for index, (school, sheets) in enumerate(zip(sent, per_school, strict=True)):
        progress(index / max(len(sent), 1), f"Đang gộp {school.name}")
        wb_in = load_workbook(school.path, read_only=True, data_only=True)
        try:
            for title, columns in sheets.items():
                union = layouts[title]
                where = [union.index(c) if c in union else None for c in columns]
                writer = writers[title]
                for values in wb_in[title].iter_rows(min_row=FIRST_DATA_ROW, values_only=True):
                    if not any(v is not None for v in values):
                        continue
                    out: list = [None] * len(union)
                    for position, value in zip(where, values, strict=False):
                        if position is not None:
                            out[position] = value
                    counters[title] += 1
                    total += 1
                    writer.append([counters[title], school.code, school.name, *out])
        finally:
            wb_in.close()
    stats = SheetWriter(wb.create_sheet(STATISTICS_SHEET))
    write_statistics(stats, heading, district_statistics(counts), first="Trường")
    wb.save(path)
    return total
