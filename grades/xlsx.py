"""The grid as an xlsx template, and an uploaded template read back into candidate values.

Rendering and reading only: the checks are the grid's own (``selectors.preview_candidates``) and
the write is ``services.score_record_many``. Reading never trusts the file: a size and shape
limit, ``read_only``/``data_only`` (no formula is evaluated), and every value that cannot be
used is kept as a refusal with its sheet row and column, never dropped.
"""

from __future__ import annotations

import io
from collections import Counter
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from .grid import GridSpec, clean_comment
from .models import COMMENT_COLUMN
from .selectors import Candidate, GridPage
from .services import Entry

SHEET = "Bảng điểm"
META_SHEET = "_sodiem"
CODE_HEADER = "Mã học sinh"
NUMBER_HEADER = "STT"
NAME_HEADER = "Họ và tên"
COMMENT_HEADER = "Nhận xét"
MAX_BYTES = 2 * 1024 * 1024
MAX_ROWS = 600
MAX_COLUMNS = 60
FIRST_DATA_ROW = 7
HEADER_ROW = 6


class UploadError(ValueError):
    """The file cannot be read as this grid's template; nothing was imported."""


def _put_text(ws, row: int, column: int, value: str) -> Cell:
    # User text (names, comments) is always a string cell, never a formula (§2.3: "=HYPERLINK(…)").
    cell = ws.cell(row=row, column=column, value=clean_comment(value))
    cell.data_type = "s"
    return cell


def build_template(page: GridPage) -> bytes:
    """One class × subject × term: student code, number, name, the rule set's columns with the
    values already entered, and the comment; a hidden sheet names the grid the file belongs to."""
    spec = page.spec
    term = page.term
    class_subject = spec.class_subject
    wb = Workbook()
    ws = wb.active
    ws.title = SHEET
    _put_text(ws, 1, 1, spec.school_year.school.name)
    _put_text(
        ws,
        2,
        1,
        f"Lớp {class_subject.class_group.name} · Môn {class_subject.subject.name} · {term} · "
        f"{spec.rule_set.regulation}",
    )
    _put_text(
        ws,
        3,
        1,
        "Nhập Đ (Đạt) hoặc CĐ (Chưa đạt)"
        if spec.is_comment
        else "Nhập điểm từ 0 đến 10, một chữ số thập phân (ví dụ 8,5)",
    )
    _put_text(ws, 4, 1, "V: vắng, chờ kiểm tra bù. Ô để trống không xóa điểm đã có. Không đổi mã học sinh và tên cột.")
    ws["A1"].font = Font(bold=True, size=13)
    headers = [CODE_HEADER, NUMBER_HEADER, NAME_HEADER, *[c.label for c in spec.columns], COMMENT_HEADER]
    fill = PatternFill("solid", fgColor="DDE7F3")
    for index, header in enumerate(headers, start=1):
        cell = ws.cell(row=HEADER_ROW, column=index, value=header)
        cell.font = Font(bold=True)
        cell.fill = fill
        cell.alignment = Alignment(horizontal="center")
    ws.column_dimensions["A"].width = 14
    ws.column_dimensions["B"].width = 5
    ws.column_dimensions["C"].width = 28
    for index in range(4, 4 + len(spec.columns)):
        ws.column_dimensions[get_column_letter(index)].width = 9
    ws.column_dimensions[get_column_letter(4 + len(spec.columns))].width = 40
    ws.freeze_panes = ws.cell(row=FIRST_DATA_ROW, column=4)
    for offset, row in enumerate(page.rows):
        r = FIRST_DATA_ROW + offset
        _put_text(ws, r, 1, row.student.student_code)
        ws.cell(row=r, column=2, value=row.number)
        _put_text(ws, r, 3, row.student.full_name + (f" ({row.note})" if row.note else ""))
        for c, cell_view in enumerate(row.cells, start=4):
            if cell_view.column == COMMENT_COLUMN:
                if cell_view.display:
                    _put_text(ws, r, c, cell_view.display)
                continue
            target = ws.cell(row=r, column=c)
            if cell_view.display and not spec.is_comment and cell_view.display != "V":
                target.value = Decimal(cell_view.display.replace(",", "."))
                target.number_format = "0.0"
            elif cell_view.display:
                _put_text(ws, r, c, cell_view.display)
    meta = wb.create_sheet(META_SHEET)
    meta.sheet_state = "hidden"
    meta.append(["class_subject", class_subject.pk])
    meta.append(["term", term.pk])
    meta.append(["columns", *spec.column_keys, COMMENT_COLUMN])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _as_text(value) -> tuple[str | None, str]:
    """(text, refusal) of one sheet value: numbers as written, never through a float's rounding."""
    if value is None:
        return None, ""
    if isinstance(value, bool):
        return None, _("TRUE/FALSE is not a score.")
    if isinstance(value, datetime | date | time):
        return None, _("The cell holds a date, not a score (Excel may have turned 8,5 into a date).")
    if isinstance(value, int):
        return str(value), ""
    if isinstance(value, float):
        try:
            return format(Decimal(repr(value)), "f"), ""
        except InvalidOperation:
            return None, _("The cell does not hold a number.")
    if isinstance(value, Decimal):
        return format(value, "f"), ""
    text = str(value)
    return (text if text.strip() else None), ""


