"""Scores as entered on the grid: one row per cell, with its version and its history.

A cell is (enrolment, class's subject, term, column); the column is a key of the school year's
rule set ("regular_1", "midterm", "final", TT58 "oral_1", "period_test_1" …). Averages are never
stored here: the rules engine computes them from the cells (a later issue stores the official
results). Every row carries a ``version`` that a save must quote, so two people editing the same
cell can never silently overwrite each other (performance-and-reliability.md §5.3).
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from schools.models import ClassSubject, Enrolment, Term

COMMENT_COLUMN = "comment"


class Mark(models.TextChoices):
    """Result of one assessment of a comment-assessed subject."""

    PASS = "Đ", _("Pass (Đ)")
    FAIL = "CĐ", _("Not yet pass (CĐ)")


class CellState(models.TextChoices):
    """R22-ASM-5: a missed assessment waits for its make-up, then holds the make-up result or 0 / CĐ."""

    ENTERED = "entered", _("Entered")
    ABSENT = "absent", _("Absent, make-up pending")
    MAKEUP = "makeup", _("Make-up")
    NO_MAKEUP = "no_makeup", _("No make-up: 0 / CĐ")


class ScoreCell(models.Model):
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="score_cells", verbose_name=_("enrolment")
    )
    class_subject = models.ForeignKey(
        ClassSubject, on_delete=models.PROTECT, related_name="score_cells", verbose_name=_("subject of a class")
    )
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="score_cells", verbose_name=_("term"))
    column = models.CharField(_("column"), max_length=20)
    value = models.DecimalField(_("score"), max_digits=3, decimal_places=1, null=True, blank=True)
    mark = models.CharField(_("mark"), max_length=2, choices=Mark.choices, blank=True)
    state = models.CharField(_("state"), max_length=10, choices=CellState.choices, default=CellState.ENTERED)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("changed at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("score cell")
        verbose_name_plural = _("score cells")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "class_subject", "term", "column"], name="scorecell_unique"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=Decimal(0), value__lte=Decimal(10)),
                name="scorecell_value_0_10",
            ),
            models.CheckConstraint(condition=Q(value__isnull=True) | Q(mark=""), name="scorecell_value_or_mark"),
            models.CheckConstraint(
                condition=~Q(state="absent") | (Q(value__isnull=True) & Q(mark="")),
                name="scorecell_absent_is_empty",
            ),
            models.CheckConstraint(
                condition=~Q(state="makeup") | Q(value__isnull=False) | ~Q(mark=""), name="scorecell_makeup_has_value"
            ),
            models.CheckConstraint(
                condition=~Q(state="no_makeup") | Q(value=Decimal(0)) | Q(mark="CĐ"), name="scorecell_no_makeup_is_zero"
            ),
            models.CheckConstraint(condition=~Q(column=COMMENT_COLUMN), name="scorecell_not_comment"),
        ]
        indexes = [models.Index(fields=["class_subject", "term"], name="scorecell_grid")]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.class_subject_id}/{self.term_id}/{self.column}: {self.display}"

    @property
    def display(self) -> str:
        return cell_display(self.value, self.mark, self.state)


def cell_display(value: Decimal | None, mark: str, state: str) -> str:
    """The cell as the grid shows it: "8,5", "Đ", "V" (absent), or "" (empty)."""
    if value is not None:
        return f"{value:.1f}".replace(".", ",")
    if mark:
        return mark
    if state == CellState.ABSENT:
        return "V"
    return ""


class SubjectComment(models.Model):
    """The subject teacher's comment (nhận xét) on one student for one term (BM Đ5, TT22 Điều 6)."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="subject_comments", verbose_name=_("enrolment")
    )
    class_subject = models.ForeignKey(
        ClassSubject, on_delete=models.PROTECT, related_name="comments", verbose_name=_("subject of a class")
    )
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="subject_comments", verbose_name=_("term"))
    text = models.TextField(_("comment"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("changed at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("subject comment")
        verbose_name_plural = _("subject comments")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "class_subject", "term"], name="subjectcomment_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.class_subject_id}/{self.term_id}: {self.text[:40]}"


class AssessmentDate(models.Model):
    """The test date of a periodic column (mid-term, end-of-term) of one class's subject in one term;
    the entry deadline is derived from it (P-DL-1..3, LC Đ11.1)."""

    class_subject = models.ForeignKey(
        ClassSubject, on_delete=models.PROTECT, related_name="assessment_dates", verbose_name=_("subject of a class")
    )
    term = models.ForeignKey(Term, on_delete=models.PROTECT, related_name="assessment_dates", verbose_name=_("term"))
    column = models.CharField(_("column"), max_length=20)
    test_date = models.DateField(_("test date"))
    updated_at = models.DateTimeField(_("changed at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("changed by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("test date")
        verbose_name_plural = _("test dates")
        constraints = [
            models.UniqueConstraint(fields=["class_subject", "term", "column"], name="assessmentdate_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.class_subject} {self.term} {self.column}: {self.test_date:%d/%m/%Y}"
