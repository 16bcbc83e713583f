"""Print jobs and the office's register of printed class books (BM Đ9, LC Đ9.2, LC Đ12).

A ``Job`` is any long piece of work that ends in a file (a class book, a teacher's book, a zip of
the whole school's books; the export app reuses it for its xlsx files): who asked for what, where it
stands, the file and its SHA-256. The page that started it polls the row, so a job run in-process
(no broker) and one run by a Celery worker look the same. ``fingerprint`` hashes the *data* that
went into the file (not its bytes): two books of the same class and term with the same fingerprint
show the same thing, which is how an unchanged book is served from its stored copy and how the
office sees whether the data changed since the archived copy.

A ``BookRegister`` row follows one class's book of one term through the paper procedure: printed →
signed (subject teachers, homeroom teacher, principal) → sealed across pages → archived (where),
the archived file frozen with its hash.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy
from simple_history.models import HistoricalRecords

from schools.models import ClassGroup, School, Term

USER = settings.AUTH_USER_MODEL


class Job(models.Model):
    class Kind(models.TextChoices):
        CLASS_BOOK = "class_book", _("Class book (A3)")
        TEACHER_BOOK = "teacher_book", _("Teacher's book (A4)")
        SCHOOL_BOOKS = "school_books", _("The whole school's class books (zip)")
        # Run by the exports app on the same job row, progress page and file storage.
        EXPORT = "export", _("Results export (xlsx)")

    PRINT_KINDS = (Kind.CLASS_BOOK, Kind.TEACHER_BOOK, Kind.SCHOOL_BOOKS)

    class Status(models.TextChoices):
        QUEUED = "queued", _("Waiting")
        RUNNING = "running", _("Running")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    FINISHED = (Status.DONE, Status.FAILED)

    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="print_jobs", verbose_name=_("school"))
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    # What the job is about, as ids: {"class_group": 5, "term": 2}, {"assignment": 9, "term": 1,
    # "filled": false}, {"term": 2}. Read back and checked by the service, never trusted.
    scope = models.JSONField(_("scope"), default=dict)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), upload_to="printing/jobs/", max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=150, blank=True)
    content_type = models.CharField(_("type"), max_length=80, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    fingerprint = models.CharField(_("fingerprint of the data"), max_length=64, blank=True)
    pages = models.PositiveIntegerField(_("pages"), null=True, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="children", verbose_name=_("batch")
    )
    reused_from = models.ForeignKey(
        "self",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("stored copy used"),
        help_text=_("The data had not changed: the file of this earlier job was served without rendering."),
    )
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="print_jobs", verbose_name=_("by"))
    created_at = models.DateTimeField(_("asked at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("print job")
        verbose_name_plural = _("print jobs")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["school", "kind", "status"], name="printjob_lookup")]
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="printjob_progress_0_100"),
            models.CheckConstraint(condition=~Q(status="done") | ~Q(sha256=""), name="printjob_done_has_hash"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} – {self.title}"

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None


class BookRegister(models.Model):
    """The office's register of one class's book for one term (the term II book is the year's)."""

    class Step(models.TextChoices):
        PRINTED = "printed", _("Printed")
        SIGNED = "signed", _("Signatures collected")
        SEALED = "sealed", _("Sealed across pages")
        ARCHIVED = "archived", pgettext_lazy("book register", "Archived")

    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.PROTECT, related_name="book_registers", verbose_name=_("class")
    )
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="book_registers", verbose_name=_("term"))
    step = models.CharField(_("step"), max_length=10, choices=Step.choices, default=Step.PRINTED)
    printed_job = models.ForeignKey(
        Job, on_delete=models.PROTECT, related_name="registers", verbose_name=_("printed copy")
    )
    printed_at = models.DateTimeField(_("printed at"))
    printed_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("printed by"))
    teachers_signed_on = models.DateField(_("subject teachers signed on"), null=True, blank=True)
    homeroom_signed_on = models.DateField(_("homeroom teacher signed on"), null=True, blank=True)
    principal_signed_on = models.DateField(_("principal signed on"), null=True, blank=True)
    sealed_on = models.DateField(_("sealed across pages on"), null=True, blank=True)
    archived_on = models.DateField(_("archived on"), null=True, blank=True)
    archive_location = models.CharField(_("where it is kept"), max_length=200, blank=True)
    archive_file = models.FileField(_("archived copy"), upload_to="printing/archive/", max_length=200, blank=True)
    archive_sha256 = models.CharField(_("SHA-256 of the archived copy"), max_length=64, blank=True)
    archive_fingerprint = models.CharField(_("fingerprint of the archived data"), max_length=64, blank=True)
    note = models.TextField(_("note"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("changed at"))
    updated_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by"))
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("register of a printed book")
        verbose_name_plural = _("register of printed books")
        ordering = ["class_group", "term"]
        constraints = [
            models.UniqueConstraint(fields=["class_group", "term"], name="bookregister_one_per_class_term"),
            models.CheckConstraint(
                condition=~Q(step="archived")
                | (~Q(archive_location="") & ~Q(archive_sha256="") & Q(archived_on__isnull=False)),
                name="bookregister_archive_complete",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.class_group} {self.term}: {self.get_step_display()}"

    @property
    def is_archived(self) -> bool:
        return self.step == self.Step.ARCHIVED

    @property
    def signatures_complete(self) -> bool:
        return all((self.teachers_signed_on, self.homeroom_signed_on, self.principal_signed_on))