def _code(values: tuple) -> str:
    return str(values[0]).strip() if values and values[0] is not None else ""


def read_upload(spec: GridSpec, *, term, enrolments, data: bytes) -> list[Candidate]:
    """Every non-empty value of an uploaded template, as candidates for the preview.

    Raises ``UploadError`` when the file is not a workbook, is too large, is another grid's
    template, or has no header row.
    """
    if len(data) > MAX_BYTES:
        raise UploadError(_("The file is too large (at most 2 MB)."))
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds of error on a damaged file
        raise UploadError(_("The file could not be read: it is not a valid Excel workbook (.xlsx).")) from exc
    try:
        return _read(spec, wb, term=term, enrolments=enrolments)
    finally:
        wb.close()


def _read(spec: GridSpec, wb, *, term, enrolments) -> list[Candidate]:
    if META_SHEET in wb.sheetnames:
        meta = {
            row[0]: row[1:]
            for row in wb[META_SHEET].iter_rows(max_row=10, max_col=MAX_COLUMNS, values_only=True)
            if row and row[0]
        }
        if meta.get("class_subject", [None])[0] != spec.class_subject.pk or meta.get("term", [None])[0] != term.pk:
            raise UploadError(
                _("This file is the template of another class, subject or term: download the template of this grid.")
            )
    ws = wb[SHEET] if SHEET in wb.sheetnames else wb.worksheets[0]
    rows = ws.iter_rows(max_row=MAX_ROWS + 1, max_col=MAX_COLUMNS + 1, values_only=True)
    header_index = None
    header: tuple = ()
    data_rows: list[tuple[int, tuple]] = []
    for number, values in enumerate(rows, start=1):
        if number > MAX_ROWS:
            raise UploadError(_("The sheet has too many rows (at most %(n)s).") % {"n": MAX_ROWS})
        if len(values) > MAX_COLUMNS and any(v not in (None, "") for v in values[MAX_COLUMNS:]):
            raise UploadError(_("The sheet has too many columns (at most %(n)s).") % {"n": MAX_COLUMNS})
        if header_index is None:
            if values and isinstance(values[0], str) and values[0].strip().casefold() == CODE_HEADER.casefold():
                header_index, header = number, values
            continue
        data_rows.append((number, values))
    if header_index is None:
        raise UploadError(
            _("No header row was found: the first column must be headed “%(header)s”.") % {"header": CODE_HEADER}
        )

    by_label = {c.label.casefold(): c.key for c in spec.columns}
    by_label[COMMENT_HEADER.casefold()] = COMMENT_COLUMN
    columns: dict[int, str | None] = {}
    for index, label in enumerate(header):
        if index == 0 or label is None:
            continue
        text = str(label).strip()
        if text.casefold() in (NUMBER_HEADER.casefold(), NAME_HEADER.casefold()):
            continue
        columns[index] = by_label.get(text.casefold())
        if columns[index] is None:
            columns[index] = f"?{text}"
    by_code = {e.student.student_code: e for e in enrolments}
    codes = Counter(_code(values) for _number, values in data_rows)
    candidates: list[Candidate] = []
    for number, values in data_rows:
        code = _code(values)
        enrolment = by_code.get(code)
        student = enrolment.student.full_name if enrolment else (code or "—")
        duplicate = bool(code) and codes[code] > 1
        for index, key in columns.items():
            if index >= len(values):
                continue
            text, refusal = _as_text(values[index])
            if text is None and not refusal:
                continue
            where = f"{get_column_letter(index + 1)}{number}"
            label = spec.label(key) if key and not key.startswith("?") else (key or "")[1:]
            if refusal:
                candidates.append(Candidate(student, label, "", refusal=refusal, where=where))
            elif key is None or key.startswith("?"):
                candidates.append(
                    Candidate(
                        student,
                        label,
                        text,
                        refusal=_("The column “%(label)s” is not in the grid.") % {"label": label},
                        where=where,
                    )
                )
            elif not code:
                candidates.append(
                    Candidate(student, label, text, refusal=_("The row has no student code."), where=where)
                )
            elif enrolment is None:
                candidates.append(
                    Candidate(
                        student,
                        label,
                        text,
                        refusal=_("No student with the code %(code)s is in the class.") % {"code": code},
                        where=where,
                    )
                )
            elif duplicate:
                candidates.append(
                    Candidate(
                        student,
                        label,
                        text,
                        refusal=_("The student code %(code)s appears on two rows.") % {"code": code},
                        where=where,
                    )
                )
            else:
                candidates.append(
                    Candidate(student, label, text, entry=Entry(enrolment.pk, term.pk, key, text), where=where)
                )
    return candidates
