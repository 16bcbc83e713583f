"""Parse and normalise what the homeroom teacher types: trimmed text, phone numbers with their
spaces and dots removed, dates. The rules (required fields, plausible dates, duplicates) are the
services' and come back as field errors."""

from __future__ import annotations

import json
import re
from datetime import date

from django import forms
from django.utils.translation import gettext_lazy as _

from schools.models import Enrolment, Student

from .services import CellChange

DATE_INPUTS = ["%Y-%m-%d", "%d/%m/%Y"]

# MOET's catalogue of Việt Nam's 54 ethnic groups (offered as suggestions; the field stays free text
# because the official spellings vary between documents).
ETHNIC_GROUPS = (
    "Kinh", "Tày", "Thái", "Mường", "Khmer", "Hoa", "Nùng", "Mông", "Dao", "Gia Rai", "Ê Đê", "Ba Na", "Sán Chay",
    "Chăm", "Cơ Ho", "Xơ Đăng", "Sán Dìu", "Hrê", "Ra Glai", "Mnông", "Thổ", "Xtiêng", "Khơ Mú", "Bru - Vân Kiều",
    "Cơ Tu", "Giáy", "Tà Ôi", "Mạ", "Giẻ Triêng", "Co", "Chơ Ro", "Xinh Mun", "Hà Nhì", "Chu Ru", "Lào", "La Chí",
    "Kháng", "Phù Lá", "La Hủ", "La Ha", "Pà Thẻn", "Lự", "Ngái", "Chứt", "Lô Lô", "Mảng", "Cơ Lao", "Bố Y", "Cống",
    "Si La", "Pu Péo", "Rơ Măm", "Brâu", "Ơ Đu", "Người nước ngoài",
)  # fmt: skip


def normalise_phone(value: str) -> str:
    text = re.sub(r"[\s.\-()]", "", value or "")
    return "0" + text[3:] if text.startswith("+84") else text


