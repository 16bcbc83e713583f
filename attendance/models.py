"""Monthly attendance of a class (BM Đ4.2, LC Đ7.3, P-ATT-1..3) and the staging of class-list imports.

Marks are sparse: no row means present. One row per (enrolment, date, session) holds P (absent
with leave), K (absent without leave) or M (late); a cleared cell keeps its row with an empty code
so its version and its history go on (a deleted row would break both).
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.models import ClassGroup, Enrolment


class AttendanceMark(models.Model):
    class Code(models.TextChoices):
        EXCUSED = "P", _("Absent with leave")
        UNEXCUSED = "K", _("Absent without leave")
        LATE = "M", _("Late")

    class Session(models.TextChoices):
        # A one-session school records the whole day; a two-session school each half-day.
        ALL = "all", _("Whole day")
        MORNING = "am", _("Morning")
        AFTERNOON = "pm", _("Afternoon")

    CLEARED = ""
    ABSENT_CODES = (Code.EXCUSED, Code.UNEXCUSED)
    # R22-YE-2 [U9]: in a two-session school only the main (chính khóa) session counts towards the
    # 45-absence limit, one per day; the main session is the morning.
    MAIN_SESSIONS = (Session.ALL, Session.MORNING)

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="attendance_marks", verbose_name=_("enrolment")
    )
    date = models.DateField(_("date"))
    session = models.CharField(_("session"), max_length=3, choices=Session.choices, default=Session.ALL)
    code = models.CharField(_("code"), max_length=1, choices=Code.choices, blank=True)
    note = models.CharField(_("note"), max_length=200, blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    updated_at = models.DateTimeField(_("recorded at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("attendance mark")
        verbose_name_plural = _("attendance marks")
        ordering = ["enrolment", "date", "session"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "date", "session"], name="attendance_one_mark_per_session"),
            models.CheckConstraint(condition=Q(code__in=["", "P", "K", "M"]), name="attendance_code_known"),
            models.CheckConstraint(condition=Q(session__in=["all", "am", "pm"]), name="attendance_session_known"),
            models.CheckConstraint(condition=Q(version__gte=1), name="attendance_version_positive"),
        ]
        indexes = [models.Index(fields=["date"], name="attendance_mark_date")]

    def __str__(self) -> str:
        return f"{self.enrolment_id} {self.date:%d/%m/%Y} {self.session}: {self.code or '-'}"


class MonthCompletion(models.Model):
    """The homeroom teacher's confirmation that a month's attendance is complete (P-ATT-1). While
    it stands the month is read-only; reopening deletes it (the history keeps both)."""

    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.PROTECT, related_name="attendance_months", verbose_name=_("class")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    month = models.PositiveSmallIntegerField(_("month"))
    completed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("completed by")
    )
    completed_at = models.DateTimeField(_("completed at"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("completed month of attendance")
        verbose_name_plural = _("completed months of attendance")
        ordering = ["class_group", "year", "month"]
        constraints = [
            models.UniqueConstraint(fields=["class_group", "year", "month"], name="attendance_month_once"),
            models.CheckConstraint(condition=Q(month__gte=1, month__lte=12), name="attendance_month_in_range"),
        ]

    def __str__(self) -> str:
        return f"{self.class_group} {self.month:02d}/{self.year}"


class ClassListImport(models.Model):
    """An uploaded class list between its preview and its confirmation. The parsed rows stay here,
    on the server, keyed by an unguessable token: the confirmation never trusts what the browser
    sends back. Rows are re-checked against the database when the list is applied."""

    token = models.UUIDField(_("token"), default=uuid.uuid4, unique=True, editable=False)
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.CASCADE, related_name="list_imports", verbose_name=_("class")
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("uploaded by")
    )
    created_at = models.DateTimeField(_("uploaded at"), auto_now_add=True)
    file_name = models.CharField(_("file"), max_length=200)
    enrolled_on = models.DateField(_("joins the class on"))
    rows = models.JSONField(_("rows"), default=list)
    applied_at = models.DateTimeField(_("applied at"), null=True, blank=True)

    class Meta:
        verbose_name = _("class-list import")
        verbose_name_plural = _("class-list imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.class_group} {self.file_name}"
