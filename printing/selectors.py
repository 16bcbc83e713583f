"""Reads of the printing app: the results the summary pages print, and the print page's lists.

The summary pages (§10.2 items 9, 11, 12) print term and year results: learning result, conduct,
titles, promotion. Those are the principal's approved results (BM Đ3.5), read through the results
app's one function for them, ``grades.results_selectors.approved_results``. Until a period of a
class is approved, the book prints what the results app computes now from the same inputs
(``evaluate`` and ``record_fields`` over ``grades.class_inputs``: the same engine call and the same
stored form as the results it would approve), and every such page says "chưa được phê duyệt".
``class_results`` is the one adapter between the book and the results.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from django.db.models import Count, Q, QuerySet

from grades.class_inputs import ClassInputs
from grades.results_selectors import PROMOTED_OUTCOMES, approved_results, evaluate, record_fields, vi
from grades.rules import YearOutcome
from schools.models import ClassGroup, Term

from .models import BookRegister, Job

PROMOTED = PROMOTED_OUTCOMES | {YearOutcome.COMPLETED_PROGRAMME.value}


@dataclass(frozen=True)
class ResultLine:
    """One student's printed results for one period (labels as the book prints them)."""

    learning: str = ""
    conduct: str = ""
    title: str = ""
    outcome: str = ""
    subjects: Mapping[str, Mapping] = field(default_factory=dict)  # code → {"term1", "term2", "year", ...}

    @property
    def promoted(self) -> bool | None:
        """True promoted (or programme completed), False retained, None not decided."""
        if self.outcome in PROMOTED:
            return True
        if self.outcome == YearOutcome.RETAINED.value:
            return False
        return None

    @property
    def after_summer(self) -> bool:
        return self.outcome == YearOutcome.PROMOTED_AFTER_SUMMER.value

    def subject(self, code: str, key: str) -> str:
        """A subject's value for a period ("term1", "term2", "year", "retest") as printed: "7,7", "Đ"."""
        value = (self.subjects.get(code) or {}).get(key)
        return vi(str(value)) if value not in (None, "") else ""


@dataclass(frozen=True)
class PeriodResults:
    period: str  # "term1", "term2", "year", "summer"
    approved: bool
    lines: dict[int, ResultLine] = field(default_factory=dict)  # by enrolment id


def _line(row) -> ResultLine:
    get = row.get if isinstance(row, Mapping) else lambda name: getattr(row, name)
    return ResultLine(
        learning=get("learning") or "",
        conduct=get("conduct") or "",
        title=get("title") or "",
        outcome=get("outcome") or "",
        subjects=get("subjects") or {},
    )


def class_results(inputs: ClassInputs, periods: Iterable[str]) -> dict[str, PeriodResults]:
    """Each period's results of the class: the approved ones when the principal approved them,
    otherwise the results app's computation now (students who left have none)."""
    found: dict[str, PeriodResults] = {}
    for period in periods:
        approved = approved_results(inputs.class_group, period)
        if approved:
            found[period] = PeriodResults(period, True, {row.enrolment_id: _line(row) for row in approved})
            continue
        lines = {}
        for row in evaluate(inputs, period):
            if row.result is not None:
                lines[row.student.enrolment.pk] = _line(record_fields(inputs, row.student, row.result, period))
        found[period] = PeriodResults(period, False, lines)
    return found


# --- the print page -------------------------------------------------------------------------------


def jobs_of(qs: QuerySet[Job], limit: int = 30) -> list[Job]:
    return list(
        qs.filter(parent__isnull=True, kind__in=Job.PRINT_KINDS)
        .select_related("requested_by")
        .annotate(child_count=Count("children"), children_done=Count("children", filter=Q(children__status="done")))
        .order_by("-created_at", "-pk")[:limit]
    )


@dataclass
class ClassRow:
    class_group: ClassGroup
    register: BookRegister | None
    last_job: Job | None

    @property
    def data_changed(self) -> bool | None:
        """Whether the latest print shows other data than the archived copy (None: nothing to compare)."""
        if self.register is None or not self.register.is_archived or self.last_job is None:
            return None
        if self.last_job.status != Job.Status.DONE:
            return None
        return self.last_job.fingerprint != self.register.archive_fingerprint


def class_rows(year, term: Term) -> list[ClassRow]:
    """Every class of the year with its register for the term and its latest class-book job (three queries)."""
    classes = list(ClassGroup.objects.filter(school_year=year).order_by("grade_level", "name"))
    registers = {
        r.class_group_id: r
        for r in BookRegister.objects.filter(class_group__school_year=year, term=term).select_related(
            "printed_job", "updated_by"
        )
    }
    latest: dict[int, Job] = {}
    jobs = Job.objects.filter(school_id=year.school_id, kind=Job.Kind.CLASS_BOOK, scope__term=term.pk).order_by(
        "created_at", "pk"
    )
    for job in jobs.only("pk", "scope", "status", "fingerprint", "created_at", "progress", "finished_at"):
        class_id = job.scope.get("class_group")
        if isinstance(class_id, int):
            latest[class_id] = job
    return [ClassRow(c, registers.get(c.pk), latest.get(c.pk)) for c in classes]
