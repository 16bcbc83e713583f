"""Shapes of the grade-entry requests. The typed values themselves are read by the grid's parser
(``grid.parse_entry``) in the service, where the rule set is known; these forms check the ids, the
sizes and the kinds of the fields, with Vietnamese messages."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .selectors import MAX_PASTE_CHARACTERS, TERM, YEAR
from .services import Entry

MAX_VALUE_LENGTH = 5000
MAX_ENTRIES = 3000

_too_long = {"max_length": _("The value is too long.")}


class CellForm(forms.Form):
    hs = forms.IntegerField(min_value=1)
    term = forms.IntegerField(min_value=1)
    col = forms.CharField(max_length=20)
    value = forms.CharField(required=False, strip=False, max_length=MAX_VALUE_LENGTH, error_messages=_too_long)
    version = forms.IntegerField(min_value=0)
    no_makeup = forms.BooleanField(required=False)

    def entry(self) -> Entry:
        return self.entry_of(self.cleaned_data)

    @staticmethod
    def entry_of(data: dict) -> Entry:
        return Entry(
            enrolment_id=data["hs"],
            term_id=data["term"],
            column=data["col"],
            text=data["value"] or "",
            version=data["version"],
            no_makeup=data["no_makeup"],
        )


class PasteForm(forms.Form):
    mode = forms.ChoiceField(choices=[(TERM, TERM), (YEAR, YEAR)])
    hs = forms.IntegerField(min_value=1)
    term = forms.IntegerField(min_value=1)
    col = forms.CharField(max_length=20)
    text = forms.CharField(
        strip=False,
        max_length=MAX_PASTE_CHARACTERS,
        error_messages={"max_length": _("The pasted block is too large."), "required": _("Nothing to paste.")},
    )


class EntriesForm(forms.Form):
    """A list of cells to write, as the paste preview returned them (with the versions it saw)."""

    entries = forms.JSONField()

    def clean_entries(self) -> list[Entry]:
        raw = self.cleaned_data["entries"]
        if not isinstance(raw, list) or not raw:
            raise forms.ValidationError(_("There is nothing to apply."))
        if len(raw) > MAX_ENTRIES:
            raise forms.ValidationError(_("Too many cells at once."))
        # Each cell is checked by CellForm's own fields (one form's fields reused: building a form
        # a cell deep-copies its fields, half the time of a whole-grid save).
        fields = CellForm().fields
        entries = []
        for item in raw:
            data = item if isinstance(item, dict) else {}
            cleaned = {}
            try:
                for name, field in fields.items():
                    cleaned[name] = field.clean(field.widget.value_from_datadict(data, {}, name))
            except forms.ValidationError:
                raise forms.ValidationError(_("A cell of the list is malformed.")) from None
            entries.append(CellForm.entry_of(cleaned))
        return entries


class UploadForm(forms.Form):
    file = forms.FileField(
        label=_("Excel file (.xlsx)"),
        error_messages={"required": _("Choose the xlsx file to upload."), "empty": _("The file is empty.")},
    )


class AssessmentDateForm(forms.Form):
    term = forms.IntegerField(min_value=1)
    col = forms.CharField(max_length=20)
    date = forms.DateField(required=False, input_formats=["%Y-%m-%d", "%d/%m/%Y"])
