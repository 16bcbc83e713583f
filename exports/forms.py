"""The choices of an export or a statistics report: the school year, the period, the scope.

The choices are built from the user's school (years, grade levels, classes of the chosen year), so
an id from another school is simply not a valid choice: the form refuses it with a message.
"""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from schools.models import ClassGroup, School, SchoolYear

from .models import Period, ResultsExport


class ScopeForm(forms.Form):
    year = forms.TypedChoiceField(label=_("School year"), coerce=int)
    period = forms.ChoiceField(label=_("Period"), choices=Period.choices, initial=Period.TERM1)
    scope = forms.ChoiceField(label=_("Scope"), choices=ResultsExport.Scope.choices, initial=ResultsExport.Scope.SCHOOL)
    grade = forms.TypedChoiceField(label=_("Grade level"), coerce=int, required=False, empty_value=None)
    class_group = forms.TypedChoiceField(label=_("Class"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args, school: School, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        self.years = list(SchoolYear.objects.filter(school=school).order_by("-start_year"))
        current = next((y for y in self.years if y.is_current), self.years[0] if self.years else None)
        self.fields["year"].choices = [(y.pk, y.name) for y in self.years]
        if current is not None:
            self.fields["year"].initial = current.pk
        chosen = self._chosen_year(current)
        self.classes = (
            list(ClassGroup.objects.filter(school_year=chosen).order_by("grade_level", "name")) if chosen else []
        )
        grades = sorted({c.grade_level for c in self.classes})
        self.fields["grade"].choices = [("", "—")] + [(g, str(_("Grade %(grade)s")) % {"grade": g}) for g in grades]
        self.fields["class_group"].choices = [("", "—")] + [(c.pk, c.name) for c in self.classes]

    def _chosen_year(self, current: SchoolYear | None) -> SchoolYear | None:
        raw = self.data.get(self.add_prefix("year")) if self.is_bound else None
        if raw and str(raw).isdigit():
            return next((y for y in self.years if y.pk == int(raw)), current)
        return current

    def clean(self):
        data = super().clean()
        year = next((y for y in self.years if y.pk == data.get("year")), None)
        data["year_obj"] = year
        scope = data.get("scope")
        if scope == ResultsExport.Scope.GRADE and data.get("grade") is None:
            self.add_error("grade", _("Choose the grade level."))
        if scope == ResultsExport.Scope.CLASS:
            class_group = next((c for c in self.classes if c.pk == data.get("class_group")), None)
            if class_group is None:
                self.add_error("class_group", _("Choose the class."))
            data["class_obj"] = class_group
        else:
            data["class_obj"] = None
        if scope != ResultsExport.Scope.GRADE:
            data["grade"] = None
        return data


class ExportForm(ScopeForm):
    with_national_id = forms.BooleanField(
        label=_("Include the personal ID numbers"),
        required=False,
        help_text=_("Personal data: include them only when the district office asks for them."),
    )


class DistrictForm(forms.Form):
    year = forms.TypedChoiceField(label=_("School year"), coerce=int)
    period = forms.ChoiceField(label=_("Period"), choices=Period.choices, initial=Period.TERM1)

    def __init__(self, *args, start_years: list[int], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["year"].choices = [(y, f"{y}-{y + 1}") for y in start_years]
        if start_years:
            self.fields["year"].initial = start_years[0]
