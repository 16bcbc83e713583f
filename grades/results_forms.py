"""Shapes of the conduct, results, summer and rollover requests, with Vietnamese field errors. The
values themselves (a conduct level, a re-assessment score) are judged by the services, where the
year's rule set is known."""

from __future__ import annotations

from datetime import date, datetime, time

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models import ClassGroup, Enrolment
from schools.services import TermSpec

from .results_services import ClassPlan, ConductEntry, RetestEntry, default_plan

MAX_TEXT = 1000
DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y"]


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


_long = {"max_length": _("The text is too long.")}


def _int(value: str | None) -> int | None:
    try:
        return int(value) if value not in (None, "") else None
    except ValueError:
        return None


def conduct_entries(data, enrolment_ids, period: str, *, summer: bool) -> tuple[list[ConductEntry], list[str]]:
    """The rows of the conduct form the homeroom teacher changed (the form carries each row's level
    and comment as loaded and its version): one ``ConductEntry`` per changed row."""
    entries, errors = [], []
    for pk in enrolment_ids:
        level = data.get(f"level-{pk}")
        if level is None:
            continue
        comment = data.get(f"comment-{pk}", "")
        version = _int(data.get(f"v-{pk}"))
        if version is None:
            errors.append(str(_("The form is malformed: reload the page.")))
            continue
        if len(comment) > MAX_TEXT * 2:
            errors.append(str(_("The comment is too long (at most 1000 characters).")))
            continue
        done_raw = data.get(f"done-{pk}", "") if summer else ""
        changed = (
            level != data.get(f"orig-level-{pk}", "")
            or comment != data.get(f"orig-comment-{pk}", "")
            or done_raw != data.get(f"orig-done-{pk}", "")
        )
        if not changed:
            continue
        done = {"yes": True, "no": False}.get(done_raw) if summer else None
        entries.append(
            ConductEntry(
                enrolment_id=pk, period=period, level=level, comment=comment, version=version, summer_completed=done
            )
        )
    return entries, errors


def retest_entries(data, enrolment_ids) -> list[RetestEntry]:
    entries = []
    for pk in enrolment_ids:
        text = data.get(f"r-{pk}")
        if text is None or text.strip() == data.get(f"orig-{pk}", ""):
            continue
        entries.append(RetestEntry(enrolment_id=pk, text=text, version=_int(data.get(f"v-{pk}")) or 0))
    return entries


class DecisionForm(forms.Form):
    comment = forms.CharField(
        required=False, max_length=MAX_TEXT, widget=forms.Textarea(attrs={"rows": 2}), error_messages=_long
    )
    version = forms.IntegerField(min_value=0, required=False)


class ComputeForm(forms.Form):
    reason = forms.CharField(required=False, max_length=300, error_messages=_long)


class DisciplineNoteForm(forms.Form):
    student = forms.TypedChoiceField(label=_("Student"), coerce=int)
    week = forms.DateField(label=_("Week of"), input_formats=DATE_FORMATS, widget=_date_input())
    text = forms.CharField(
        label=_("Study discipline this week"),
        max_length=MAX_TEXT,
        widget=forms.Textarea(attrs={"rows": 2}),
        error_messages=_long,
    )
    version = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)

    def __init__(self, *args, enrolments: list[Enrolment], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["student"].choices = [(e.pk, e.student.full_name) for e in enrolments if not e.has_left]


class SummerDeadlineForm(forms.Form):
    day = forms.DateField(
        label=_("Summer results due by (end of the day)"), input_formats=DATE_FORMATS, widget=_date_input()
    )
    reason = forms.CharField(label=_("Reason"), max_length=300, error_messages=_long)

    def deadline(self) -> datetime:
        return timezone.make_aware(datetime.combine(self.cleaned_data["day"], time(23, 59, 59)))


class RolloverForm(forms.Form):
    """The next year's dates and, per class, where its promoted and retained students go."""

    start_date = forms.DateField(label=_("First day of the new year"), input_formats=DATE_FORMATS, widget=_date_input())
    end_date = forms.DateField(label=_("Last day"), input_formats=DATE_FORMATS, widget=_date_input())
    term1_end = forms.DateField(label=_("Last day of term I"), input_formats=DATE_FORMATS, widget=_date_input())
    term2_start = forms.DateField(label=_("First day of term II"), input_formats=DATE_FORMATS, widget=_date_input())
    reason = forms.CharField(label=_("Reason"), required=False, max_length=300, error_messages=_long)

    def __init__(self, *args, classes: list[ClassGroup], last_grade: int, next_start_year: int, **kwargs):
        initial = kwargs.pop("initial", {}) or {}
        initial.setdefault("start_date", date(next_start_year, 9, 5))
        initial.setdefault("end_date", date(next_start_year + 1, 5, 31))
        initial.setdefault("term1_end", date(next_start_year + 1, 1, 16))
        initial.setdefault("term2_start", date(next_start_year + 1, 1, 18))
        self.classes = classes
        self.last_grade = last_grade
        for class_group in classes:
            plan = default_plan(class_group, last_grade)
            initial.setdefault(f"promoted-{class_group.pk}", plan.promoted_to)
            initial.setdefault(f"retained-{class_group.pk}", plan.retained_to)
        super().__init__(*args, initial=initial, **kwargs)
        for class_group in classes:
            if class_group.grade_level < last_grade:
                self.fields[f"promoted-{class_group.pk}"] = forms.CharField(max_length=20, error_messages=_long)
            self.fields[f"retained-{class_group.pk}"] = forms.CharField(max_length=20, error_messages=_long)

    def clean(self):
        data = super().clean()
        start, end = data.get("start_date"), data.get("end_date")
        t1_end, t2_start = data.get("term1_end"), data.get("term2_start")
        if start and end and t1_end and t2_start and not (start < t1_end < t2_start < end):
            raise forms.ValidationError(
                _("The dates must follow each other: first day, end of term I, term II, last day.")
            )
        return data

    def rows(self):
        return [
            (c, self[f"promoted-{c.pk}"] if c.grade_level < self.last_grade else None, self[f"retained-{c.pk}"])
            for c in self.classes
        ]

    def plans(self) -> dict[int, ClassPlan]:
        data = self.cleaned_data
        return {
            c.pk: ClassPlan(promoted_to=data.get(f"promoted-{c.pk}", ""), retained_to=data.get(f"retained-{c.pk}", ""))
            for c in self.classes
        }

    def terms(self) -> list[TermSpec]:
        data = self.cleaned_data
        return [
            TermSpec(1, data["start_date"], data["term1_end"]),
            TermSpec(2, data["term2_start"], data["end_date"]),
        ]
