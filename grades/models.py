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

from schools.models import ClassGroup, ClassSubject, Enrolment, SchoolYear, Term

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


# --- Conduct, summer re-assessment and the stored results (issue 5 items 3-4, issue 7) ----------

#: The periods a result or a conduct rating is about. "summer": after the summer re-assessment and
#: summer conduct training (R22-YE-4/5, R58-YE-3/4).
TERM1, TERM2, YEAR, SUMMER = "term1", "term2", "year", "summer"


class Period(models.TextChoices):
    TERM1 = TERM1, _("Term I")
    TERM2 = TERM2, _("Term II")
    YEAR = YEAR, _("Whole year")
    SUMMER = SUMMER, _("After the summer")


class ConductRating(models.Model):
    """The homeroom teacher's conduct rating (rèn luyện / hạnh kiểm) of a student for a term, the
    year (TT58 only: a judgement, R58-HK-2; under TT22 the year is derived, R22-TR-2) or after the
    summer training (with whether the training was completed: the parent-signed report, TT22 Điều
    13; the commune's certification, TT58 Điều 17). ``level`` is the rule set's Vietnamese label
    ("Tốt", "Khá", "Đạt", "Chưa đạt" or "Trung bình", "Yếu"); empty while not rated."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="conduct_ratings", verbose_name=_("enrolment")
    )
    period = models.CharField(_("period"), max_length=6, choices=Period.choices)
    level = models.CharField(_("level"), max_length=20, blank=True)
    comment = models.TextField(_("comment"), blank=True)
    summer_completed = models.BooleanField(_("summer training completed"), null=True, blank=True)
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
        verbose_name = _("conduct rating")
        verbose_name_plural = _("conduct ratings")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "period"], name="conduct_once_per_period"),
            models.CheckConstraint(condition=Q(period__in=[TERM1, TERM2, YEAR, SUMMER]), name="conduct_period_known"),
            models.CheckConstraint(
                condition=Q(summer_completed__isnull=True) | Q(period=SUMMER), name="conduct_completed_only_summer"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.period}: {self.level or '-'}"


class DisciplineNote(models.Model):
    """A subject teacher's weekly comment on a student's study discipline in his subject (BM Đ5.3),
    which the homeroom teacher reads when rating conduct. One note per student, subject and week."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="discipline_notes", verbose_name=_("enrolment")
    )
    class_subject = models.ForeignKey(
        ClassSubject, on_delete=models.PROTECT, related_name="discipline_notes", verbose_name=_("subject of a class")
    )
    week = models.DateField(_("week of"), help_text=_("The Monday of the week."))
    text = models.TextField(_("comment"))
    version = models.PositiveIntegerField(_("version"), default=1)
    updated_at = models.DateTimeField(_("changed at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("written by"),
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("discipline note")
        verbose_name_plural = _("discipline notes")
        ordering = ["-week", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "class_subject", "week"], name="discipline_note_once_a_week"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.class_subject_id} {self.week:%d/%m/%Y}: {self.text[:40]}"


class RetestScore(models.Model):
    """The summer re-assessment (kiểm tra, đánh giá lại) of one subject for one student, entered by
    the subject teacher: a score for a scored subject, Đ / CĐ for a comment subject (R22-YE-4,
    R58-YE-3). It replaces the subject's year result for promotion only; the year result itself
    stays in the record."""

    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="retest_scores", verbose_name=_("enrolment")
    )
    class_subject = models.ForeignKey(
        ClassSubject, on_delete=models.PROTECT, related_name="retest_scores", verbose_name=_("subject of a class")
    )
    value = models.DecimalField(_("score"), max_digits=3, decimal_places=1, null=True, blank=True)
    mark = models.CharField(_("mark"), max_length=2, choices=Mark.choices, blank=True)
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
        verbose_name = _("summer re-assessment")
        verbose_name_plural = _("summer re-assessments")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "class_subject"], name="retest_once_per_subject"),
            models.CheckConstraint(
                condition=Q(value__isnull=True) | Q(value__gte=Decimal(0), value__lte=Decimal(10)),
                name="retest_value_0_10",
            ),
            models.CheckConstraint(condition=Q(value__isnull=True) | Q(mark=""), name="retest_value_or_mark"),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.class_subject_id}: {self.display}"

    @property
    def display(self) -> str:
        return cell_display(self.value, self.mark, CellState.ENTERED)


class SummerDeadline(models.Model):
    """The school's deadline for the summer results of a school year (LC Đ11.1d: before 31 August;
    R22-YE-7). Without a row the rule set's default applies."""

    school_year = models.OneToOneField(
        SchoolYear, on_delete=models.CASCADE, related_name="summer_deadline", verbose_name=_("school year")
    )
    deadline = models.DateTimeField(_("deadline"))
    updated_at = models.DateTimeField(_("changed at"))
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("changed by")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("summer results deadline")
        verbose_name_plural = _("summer results deadlines")

    def __str__(self) -> str:
        return f"{self.school_year}: {self.deadline:%d/%m/%Y %H:%M}"


