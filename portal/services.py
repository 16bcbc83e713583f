"""Writes of the portal: the homeroom teacher's messages to parents and the recipients' read receipts."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from schools.models import ClassGroup, Enrolment, Student

from .models import MAX_BODY_LENGTH, MAX_TITLE_LENGTH, Message, MessageRead

# Control characters other than tab and line breaks never belong in a message.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(raw: str | None) -> str:
    text = _CONTROL.sub("", (raw or "").replace("\r\n", "\n").replace("\r", "\n"))
    return text.strip()


@transaction.atomic
def message_send(*, actor: User, class_group: ClassGroup, student: Student | None, title: str, body: str) -> Message:
    """Send a message to the parents of the whole class (``student`` None) or of one student of it
    (P-PUB-2). The caller has checked that ``actor`` is the class's homeroom teacher. Recorded in
    the history with the author."""
    title, body = clean_text(title), clean_text(body)
    errors: dict[str, list[str]] = {}
    if not title:
        errors["title"] = [_("Write a title.")]
    elif len(title) > MAX_TITLE_LENGTH:
        errors["title"] = [
            _("The title is %(length)d characters long; at most %(max)d.")
            % {"length": len(title), "max": MAX_TITLE_LENGTH}
        ]
    if not body:
        errors["body"] = [_("Write the message.")]
    elif len(body) > MAX_BODY_LENGTH:
        errors["body"] = [
            _("The message is %(length)d characters long; at most %(max)d.")
            % {"length": len(body), "max": MAX_BODY_LENGTH}
        ]
    if student is not None:
        in_class = (
            Enrolment.objects.filter(student=student, class_group=class_group)
            .exclude(status__in=Enrolment.LEFT_STATUSES)
            .exists()
        )
        if not in_class:
            errors["student"] = [_("This student is not in the class.")]
    if errors:
        raise ValidationError(errors)
    message = Message(
        author=actor, class_group=class_group, student=student, title=title, body=body, created_at=timezone.now()
    )
    message._history_user = actor
    message._change_reason = "message_send"
    message.save()
    return message


def message_mark_read(*, message: Message, user: User) -> MessageRead:
    """Record the first time a recipient opened the message; later openings change nothing."""
    read = MessageRead.objects.filter(message=message, user=user).first()
    if read is not None:
        return read
    try:
        with transaction.atomic():
            return MessageRead.objects.create(message=message, user=user, read_at=timezone.now())
    except IntegrityError:  # the same person opened it twice at once: the first time stays
        return MessageRead.objects.get(message=message, user=user)