class StudentProfileForm(forms.Form):
    """The fields of LC Đ7.1 (section 13.1), plus the reason of the change for the history."""

    student_code = forms.CharField(label=_("Student code"), max_length=20)
    family_name = forms.CharField(label=_("Family and middle name"), max_length=100)
    given_name = forms.CharField(label=_("Given name"), max_length=50)
    date_of_birth = forms.DateField(
        label=_("Date of birth"),
        input_formats=DATE_INPUTS,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    gender = forms.ChoiceField(label=_("Gender"), choices=Student.Gender.choices)
    place_of_birth = forms.CharField(label=_("Place of birth"), max_length=200, required=False)
    ethnicity = forms.CharField(
        label=_("Ethnicity"), max_length=50, widget=forms.TextInput(attrs={"list": "ethnic-groups"})
    )
    religion = forms.CharField(label=_("Religion"), max_length=50, required=False)
    nationality = forms.CharField(label=_("Nationality"), max_length=50, initial="Việt Nam")
    national_id = forms.CharField(label=_("Personal ID number"), max_length=12, required=False)
    permanent_address = forms.CharField(label=_("Permanent address"), max_length=300)
    current_address = forms.CharField(label=_("Current address"), max_length=300, required=False)
    policy_family = forms.ChoiceField(label=_("Policy family"), choices=Student.PolicyFamily.choices, required=False)
    disability = forms.CharField(label=_("Disability"), max_length=200, required=False)
    father_name = forms.CharField(label=_("Father's name"), max_length=100, required=False)
    father_job = forms.CharField(label=_("Father's occupation"), max_length=100, required=False)
    father_phone = forms.CharField(label=_("Father's phone"), max_length=20, required=False)
    mother_name = forms.CharField(label=_("Mother's name"), max_length=100, required=False)
    mother_job = forms.CharField(label=_("Mother's occupation"), max_length=100, required=False)
    mother_phone = forms.CharField(label=_("Mother's phone"), max_length=20, required=False)
    guardian_name = forms.CharField(label=_("Guardian's name"), max_length=100, required=False)
    guardian_phone = forms.CharField(label=_("Guardian's phone"), max_length=20, required=False)
    contact_phone = forms.CharField(label=_("Contact phone"), max_length=20)
    notes = forms.CharField(
        label=_("Notable changes during the year (family, health, home)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    GROUPS = (
        (_("Student"), ("student_code", "family_name", "given_name", "date_of_birth", "gender", "place_of_birth")),
        (_("Identity"), ("ethnicity", "religion", "nationality", "national_id", "policy_family", "disability")),
        (_("Address"), ("permanent_address", "current_address")),
        (
            _("Family"),
            (
                "father_name",
                "father_job",
                "father_phone",
                "mother_name",
                "mother_job",
                "mother_phone",
                "guardian_name",
                "guardian_phone",
                "contact_phone",
            ),
        ),
        (_("Notes"), ("notes",)),
    )

    def clean(self):
        data = super().clean()
        for name, value in list(data.items()):
            if isinstance(value, str):
                data[name] = " ".join(value.split()) if name != "notes" else value.strip()
        for name in ("father_phone", "mother_phone", "guardian_phone", "contact_phone"):
            if name in data:
                data[name] = normalise_phone(data[name])
        return data

    def groups(self):
        return [(title, [self[name] for name in names]) for title, names in self.GROUPS]

    def profile(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields}

    def add_service_errors(self, errors: dict[str, list[str]]) -> None:
        for name, messages in errors.items():
            for message in messages:
                self.add_error(name if name in self.fields else None, message)


class ProfileEditForm(StudentProfileForm):
    fingerprint = forms.CharField(widget=forms.HiddenInput)
    reason = forms.CharField(label=_("Reason for the change"), max_length=200, required=False)

    def profile(self) -> dict:
        return {name: self.cleaned_data[name] for name in self.fields if name not in ("fingerprint", "reason")}


class TransferInForm(StudentProfileForm):
    enrolled_on = forms.DateField(
        label=_("Joins the class on"),
        input_formats=DATE_INPUTS,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )
    transfer_school = forms.CharField(label=_("Coming from the school"), max_length=200)
    enrolment_note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def profile(self) -> dict:
        skip = ("enrolled_on", "transfer_school", "enrolment_note")
        return {name: self.cleaned_data[name] for name in self.fields if name not in skip}


class LeaveForm(forms.Form):
    status = forms.ChoiceField(
        label=_("How the student leaves"),
        choices=[
            (Enrolment.Status.TRANSFERRED_OUT, _("Transferred out")),
            (Enrolment.Status.DROPPED_OUT, _("Dropped out")),
        ],
    )
    left_on = forms.DateField(
        label=_("From"), input_formats=DATE_INPUTS, widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"})
    )
    transfer_school = forms.CharField(label=_("Moving to the school"), max_length=200, required=False)
    note = forms.CharField(label=_("Note"), max_length=300)


class ImportUploadForm(forms.Form):
    file = forms.FileField(label=_("Class list (xlsx)"))
    enrolled_on = forms.DateField(
        label=_("The students join the class on"),
        input_formats=DATE_INPUTS,
        widget=forms.DateInput(format="%Y-%m-%d", attrs={"type": "date"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if not upload.name.lower().endswith(".xlsx"):
            raise forms.ValidationError(_("Choose an .xlsx file (the template)."))
        return upload


class ReopenForm(forms.Form):
    reason = forms.CharField(label=_("Reason for reopening"), max_length=300)


class MonthForm(forms.Form):
    year = forms.IntegerField(min_value=2000, max_value=2100)
    month = forms.IntegerField(min_value=1, max_value=12)


_CELL = re.compile(r"^c-(\d+)-(\d{8})-(all|am|pm)-(\d+)-([PKM_])$")


def _day(text: str) -> date:
    return date(int(text[:4]), int(text[4:6]), int(text[6:]))


def changes_from_form(post) -> list[CellChange]:
    """The cells of the month form (no JavaScript) whose value differs from the one loaded. Each
    field is named ``c-<enrolment>-<yyyymmdd>-<session>-<version seen>-<code loaded or _>``."""
    changes = []
    for name, value in post.items():
        match = _CELL.match(name)
        if not match:
            continue
        enrolment, day, session, version, loaded = match.groups()
        code = value.strip().upper()
        if code == (loaded if loaded != "_" else ""):
            continue
        try:
            changes.append(CellChange(int(enrolment), _day(day), session, code, int(version)))
        except ValueError as exc:
            raise forms.ValidationError(_("A cell of the form is damaged: reload the page.")) from exc
    return changes


def changes_from_json(body: bytes) -> list[CellChange]:
    """The cells sent by the grid's script: ``{"cells": [{"enrolment": 12, "date": "2026-09-07",
    "session": "all", "code": "P", "version": 0}]}``."""
    try:
        data = json.loads(body.decode("utf-8"))
        cells = data["cells"]
        if not isinstance(cells, list) or len(cells) > 5000:
            raise ValueError
        return [
            CellChange(
                enrolment_id=int(c["enrolment"]),
                date=date.fromisoformat(str(c["date"])),
                session=str(c["session"]),
                code=str(c.get("code") or "").strip().upper(),
                version=int(c["version"]),
                note=None if c.get("note") is None else str(c["note"])[:200],
            )
            for c in cells
        ]
    except (ValueError, KeyError, TypeError, UnicodeDecodeError) as exc:
        raise forms.ValidationError(_("The data sent cannot be read: reload the page.")) from exc
