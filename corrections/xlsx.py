"""The audit trail as an xlsx file (openpyxl, write-only). Renders only: the rows come from
``corrections.audit``. Every text cell is written as a string, so a name or a reason that starts
with "=", "+", "-" or "@" opens as text, never as a formula (ASVS 1.2.10)."""

from __future__ import annotations

import io
import re
from collections.abc import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font

from .audit import Entry

_ILLEGAL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


def _text(sheet, value: str, *, bold: bool = False) -> WriteOnlyCell:
    cell = WriteOnlyCell(sheet, value=_ILLEGAL.sub("", value or ""))
    cell.data_type = "s"  # never a formula, whatever the first character
    cell.alignment = Alignment(wrap_text=True, vertical="top")
    if bold:
        cell.font = Font(bold=True)
    return cell


def audit_workbook(entries: Iterable[Entry]) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Audit trail"))
    widths = {"A": 18, "B": 24, "C": 16, "D": 10, "E": 40, "F": 60, "G": 50}
    for letter, width in widths.items():
        sheet.column_dimensions[letter].width = width
    headers = [_("When"), _("Who"), _("Kind"), _("Action"), _("What"), _("Old → new"), _("Reason")]
    sheet.append([_text(sheet, h, bold=True) for h in headers])
    for entry in entries:
        changes = "\n".join(
            f"{label}: {old} → {new}" if old else f"{label}: {new}" for label, old, new in entry.changes
        )
        sheet.append(
            [
                _text(sheet, timezone.localtime(entry.when).strftime("%d/%m/%Y %H:%M:%S")),
                _text(sheet, entry.who),
                _text(sheet, entry.kind),
                _text(sheet, entry.action),
                _text(sheet, entry.subject),
                _text(sheet, changes),
                _text(sheet, entry.reason),
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()
