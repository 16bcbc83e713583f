"""Parse and normalise what people type; field errors in Vietnamese. No side effects here."""

from __future__ import annotations

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from schools.models import BookLock, ClassGroup, ClassSubject, SchoolYear

from .models import CorrectionLine, Evidence
from .selectors import column_name

DATETIME_FORMATS = ["%Y-%m-%dT%H:%M", "%Y-%m-%d %H:%M", "%d/%m/%Y %H:%M"]
LOCK_COLUMNS = [
    ("", _("Every column")),
    ("regular_1", "ĐĐGtx 1"),
    ("regular_2", "ĐĐGtx 2"),
    ("regular_3", "ĐĐGtx 3"),
    ("regular_4", "ĐĐGtx 4"),
    ("midterm", "ĐĐGgk"),
    ("final", "ĐĐGck"),
    ("comment", _("Subject comments")),
    ("conduct", _("Conduct")),
    ("attendance", _("Attendance")),
    ("results", _("Averages and results")),
    ("summer", _("Results after the summer (re-tests, summer training)")),
]


class LocalDateTimeField(forms.DateTimeField):
    widget = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")

    def __init__(self, **kwargs):
        kwargs.setdefault("input_formats", DATETIME_FORMATS)
        super().__init__(**kwargs)


class LockDecisionForm(forms.Form):
    WHEN_NOW, WHEN_DEADLINE, WHEN_AT = "now", "deadline", "at"

    action = forms.ChoiceField(label=_("Decision"), choices=BookLock.Action.choices)
    scope = forms.TypedChoiceField(label=_("Covers"), choices=BookLock.Scope.choices, coerce=int)
    term = forms.ChoiceField(label=_("Term"))
    grade_level = forms.TypedChoiceField(label=_("Grade level"), coerce=int, required=False, empty_value=None)
    class_group = forms.ModelChoiceField(label=_("Class"), queryset=ClassGroup.objects.none(), required=False)
    class_subject = forms.ModelChoiceField(
        label=_("Subject of a class"), queryset=ClassSubject.objects.none(), required=False
    )
    column = forms.ChoiceField(label=_("Column"), choices=LOCK_COLUMNS, required=False)
    when = forms.ChoiceField(
        label=_("Takes effect"),
        choices=[
            (WHEN_NOW, _("Now")),
            (WHEN_DEADLINE, _("At the end of the term's entry deadline")),
            (WHEN_AT, _("At a chosen time")),
        ],
        initial=WHEN_NOW,
    )
    starts_at = LocalDateTimeField(label=_("From"), required=False)
    ends_at = LocalDateTimeField(
        label=_("Until"), required=False, help_text=_("Required for an unlock: the book locks again by itself.")
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    decision_reference = forms.CharField(
        label=_("Decision number"), max_length=100, required=False, help_text=_("Empty: numbered by the software.")
    )

    def __init__(self, *args, year: SchoolYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.year = year
        self.terms = {str(t.pk): t for t in year.terms.order_by("number")}
        self.fields["term"].choices = [(pk, t.get_number_display()) for pk, t in self.terms.items()] + [
            ("year", _("Year's results (locks both terms too)"))
        ]
        self.fields["grade_level"].choices = [("", "—")] + [(g, str(g)) for g in year.school.grade_levels]
        self.fields["class_group"].queryset = ClassGroup.objects.filter(school_year=year).order_by(
            "grade_level", "name"
        )
        self.fields["class_subject"].queryset = (
            ClassSubject.objects.filter(class_group__school_year=year)
            .select_related("class_group", "subject")
            .order_by("class_group__grade_level", "class_group__name", "subject__order")
        )
        self.fields["class_subject"].label_from_instance = lambda cs: f"{cs.class_group.name} – {cs.subject.name}"

    def clean(self):
        data = super().clean()
        term_key = data.get("term")
        data["term_obj"] = None if term_key == "year" else self.terms.get(term_key)
        if term_key == "year" and data.get("column") != "summer":
            data["column"] = "results"
        elif term_key != "year" and data.get("column") == "summer":
            self.add_error("column", _("The summer results belong to the year: choose “Year's results”."))
        when = data.get("when")
        if when == self.WHEN_DEADLINE:
            term = data["term_obj"]
            if term is None or term.regular_entry_deadline is None:
                self.add_error("when", _("This term has no entry deadline set."))
            else:
                from .services import deadline_moment

                data["starts_at"] = deadline_moment(term.regular_entry_deadline)
        elif when == self.WHEN_AT:
            if not data.get("starts_at"):
                self.add_error("starts_at", _("Give the time the decision takes effect."))
        else:
            data["starts_at"] = timezone.now()
        return data


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class PermitForm(forms.Form):
    term = forms.ChoiceField(label=_("Term"))
    class_group = forms.ModelChoiceField(label=_("Class"), queryset=ClassGroup.objects.none())
    class_subject = forms.ModelChoiceField(
        label=_("Subject"),
        queryset=ClassSubject.objects.none(),
        required=False,
        help_text=_("Empty: every subject of the class, its conduct and its attendance."),
    )
    valid_until = forms.DateField(label=_("Valid until"), widget=forms.DateInput(attrs={"type": "date"}))
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, year: SchoolYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.terms = {str(t.pk): t for t in year.terms.order_by("number")}
        self.fields["term"].choices = [(pk, t.get_number_display()) for pk, t in self.terms.items()]
        self.fields["class_group"].queryset = ClassGroup.objects.filter(school_year=year).order_by(
            "grade_level", "name"
        )
        self.fields["class_subject"].queryset = ClassSubject.objects.filter(
            class_group__school_year=year
        ).select_related("class_group", "subject")
        self.fields["class_subject"].label_from_instance = lambda cs: f"{cs.class_group.name} – {cs.subject.name}"

    def clean(self):
        data = super().clean()
        data["term_obj"] = self.terms.get(data.get("term"))
        return data


class PolicyForm(forms.Form):
    window_days_before_final = forms.IntegerField(
        label=_("Corrections close this many days before the end-of-term test"), min_value=0, max_value=60
    )
    homeroom_confirms = forms.BooleanField(
        label=_("The homeroom teacher confirms corrections of subject scores"), required=False
    )
    many_changes_threshold = forms.IntegerField(
        label=_("Flag a teacher whose cells changed at least this many times in a term"), min_value=1, max_value=1000
    )
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))


