"""Correction minutes (biên bản sửa chữa điểm, sửa chữa mức đánh giá) and what surrounds them.

After a lock no value changes except through minutes approved by the principal (BM Đ3.3, BM Đ6.4,
LC Đ11.2a; P-COR-1..7 of the rules document). The minutes list each cell with the value the system
read when the line was drafted, the new value and the reason; the evidence files stay with them
until the student leaves the school. The lock rows themselves are ``schools.BookLock``; this app
writes them through its services.
"""

from __future__ import annotations

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.models import ClassGroup, ClassSubject, Enrolment, School, SchoolYear, Term

USER = settings.AUTH_USER_MODEL


class CorrectionPolicy(models.Model):
    """A school's settings for corrections (P-COR-3, P-COR-4, P-COR-7). A school without a row
    uses the defaults of the fields."""

    school = models.OneToOneField(
        School, on_delete=models.CASCADE, related_name="correction_policy", verbose_name=_("school")
    )
    window_days_before_final = models.PositiveSmallIntegerField(
        _("corrections close this many days before the end-of-term test"), default=7
    )
    homeroom_confirms = models.BooleanField(
        _("the homeroom teacher confirms corrections of subject scores"), default=True
    )
    many_changes_threshold = models.PositiveSmallIntegerField(
        _("flag a teacher whose cells changed at least this many times in a term"), default=10
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("correction policy")
        verbose_name_plural = _("correction policies")

    def __str__(self) -> str:
        return str(self.school)


class LateCorrectionPermit(models.Model):
    """The principal's exception to the correction deadline (P-COR-4): minutes for this class (or
    one of its subjects) in this term may still be submitted until ``valid_until``."""

    school_year = models.ForeignKey(SchoolYear, on_delete=models.PROTECT, related_name="+", verbose_name=_("year"))
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="+", verbose_name=_("term"))
    class_group = models.ForeignKey(ClassGroup, on_delete=models.PROTECT, related_name="+", verbose_name=_("class"))
    class_subject = models.ForeignKey(
        ClassSubject,
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("subject of a class"),
        help_text=_("Empty: every subject of the class, its conduct and its attendance."),
    )
    reason = models.TextField(_("reason"))
    valid_until = models.DateField(_("valid until"))
    granted_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("granted by"))
    granted_at = models.DateTimeField(_("granted at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("late correction permit")
        verbose_name_plural = _("late correction permits")
        ordering = ["-granted_at"]

    def __str__(self) -> str:
        return f"{self.class_subject or self.class_group} – {self.valid_until:%d/%m/%Y}"


class Correction(models.Model):
    """One set of correction minutes: one class's subject (scores) or one class (conduct,
    attendance) in one term."""

    class Kind(models.TextChoices):
        SCORE = "score", _("Scores and assessment levels")
        CONDUCT = "conduct", _("Conduct")
        ATTENDANCE = "attendance", _("Attendance")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        SUBMITTED = "submitted", _("Waiting for the homeroom teacher")
        PENDING = "pending", _("Waiting for the principal")
        APPROVED = "approved", _("Approved, to be carried out")
        REJECTED = "rejected", _("Rejected")
        APPLIED = "applied", _("Carried out, to be signed")
        SIGNED = "signed", _("Signed")
        ARCHIVED = "archived", _("Archived")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    OPEN_STATUSES = (Status.DRAFT, Status.SUBMITTED, Status.PENDING, Status.APPROVED)

    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="corrections", verbose_name=_("school year")
    )
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="corrections", verbose_name=_("term"))
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.PROTECT, related_name="corrections", verbose_name=_("class")
    )
    class_subject = models.ForeignKey(
        ClassSubject,
        on_delete=models.PROTECT,
        related_name="corrections",
        null=True,
        blank=True,
        verbose_name=_("subject of a class"),
    )
    number = models.PositiveIntegerField(_("number"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    place = models.CharField(_("place"), max_length=200, blank=True)
    requested_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, related_name="corrections_requested", verbose_name=_("requested by")
    )
    created_at = models.DateTimeField(_("drafted at"), default=timezone.now)
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    late_permit = models.ForeignKey(
        LateCorrectionPermit,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="corrections",
        verbose_name=_("late correction permit"),
    )
    homeroom_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("homeroom teacher")
    )
    homeroom_at = models.DateTimeField(_("confirmed by the homeroom teacher at"), null=True, blank=True)
    homeroom_comment = models.TextField(_("homeroom teacher's comment"), blank=True)
    decided_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_comment = models.TextField(_("principal's comment"), blank=True)
    teacher_applied_at = models.DateTimeField(_("confirmed by the teacher at"), null=True, blank=True)
    admin_applied_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("administrator")
    )
    admin_applied_at = models.DateTimeField(_("confirmed by the administrator at"), null=True, blank=True)
    applied_at = models.DateTimeField(_("carried out at"), null=True, blank=True)
    principal_signed_by = models.ForeignKey(
        USER,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed by the principal"),
    )
    principal_signed_at = models.DateTimeField(_("signed by the principal at"), null=True, blank=True)
    admin_signed_at = models.DateTimeField(_("signed by the administrator at"), null=True, blank=True)
    teacher_signed_at = models.DateTimeField(_("signed by the teacher at"), null=True, blank=True)
    archived_by = models.ForeignKey(
        USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("archived by")
    )
    archived_at = models.DateTimeField(_("archived at"), null=True, blank=True)
    withdrawn_reason = models.TextField(_("reason for withdrawing"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("correction minutes")
        verbose_name_plural = _("correction minutes")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["school_year", "status"], name="correction_year_status")]
        constraints = [
            models.UniqueConstraint(
                fields=["school_year", "number"], condition=Q(number__isnull=False), name="correction_number_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind="score", class_subject__isnull=False) | (~Q(kind="score") & Q(class_subject=None)),
                name="correction_subject_for_scores",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    @property
    def reference(self) -> str:
        """The number written on the paper minutes: "05/BB-SĐ 2026-2027" (a draft has none yet)."""
        if self.number is None:
            return str(_("Draft minutes #%(id)s") % {"id": self.pk})
        return f"{self.number:02d}/BB-SĐ {self.school_year.name}"

    @property
    def is_open(self) -> bool:
        return self.status in self.OPEN_STATUSES


class CorrectionLine(models.Model):
    """One cell to change. ``old_value`` is what the system read when the line was drafted; the
    change is applied only if the cell still holds it."""

    class Reason(models.TextChoices):
        ENTRY_ERROR = "entry_error", _("Entered wrongly")
        MARKING_ERROR = "marking_error", _("Marked wrongly")
        REMARK = "remark", _("Re-marking")
        OTHER = "other", _("Other")

    correction = models.ForeignKey(
        Correction, on_delete=models.CASCADE, related_name="lines", verbose_name=_("correction minutes")
    )
    enrolment = models.ForeignKey(Enrolment, on_delete=models.PROTECT, related_name="+", verbose_name=_("student"))
    column = models.CharField(_("column"), max_length=40)
    old_value = models.CharField(_("current value"), max_length=20, blank=True)
    new_value = models.CharField(_("new value"), max_length=20, blank=True)
    reason_code = models.CharField(_("reason"), max_length=15, choices=Reason.choices)
    reason_text = models.TextField(_("explanation"), blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("line of correction minutes")
        verbose_name_plural = _("lines of correction minutes")
        ordering = ["correction", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["correction", "enrolment", "column"], name="correction_line_once"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}:{self.column} {self.old_value} → {self.new_value}"


def evidence_path(instance: Evidence, filename: str) -> str:
    """A random name under the media root: the uploaded name is kept only as data, never as a path."""
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(instance.content_type, "bin")
    return f"corrections/evidence/{timezone.now():%Y/%m}/{secrets.token_hex(16)}.{extension}"


class Evidence(models.Model):
    """A scan or photo kept with the minutes (LC Đ11.2a: the teacher's own book, the student's
    paper or product) until the student leaves the school."""

    class Kind(models.TextChoices):
        TEACHER_BOOK = "teacher_book", _("Copy of the teacher's own book")
        STUDENT_WORK = "student_work", _("The student's test paper or product")
        BOTH = "both", _("Teacher's book and student's paper (one file)")
        OTHER = "other", _("Other document")

    correction = models.ForeignKey(
        Correction, on_delete=models.PROTECT, related_name="evidence", verbose_name=_("correction minutes")
    )
    kind = models.CharField(_("kind"), max_length=15, choices=Kind.choices)
    file = models.FileField(_("file"), upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=200)
    content_type = models.CharField(_("type"), max_length=40)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("uploaded by"))
    uploaded_at = models.DateTimeField(_("uploaded at"), default=timezone.now)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        ordering = ["correction", "uploaded_at", "pk"]

    def __str__(self) -> str:
        return self.original_name
