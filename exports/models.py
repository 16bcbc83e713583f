"""The record of every results export sent up to the Phòng/Sở, and the district's combined workbook.

A school's export runs as a ``printing.Job`` of kind ``"export"`` (the print jobs' model, progress
polling and file storage are reused); ``ResultsExport`` is the school's record of it: who asked,
when, for which scope (the whole school, a grade level or a class; a term or the year), the
checksum of the file and the fingerprint of the data in it. An export of the same scope made
later supersedes the earlier one; when its data differ (typically after a correction, LC Đ11.2b)
it is flagged as an updated version ("bản cập nhật", assessment-rules.md §11).

The district office receives the whole-school exports. A ``DistrictWorkbook`` combines the latest
whole-school export of each school of a district for one school year and period into one
workbook; it is a job of its own because ``printing.Job`` belongs to one school.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from printing.models import Job
from schools.models import ClassGroup, DistrictOffice, School, SchoolYear

USER = settings.AUTH_USER_MODEL
EXPORT_KIND = "export"  # printing.Job.kind of a results export


class Period(models.TextChoices):
    TERM1 = "term1", _("Term I")
    TERM2 = "term2", _("Term II")
    YEAR = "year", _("Whole year")


class ResultsExport(models.Model):
    class Scope(models.TextChoices):
        SCHOOL = "school", _("Whole school")
        GRADE = "grade", _("Grade level")
        CLASS = "class", _("Class")

    school = models.ForeignKey(
        School, on_delete=models.PROTECT, related_name="results_exports", verbose_name=_("school")
    )
    school_year = models.ForeignKey(
        SchoolYear, on_delete=models.PROTECT, related_name="results_exports", verbose_name=_("school year")
    )
    period = models.CharField(_("period"), max_length=5, choices=Period.choices)
    scope = models.CharField(_("scope"), max_length=6, choices=Scope.choices)
    grade_level = models.PositiveSmallIntegerField(_("grade level"), null=True, blank=True)
    class_group = models.ForeignKey(
        ClassGroup,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="results_exports",
        verbose_name=_("class"),
    )
    with_national_id = models.BooleanField(_("with the personal ID numbers"), default=False)
    job = models.OneToOneField(Job, on_delete=models.PROTECT, related_name="results_export", verbose_name=_("job"))
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("asked at"))
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    fingerprint = models.CharField(_("fingerprint of the data"), max_length=64, blank=True)
    student_count = models.PositiveIntegerField(_("students"), null=True, blank=True)
    incomplete_count = models.PositiveIntegerField(_("students without complete results"), null=True, blank=True)
    approved = models.BooleanField(_("results approved"), null=True, blank=True)
    supersedes = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="superseded_by",
        verbose_name=_("replaces"),
    )
    data_changed = models.BooleanField(_("data changed since the export it replaces"), null=True, blank=True)
    corrections_since = models.PositiveIntegerField(
        _("corrections carried out since the export it replaces"), null=True, blank=True
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("results export")
        verbose_name_plural = _("results exports")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["school", "school_year", "period", "scope"], name="export_lookup")]
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(scope="school", grade_level__isnull=True, class_group__isnull=True)
                    | Q(scope="grade", grade_level__isnull=False, class_group__isnull=True)
                    | Q(scope="class", class_group__isnull=False)
                ),
                name="export_scope_fields",
            ),
            models.CheckConstraint(
                condition=Q(finished_at__isnull=True) | ~Q(sha256=""), name="export_finished_has_checksum"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.school} {self.school_year} {self.get_period_display()} ({self.scope_label})"

    @property
    def scope_label(self) -> str:
        if self.scope == self.Scope.GRADE:
            return str(_("Grade %(grade)s")) % {"grade": self.grade_level}
        if self.scope == self.Scope.CLASS and self.class_group is not None:
            return str(_("Class %(name)s")) % {"name": self.class_group.name}
        return str(self.get_scope_display())

    @property
    def is_update(self) -> bool:
        """A later export of the same scope whose data differ: the updated version ("bản cập nhật")."""
        return self.supersedes_id is not None and bool(self.data_changed)


class DistrictWorkbook(models.Model):
    """One combined workbook of a district's schools for a school year and a period, as a job."""

    district = models.ForeignKey(
        DistrictOffice, on_delete=models.PROTECT, related_name="workbooks", verbose_name=_("district office")
    )
    start_year = models.PositiveSmallIntegerField(_("school year (first calendar year)"))
    period = models.CharField(_("period"), max_length=5, choices=Period.choices)
    title = models.CharField(_("title"), max_length=200)
    status = models.CharField(_("status"), max_length=10, choices=Job.Status.choices, default=Job.Status.QUEUED)
    progress = models.PositiveSmallIntegerField(_("progress (%)"), default=0)
    message = models.CharField(_("message"), max_length=300, blank=True)
    error = models.TextField(_("error"), blank=True)
    file = models.FileField(_("file"), upload_to="exports/district/", max_length=200, blank=True)
    file_name = models.CharField(_("file name"), max_length=150, blank=True)
    content_type = models.CharField(_("type"), max_length=80, blank=True)
    size = models.PositiveBigIntegerField(_("size in bytes"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256 of the file"), max_length=64, blank=True)
    # The school exports combined: [{"export": id, "school": id, "sha256": "…"}], fixed when the job runs.
    sources = models.JSONField(_("school exports combined"), default=list, blank=True)
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    created_at = models.DateTimeField(_("asked at"))
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    history = HistoricalRecords()

    FINISHED = Job.FINISHED

    class Meta:
        verbose_name = _("district workbook")
        verbose_name_plural = _("district workbooks")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(progress__gte=0, progress__lte=100), name="districtbook_progress_0_100"),
            models.CheckConstraint(condition=~Q(status="done") | ~Q(sha256=""), name="districtbook_done_has_hash"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def is_finished(self) -> bool:
        return self.status in self.FINISHED

    @property
    def duration(self):
        if self.started_at and self.finished_at:
            return self.finished_at - self.started_at
        return None
