"""Messages from the homeroom teacher to the parents (P-PUB-2, LC Điều 7.5) and who has read them.

A message goes to the parents (and the student himself) of a whole class or of one student of the
class. Its recipients are not stored: they are whoever holds a parent or student grant of a student
of the class at the time of reading, so a parent given access later still reads the class's news.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.models import ClassGroup, Student

MAX_TITLE_LENGTH = 150
MAX_BODY_LENGTH = 4000


class Message(models.Model):
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("author")
    )
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.PROTECT, related_name="parent_messages", verbose_name=_("class")
    )
    # Empty: to the parents of the whole class.
    student = models.ForeignKey(
        Student,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="parent_messages",
        verbose_name=_("student"),
    )
    title = models.CharField(_("message title"), max_length=MAX_TITLE_LENGTH)
    body = models.TextField(_("message text"), max_length=MAX_BODY_LENGTH)
    created_at = models.DateTimeField(_("sent at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("message to parents")
        verbose_name_plural = _("messages to parents")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["class_group", "-created_at"], name="portal_message_class")]

    def __str__(self) -> str:
        return f"{self.class_group} {self.created_at:%d/%m/%Y}: {self.title}"


class MessageRead(models.Model):
    """The first time one recipient opened a message (the read receipt the teacher sees)."""

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, related_name="reads", verbose_name=_("message to parents")
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("reader")
    )
    read_at = models.DateTimeField(_("read at"))

    class Meta:
        verbose_name = _("read receipt")
        verbose_name_plural = _("read receipts")
        constraints = [models.UniqueConstraint(fields=["message", "user"], name="portal_read_once")]

    def __str__(self) -> str:
        return f"{self.message_id}/{self.user_id} {self.read_at:%d/%m/%Y %H:%M}"