class CorrectionCreateForm(forms.Form):
    target = forms.ChoiceField(label=_("Minutes for"))
    term = forms.ChoiceField(label=_("Term"))
    place = forms.CharField(label=_("Place"), max_length=200, required=False)

    def __init__(self, *args, targets: list[tuple[str, str]], year: SchoolYear, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["target"].choices = targets
        self.terms = {str(t.pk): t for t in year.terms.order_by("number")}
        self.fields["term"].choices = [(pk, t.get_number_display()) for pk, t in self.terms.items()]

    def clean(self):
        data = super().clean()
        data["term_obj"] = self.terms.get(data.get("term"))
        return data


class LineForm(forms.Form):
    enrolment = forms.TypedChoiceField(label=_("Student"), coerce=int)
    column = forms.ChoiceField(label=_("Column"))
    new_value = forms.CharField(label=_("New value"), max_length=20, required=False, strip=True)
    reason_code = forms.ChoiceField(label=_("Reason"), choices=CorrectionLine.Reason.choices)
    reason_text = forms.CharField(label=_("Explanation"), required=False, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, students, columns, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["enrolment"].choices = [(e.pk, e.student.full_name) for e in students]
        self.fields["column"].choices = columns


class EvidenceForm(forms.Form):
    kind = forms.ChoiceField(label=_("The file shows"), choices=Evidence.Kind.choices)
    file = forms.FileField(label=_("File (PDF, JPEG or PNG, at most 10 MB)"))


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class HomeroomForm(forms.Form):
    decision = forms.ChoiceField(choices=[("confirm", _("Confirm")), ("return", _("Send back"))])
    comment = forms.CharField(label=_("Comment"), required=False, widget=forms.Textarea(attrs={"rows": 2}))


class SignForm(forms.Form):
    sign_as = forms.ChoiceField(
        choices=[("principal", _("Principal")), ("admin", _("Administrator")), ("teacher", _("Teacher"))]
    )


class AuditFilterForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    student = forms.CharField(label=_("Student (name or code)"), required=False, max_length=100)
    class_group = forms.TypedChoiceField(label=_("Class"), required=False, coerce=int, empty_value=None)
    subject = forms.TypedChoiceField(label=_("Subject"), required=False, coerce=int, empty_value=None)
    user = forms.TypedChoiceField(label=_("Changed by"), required=False, coerce=int, empty_value=None)
    date_from = forms.DateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    date_to = forms.DateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    page = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)

    def __init__(self, *args, kinds, classes, subjects, users, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].choices = [("", _("Every kind")), *list(kinds)]
        self.fields["class_group"].choices = [("", _("Every class"))] + [(c.pk, c.name) for c in classes]
        self.fields["subject"].choices = [("", _("Every subject"))] + [(s.pk, s.name) for s in subjects]
        self.fields["user"].choices = [("", _("Anyone"))] + [(u.pk, u.full_name or u.username) for u in users]

    def clean(self):
        data = super().clean()
        if data.get("date_from") and data.get("date_to") and data["date_to"] < data["date_from"]:
            self.add_error("date_to", _("The end date comes before the start date."))
        return data


__all__ = [
    "AuditFilterForm",
    "CorrectionCreateForm",
    "DecisionForm",
    "EvidenceForm",
    "HomeroomForm",
    "LineForm",
    "LockDecisionForm",
    "PermitForm",
    "PolicyForm",
    "ReasonForm",
    "SignForm",
    "column_name",
]