class ResultBatch(models.Model):
    """A class's results for one period, as a whole: computed by the homeroom teacher, proposed
    with the lists (promoted, retained, honours, re-test, summer training), approved by the
    principal or returned with a comment (BM Đ3.5, BM Đ4.4, BM Đ4.6). Approval locks the results
    (a ``BookLock`` of the class, column "results") and is in the history."""

    class Status(models.TextChoices):
        DRAFT = "draft", _("Computed, not proposed")
        PROPOSED = "proposed", _("Proposed, waiting for the principal")
        RETURNED = "returned", _("Returned by the principal")
        APPROVED = "approved", _("Approved")

    class_group = models.ForeignKey(
        ClassGroup, on_delete=models.PROTECT, related_name="result_batches", verbose_name=_("class")
    )
    period = models.CharField(_("period"), max_length=6, choices=Period.choices)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.DRAFT)
    rule_set_code = models.CharField(_("rule set"), max_length=20)
    rule_set_version = models.CharField(_("rule set version"), max_length=40)
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("computed by")
    )
    proposed_at = models.DateTimeField(_("proposed at"), null=True, blank=True)
    proposed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("proposed by"),
    )
    proposal_comment = models.TextField(_("homeroom teacher's comment"), blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decision_comment = models.TextField(_("principal's comment"), blank=True)
    version = models.PositiveIntegerField(_("version"), default=1)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("results of a class")
        verbose_name_plural = _("results of classes")
        ordering = ["class_group", "period"]
        constraints = [
            models.UniqueConstraint(fields=["class_group", "period"], name="result_batch_once_per_period"),
            models.CheckConstraint(
                condition=Q(period__in=[TERM1, TERM2, YEAR, SUMMER]), name="result_batch_period_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.class_group} {self.get_period_display()}: {self.get_status_display()}"


class StudentResult(models.Model):
    """One student's results for one period, as the rules engine computed them from the stored
    scores, conduct and absences, with the rule set's code and version (R-SEL-2), so a result always
    says which rules made it. Recomputing is an explicit, recorded action (``results_compute``).

    ``subjects``: ``{code: {"name", "kind", "term1", "term2", "year", "final_year", "retest"}}``
    with values as the contract writes them ("7.7", "Đ", null). ``learning``/``learning_raw``: the
    TT22 learning result or TT58 academic rank of the period, after / before the adjustment clause;
    ``conduct`` the period's conduct; ``title`` the honours; ``outcome`` the year-end decision
    (year and summer only). ``reasons``: the Vietnamese sentences naming the articles applied."""

    batch = models.ForeignKey(ResultBatch, on_delete=models.PROTECT, related_name="results", verbose_name=_("results"))
    enrolment = models.ForeignKey(
        Enrolment, on_delete=models.PROTECT, related_name="results", verbose_name=_("enrolment")
    )
    period = models.CharField(_("period"), max_length=6, choices=Period.choices)
    rule_set_code = models.CharField(_("rule set"), max_length=20)
    rule_set_version = models.CharField(_("rule set version"), max_length=40)
    subjects = models.JSONField(_("subject results"), default=dict)
    overall_average = models.CharField(_("overall average"), max_length=5, blank=True)
    learning = models.CharField(_("learning result"), max_length=20, blank=True)
    learning_raw = models.CharField(_("learning result before adjustment"), max_length=20, blank=True)
    conduct = models.CharField(_("conduct"), max_length=20, blank=True)
    title = models.CharField(_("honours"), max_length=40, blank=True)
    outcome = models.CharField(_("year-end decision"), max_length=24, blank=True)
    retest_subjects = models.JSONField(_("subjects to re-assess"), default=list)
    summer_training = models.BooleanField(_("summer conduct training"), default=False)
    absences = models.PositiveSmallIntegerField(_("absences counted"), default=0)
    reasons = models.JSONField(_("reasons"), default=list)
    warnings = models.JSONField(_("warnings"), default=list)
    computed_at = models.DateTimeField(_("computed at"))
    computed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("computed by")
    )
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("student's result")
        verbose_name_plural = _("students' results")
        constraints = [
            models.UniqueConstraint(fields=["enrolment", "period"], name="student_result_once_per_period"),
            models.CheckConstraint(
                condition=Q(period__in=[TERM1, TERM2, YEAR, SUMMER]), name="student_result_period_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.enrolment_id}/{self.period}: {self.learning} {self.conduct} {self.outcome}"
