"""Forms of the account pages: parse and trim input; the rules themselves live in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from schools.models import ClassGroup, Department, Student

from .models import Role
from .selectors import HOMEROOM_FILTER, STATUS_ACTIVE, STATUS_INACTIVE
from .services import GRANTABLE_ROLES, HOMEROOM

REASON_HELP = _("For roles: the principal's decision (number and date) or the reason. Kept in the change log.")


class AccountFilterForm(forms.Form):
    q = forms.CharField(label=_("Name or username"), required=False, max_length=100)
    role = forms.ChoiceField(label=_("Role"), required=False)
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), (STATUS_ACTIVE, _("Active")), (STATUS_INACTIVE, _("Deactivated"))],
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["role"].choices = [
            ("", _("All roles")),
            *[(r.value, r.label) for r in Role if r != Role.SUPERVISOR],
            (HOMEROOM_FILTER, _("Homeroom teacher")),
        ]


class AccountCreateForm(forms.Form):
    PASSWORD_GENERATE = "generate"  # noqa: S105 - a choice value, not a password
    PASSWORD_SET = "set"  # noqa: S105 - a choice value, not a password

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    username = forms.CharField(
        label=_("Username"),
        max_length=150,
        required=False,
        help_text=_("Leave empty to use the suggestion made from the name (“Nguyễn Thị Lan” → lannt)."),
    )
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=15, required=False)
    password_mode = forms.ChoiceField(
        label=_("First password"),
        widget=forms.RadioSelect,
        initial=PASSWORD_GENERATE,
        choices=[
            (PASSWORD_GENERATE, _("Generate a one-time password (shown once)")),
            (PASSWORD_SET, _("I set it myself")),
        ],
    )
    password = forms.CharField(
        label=_("Password"),
        required=False,
        strip=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
    )

    def clean_username(self) -> str:
        return self.cleaned_data["username"].strip().lower()

    def clean(self):
        data = super().clean()
        if data.get("password_mode") == self.PASSWORD_SET and not data.get("password"):
            self.add_error("password", _("Enter the password, or choose a generated one."))
        if data.get("password_mode") != self.PASSWORD_SET:
            data["password"] = ""
        return data


class AccountProfileForm(forms.Form):
    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(label=_("Email"), required=False)
    phone = forms.CharField(label=_("Phone"), max_length=15, required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason / decision"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}), help_text=REASON_HELP
    )


class StatusForm(forms.Form):
    reason = forms.CharField(label=_("Reason / decision"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))


class OptionalReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class RoleAddForm(ReasonForm):
    role = forms.ChoiceField(label=_("Role"))
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none(), required=False)
    class_group = forms.ModelChoiceField(
        label=_("Class (homeroom)"), queryset=ClassGroup.objects.none(), required=False
    )
    student_code = forms.CharField(
        label=_("Student code (parent, student)"),
        max_length=20,
        required=False,
        help_text=_("The student's code in the sector database, as on the class list."),
    )
    field_order = ["role", "department", "class_group", "student_code", "reason"]

    def __init__(self, *args, school, year=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.school = school
        labels = dict(Role.choices)
        self.fields["role"].choices = [
            ("", "—"),
            *[(r.value, labels[r.value]) for r in GRANTABLE_ROLES],
            (HOMEROOM, _("Homeroom teacher of a class")),
        ]
        self.fields["department"].queryset = Department.objects.filter(school=school).order_by("name")
        if year is not None:
            self.fields["class_group"].queryset = ClassGroup.objects.filter(school_year=year).order_by(
                "grade_level", "name"
            )

    def clean_student_code(self):
        code = self.cleaned_data["student_code"].strip()
        self.student = None
        if not code:
            return code
        student = Student.objects.filter(school=self.school, student_code__iexact=code).first()
        if student is None:
            raise forms.ValidationError(_("No student of the school has the code “%(code)s”.") % {"code": code})
        self.student = student
        return code

    def clean(self):
        data = super().clean()
        data["student"] = getattr(self, "student", None)  # set by clean_student_code
        return data
