"""The homeroom teacher's message form: the recipients (the whole class or one student), a title
and a plain-text body. Lengths are checked here and again by the service."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import MAX_BODY_LENGTH, MAX_TITLE_LENGTH

WHOLE_CLASS = ""


class MessageForm(forms.Form):
    student = forms.TypedChoiceField(label=_("To the parents of"), required=False, coerce=int, empty_value=None)
    title = forms.CharField(
        label=_("Title"),
        max_length=MAX_TITLE_LENGTH,
        error_messages={
            "required": _("Write a title."),
            "max_length": _("The title is %(show_value)d characters long; at most %(limit_value)d."),
        },
    )
    body = forms.CharField(
        label=_("Message"),
        max_length=MAX_BODY_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
        error_messages={
            "required": _("Write the message."),
            "max_length": _("The message is %(show_value)d characters long; at most %(limit_value)d."),
        },
    )

    def __init__(self, *args, students=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.students = {s.pk: s for s in students}
        self.fields["student"].choices = [(WHOLE_CLASS, _("the whole class"))] + [(s.pk, s.full_name) for s in students]
        self.fields["student"].error_messages["invalid_choice"] = _("This student is not in the class.")

    def chosen_student(self):
        pk = self.cleaned_data.get("student")
        return self.students.get(pk) if pk is not None else None
