"""Builders shared by the attendance tests."""

from __future__ import annotations

import io
from datetime import date

from attendance.imports import COLUMNS
from attendance.services import CellChange, attendance_record_many
from schools.models import Enrolment


def enrolments(class_group) -> list[Enrolment]:
    return list(Enrolment.objects.filter(class_group=class_group).select_related("student").order_by("pk"))


def mark(class_group, actor, *cells, today: date = date(2027, 6, 30)):
    """Record cells given as (enrolment, date, code) or (enrolment, date, code, session)."""
    changes = []
    for cell in cells:
        enrolment, day, code = cell[:3]
        session = cell[3] if len(cell) > 3 else "all"
        changes.append(CellChange(enrolment.pk, day, session, code, 0))
    return attendance_record_many(class_group=class_group, changes=changes, actor=actor, today=today)


def student_row(**overrides) -> dict:
    row = {
        "student_code": "HS900001",
        "family_name": "Trần Thị",
        "given_name": "Mai",
        "date_of_birth": "05/09/2015",
        "gender": "Nữ",
        "place_of_birth": "Hải Phòng",
        "ethnicity": "Kinh",
        "permanent_address": "Số 1 Tô Hiệu, Lê Chân, Hải Phòng",
        "mother_name": "Phạm Thị Hoa",
        "contact_phone": "0912345678",
    }
    row.update(overrides)
    return row


def xlsx(rows: list[dict], headers: list[str] | None = None) -> bytes:
    """An xlsx file with the template's headers (or the given ones) and one row per dict."""
    from openpyxl import Workbook

    labels = dict(COLUMNS)
    names = [name for name, _label in COLUMNS]
    wb = Workbook()
    ws = wb.active
    ws.append(headers or [labels[n] for n in names])
    for row in rows:
        ws.append([row.get(n) for n in names])
    buffer = io.BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
