"""The class list as an xlsx file: the blank template, and the reading of an upload into rows that
are checked one by one (new / already in the class / error) before anything is written.

The upload is read with openpyxl in read-only mode (constant memory, values not formulas). Every
row keeps its spreadsheet row number so each refusal names it; no row is ever dropped silently.
"""

from __future__ import annotations

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from django.utils import translation
from django.utils.translation import gettext as _

from schools.models import ClassGroup, Enrolment, Student
from schools.services import student_profile_errors

MAX_ROWS = 200
MAX_BYTES = 2 * 1024 * 1024

# (field, header in the template). The fields of LC Đ7.1 and section 13.1, in the book's order.
COLUMNS = (
    ("student_code", "Mã học sinh"),
    ("family_name", "Họ và tên đệm"),
    ("given_name", "Tên"),
    ("date_of_birth", "Ngày sinh (dd/mm/yyyy)"),
    ("gender", "Giới tính (Nam/Nữ)"),
    ("place_of_birth", "Nơi sinh"),
    ("ethnicity", "Dân tộc"),
    ("religion", "Tôn giáo"),
    ("nationality", "Quốc tịch"),
    ("national_id", "Số định danh cá nhân"),
    ("permanent_address", "Địa chỉ thường trú"),
    ("current_address", "Chỗ ở hiện nay"),
    ("policy_family", "Đối tượng chính sách"),
    ("disability", "Khuyết tật"),
    ("father_name", "Họ tên cha"),
    ("father_job", "Nghề nghiệp cha"),
    ("father_phone", "Điện thoại cha"),
    ("mother_name", "Họ tên mẹ"),
    ("mother_job", "Nghề nghiệp mẹ"),
    ("mother_phone", "Điện thoại mẹ"),
    ("guardian_name", "Họ tên người giám hộ"),
    ("guardian_phone", "Điện thoại người giám hộ"),
    ("contact_phone", "Điện thoại liên hệ"),
    ("notes", "Những thay đổi cần chú ý"),
)
REQUIRED_COLUMNS = (
    "student_code",
    "family_name",
    "given_name",
    "date_of_birth",
    "gender",
    "ethnicity",
    "permanent_address",
    "contact_phone",
)
IGNORED_HEADERS = ("stt",)
TEXT_AS_DIGITS = ("student_code", "national_id", "father_phone", "mother_phone", "guardian_phone", "contact_phone")
PHONES = ("father_phone", "mother_phone", "guardian_phone", "contact_phone")


class ImportFileError(Exception):
    """The file as a whole cannot be read (not an xlsx, no header, too many rows)."""


def _fold(text: str) -> str:
    """Lower case, no diacritics, no bracketed hint, single spaces: how headers and labels compare."""
    text = re.sub(r"\(.*?\)", "", str(text)).replace("đ", "d").replace("Đ", "D")
    text = "".join(ch for ch in unicodedata.normalize("NFD", text) if not unicodedata.combining(ch))
    return " ".join(text.lower().split())


_HEADER_FIELDS = {_fold(label): name for name, label in COLUMNS}


def template_workbook() -> bytes:
    """The blank class-list template: one header row, text-formatted code and phone columns, and a
    second sheet explaining each column."""
    from openpyxl import Workbook
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    wb = Workbook()
    ws = wb.active
    ws.title = "Danh sách lớp"
    ws.append([label for _name, label in COLUMNS])
    for index, (name, label) in enumerate(COLUMNS, start=1):
        letter = get_column_letter(index)
        ws.cell(row=1, column=index).font = Font(bold=True)
        ws.column_dimensions[letter].width = max(12, len(label) + 2)
        if name in TEXT_AS_DIGITS:
            # Text, so Excel keeps the leading 0 of a phone number and of a code.
            ws.column_dimensions[letter].number_format = "@"
    ws.freeze_panes = "A2"
    guide = wb.create_sheet("Hướng dẫn")
    guide.append(["Cột", "Cách ghi"])
    notes = {
        "student_code": "Bắt buộc. Mã học sinh trên CSDL ngành (chữ và số).",
        "family_name": "Bắt buộc. Ví dụ: Nguyễn Thị",
        "given_name": "Bắt buộc. Ví dụ: Lan",
        "date_of_birth": "Bắt buộc. Ngày/tháng/năm, ví dụ 05/09/2015.",
        "gender": "Bắt buộc. Nam hoặc Nữ.",
        "ethnicity": "Bắt buộc. Ví dụ: Kinh, Tày, Mường.",
        "national_id": "12 chữ số, nếu có.",
        "nationality": "Để trống là Việt Nam.",
        "permanent_address": "Bắt buộc.",
        "policy_family": "Để trống nếu không thuộc đối tượng nào; nếu có, ghi đúng tên đối tượng.",
        "father_name": "Ghi ít nhất một người: cha, mẹ hoặc người giám hộ.",
        "contact_phone": "Bắt buộc. 10 chữ số (máy bàn 11), bắt đầu bằng 0.",
    }
    for name, label in COLUMNS:
        guide.append([label, notes.get(name, "")])
    guide.column_dimensions["A"].width = 30
    guide.column_dimensions["B"].width = 80
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def _text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", " ".join(str(value).split()))


