"""Forms of the printing pages: which term to print, and the register's steps. Parsing only."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from schools.models import School, SchoolYear, Term

DATE_FORMATS = ["%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y"]


class TermForm(forms.Form):
    term = forms.TypedChoiceField(label=_("Term"), coerce=int)

    def __init__(self, *args, year: SchoolYear | None = None, school: School | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        terms = (
            Term.objects.filter(school_year=year)
            if year is not None
            else Term.objects.filter(school_year__school=school)
        )
        self.terms = {
            t.pk: t for t in terms.select_related("school_year").order_by("school_year__start_year", "number")
        }
        self.fields["term"].choices = [(pk, t.get_number_display()) for pk, t in self.terms.items()]
        self.fields["term"].error_messages["invalid_choice"] = _("Choose a term of this school year.")
        self.fields["term"].error_messages["required"] = _("Choose the term.")

    @property
    def term_obj(self) -> Term:
        return self.terms[self.cleaned_data["term"]]


class TeacherBookForm(TermForm):
    filled = forms.BooleanField(label=_("With the scores entered so far"), required=False)


class _Versioned(forms.Form):
    version = forms.IntegerField(min_value=0, widget=forms.HiddenInput)


def _date(label) -> forms.DateField:
    return forms.DateField(
        label=label, required=False, input_formats=DATE_FORMATS, widget=forms.DateInput(attrs={"type": "date"})
    )


class PrintedForm(forms.Form):
    job = forms.IntegerField(widget=forms.HiddenInput)
    version = forms.IntegerField(min_value=0, required=False, widget=forms.HiddenInput)


class SignaturesForm(_Versioned):
    teachers_on = _date(_("Subject teachers signed on"))
    homeroom_on = _date(_("Homeroom teacher signed on"))
    principal_on = _date(_("Principal signed on"))


class SealForm(_Versioned):
    sealed_on = _date(_("Sealed across the pages on"))

    def clean_sealed_on(self):
        value = self.cleaned_data["sealed_on"]
        if value is None:
            raise forms.ValidationError(_("Give the date of the seal."))
        return value


class ArchiveForm(_Versioned):
    archived_on = _date(_("Archived on"))
    location = forms.CharField(label=_("Where it is kept"), max_length=200, required=False, strip=True)

    def clean_archived_on(self):
        value = self.cleaned_data["archived_on"]
        if value is None:
            raise forms.ValidationError(_("Give the date of archiving."))
        return value

    def clean_location(self):
        value = self.cleaned_data["location"]
        if not value:
            raise forms.ValidationError(_("Write where the book is kept (room, cabinet, shelf)."))
        return value


STEP_FORMS = {"printed": PrintedForm, "signatures": SignaturesForm, "seal": SealForm, "archive": ArchiveForm}