def _phone(value) -> str:
    if isinstance(value, int | float) and not isinstance(value, bool):
        digits = _text(value)
        # Excel turned the number into a numeral and dropped its leading 0 (0912… → 912…).
        return f"0{digits}" if len(digits) in (9, 10) and not digits.startswith("0") else digits
    text = re.sub(r"[\s.\-()]", "", _text(value))
    if text.startswith("+84"):
        text = "0" + text[3:]
    return text


def _date(value) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value)
    match = re.fullmatch(r"(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})", text)
    if not match:
        raise ValueError
    day, month, year = (int(g) for g in match.groups())
    return date(year, month, day)


def _gender(value) -> str:
    folded = _fold(_text(value))
    genders = {"nam": Student.Gender.MALE, "nu": Student.Gender.FEMALE}
    if folded not in genders:
        raise ValueError
    return genders[folded]


def _policy(value) -> str:
    folded = _fold(_text(value))
    if not folded or folded in ("khong", "none"):
        return ""
    with translation.override("vi"):
        labels = {_fold(str(label)): code for code, label in Student.PolicyFamily.choices if code}
    codes = {code: code for code in Student.PolicyFamily.values if code}
    if folded in labels:
        return labels[folded]
    if folded in codes:
        return codes[folded]
    raise ValueError


@dataclass
class ImportRow:
    """One data row of the upload: its values as stored (JSON-ready) and what the check found."""

    row: int
    values: dict
    parse_errors: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    status: str = ""  # "new", "existing" (a student of the school, enrolled now), "duplicate", "error"
    student_id: int | None = None
    detail: str = ""

    def as_json(self) -> dict:
        return {"row": self.row, "values": self.values, "parse_errors": self.parse_errors}

    @property
    def name(self) -> str:
        return f"{self.values.get('family_name', '')} {self.values.get('given_name', '')}".strip()

    @property
    def date_of_birth(self) -> date | None:
        value = self.values.get("date_of_birth")
        return date.fromisoformat(value) if value else None

    def student(self) -> Student:
        values = {**self.values, "date_of_birth": self.date_of_birth}
        if not values.get("nationality"):
            values["nationality"] = "Việt Nam"
        return Student(**{k: v for k, v in values.items() if v is not None})


def read_upload(data: bytes) -> list[ImportRow]:
    """Read an uploaded xlsx into rows with their parse errors. ``ImportFileError`` for a file that
    cannot be used at all (its message says why)."""
    from openpyxl import load_workbook

    if len(data) > MAX_BYTES:
        raise ImportFileError(_("The file is larger than 2 MB: a class list is much smaller."))
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise ImportFileError(_("This is not an xlsx file. Use the template (Excel 2007 or later)."))
    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds on a damaged file
        raise ImportFileError(_("The file cannot be read as an xlsx workbook.")) from exc
    try:
        sheet = workbook.worksheets[0]
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            raise ImportFileError(_("The first sheet is empty."))
        fields: list[str | None] = []
        unknown = []
        for cell in header:
            folded = _fold(_text(cell))
            if not folded or folded in IGNORED_HEADERS:
                fields.append(None)
            elif folded in _HEADER_FIELDS:
                fields.append(_HEADER_FIELDS[folded])
            else:
                fields.append(None)
                unknown.append(_text(cell))
        if unknown:
            raise ImportFileError(
                _("Unknown columns in the first row: %(cols)s. Use the headers of the template.")
                % {"cols": ", ".join(unknown)}
            )
        labels = dict(COLUMNS)
        missing = [labels[name] for name in REQUIRED_COLUMNS if name not in fields]
        if missing:
            raise ImportFileError(_("Missing columns: %(cols)s.") % {"cols": ", ".join(missing)})
        result = []
        for number, cells in enumerate(rows, start=2):
            if all(_text(c) == "" for c in cells):
                continue
            if len(result) >= MAX_ROWS:
                raise ImportFileError(_("More than %(n)s students in one file.") % {"n": MAX_ROWS})
            result.append(_parse_row(number, dict(zip(fields, cells, strict=False))))
        if not result:
            raise ImportFileError(_("The file has a header but no student."))
        return result
    finally:
        workbook.close()


def _parse_row(number: int, cells: dict) -> ImportRow:
    cells.pop(None, None)
    labels = dict(COLUMNS)
    values: dict = {}
    errors = []
    for name, raw in cells.items():
        try:
            if name == "date_of_birth":
                parsed = _date(raw) if _text(raw) or isinstance(raw, date) else None
                values[name] = parsed.isoformat() if parsed else None
            elif name == "gender":
                values[name] = _gender(raw) if _text(raw) else ""
            elif name == "policy_family":
                values[name] = _policy(raw)
            elif name in PHONES:
                values[name] = _phone(raw)
            else:
                values[name] = _text(raw)
        except ValueError:
            values[name] = None if name == "date_of_birth" else _text(raw)
            errors.append(_("%(column)s: “%(value)s” cannot be read.") % {"column": labels[name], "value": _text(raw)})
    return ImportRow(row=number, values=values, parse_errors=errors)


def check_rows(class_group: ClassGroup, rows: list[ImportRow]) -> list[ImportRow]:
    """Classify every row against the file and the database (three queries whatever the size):

    - ``new``: a student the school does not know yet, profile valid: created and enrolled;
    - ``existing``: the code of a student of the school (same name and date of birth) not yet in a
      class this year: enrolled, profile kept;
    - ``duplicate``: already in this class: nothing to do;
    - ``error``: with the reasons (bad values, a code used twice in the file or by another student,
      a student already in another class, a name and date of birth already in the school under
      another code).
    """
    year = class_group.school_year
    labels = dict(COLUMNS)
    codes = [r.values.get("student_code", "") for r in rows]
    by_code = {s.student_code: s for s in Student.objects.filter(school_id=year.school_id, student_code__in=set(codes))}
    dobs = {r.date_of_birth for r in rows if r.date_of_birth}
    by_identity: dict[tuple[str, str, date], Student] = {}
    for s in Student.objects.filter(school_id=year.school_id, date_of_birth__in=dobs):
        by_identity[(s.family_name.casefold(), s.given_name.casefold(), s.date_of_birth)] = s
    student_ids = {s.pk for s in by_code.values()} | {s.pk for s in by_identity.values()}
    enrolled = {
        e.student_id: e
        for e in Enrolment.objects.filter(school_year=year, student_id__in=student_ids).select_related("class_group")
    }
    first_code: dict[str, int] = {}
    first_identity: dict[tuple, int] = {}
    for row in rows:
        errors = list(row.parse_errors)
        code = row.values.get("student_code", "")
        identity = (
            row.values.get("family_name", "").casefold(),
            row.values.get("given_name", "").casefold(),
            row.date_of_birth,
        )
        if code and code in first_code:
            errors.append(_("The student code is also on row %(row)s.") % {"row": first_code[code]})
        first_code.setdefault(code, row.row)
        if row.date_of_birth and identity in first_identity:
            errors.append(
                _("The same name and date of birth are also on row %(row)s.") % {"row": first_identity[identity]}
            )
        first_identity.setdefault(identity, row.row)
        known = by_code.get(code)
        twin = by_identity.get(identity) if row.date_of_birth else None
        row.student_id, row.detail = None, ""
        if known is not None:
            same = (known.family_name.casefold(), known.given_name.casefold(), known.date_of_birth) == identity
            enrolment = enrolled.get(known.pk)
            if not same:
                errors.append(
                    _("Code %(code)s belongs to another student: %(name)s, born %(dob)s.")
                    % {"code": code, "name": known.full_name, "dob": known.date_of_birth.strftime("%d/%m/%Y")}
                )
            elif enrolment is not None and enrolment.class_group_id != class_group.pk:
                errors.append(
                    _("This student is already in class %(cls)s this school year.") % {"cls": enrolment.class_group}
                )
            row.student_id = known.pk
            if not errors:
                row.status = "duplicate" if enrolment is not None else "existing"
                row.detail = (
                    _("Already in the class: nothing to do.")
                    if enrolment is not None
                    else _("Already a student of the school: joins the class, profile kept.")
                )
        else:
            if twin is not None:
                errors.append(
                    _("A student with this name and date of birth is already in the school under code %(code)s.")
                    % {"code": twin.student_code}
                )
            if not row.parse_errors:
                problems = student_profile_errors(row.student(), on=year.start_date)
                for name, messages in problems.items():
                    errors.extend(f"{labels.get(name, name)}: {m}" for m in messages)
            if not errors:
                row.status = "new"
                row.detail = _("New student: profile created and joins the class.")
        if errors:
            row.status = "error"
        row.errors = errors
    return rows


def rows_from_json(data: list[dict]) -> list[ImportRow]:
    return [ImportRow(row=d["row"], values=d["values"], parse_errors=list(d.get("parse_errors", []))) for d in data]
