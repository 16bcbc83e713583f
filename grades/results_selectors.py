"""Reads of conduct, the class overview and the term / year / summer results.

Everything here starts from ``class_inputs`` (the engine's typed inputs for a whole class, in a
constant number of queries) and asks the rules engine; nothing repeats a rule. The pages run a
fixed number of queries whatever the class size (tests compare 10 and 40 students).

For printing, the export and the portal: ``approved_results(class_group, period)`` is the one
function to read a class's official results.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from attendance.selectors import AttendanceTotals
from schools.locks import LockMap, LockState
from schools.models import ClassGroup, ClassSubject, Enrolment, SchoolYear
from schools.sorting import vietnamese_sorted

from .class_inputs import ClassInputs, StudentInputs, class_inputs, input_for_period
from .models import (
    SUMMER,
    TERM1,
    TERM2,
    YEAR,
    ConductRating,
    DisciplineNote,
    Period,
    ResultBatch,
    RetestScore,
    StudentResult,
    SummerDeadline,
)
from .rules import (
    Period as EnginePeriod,
)
from .rules import (
    RuleSet,
    RulesInputError,
    StudentYearResult,
    YearOutcome,
    format_score,
    result_to_dict,
    year_training_result,
)

PERIODS = (TERM1, TERM2, YEAR, SUMMER)
PERIOD_SLUGS = {TERM1: "hoc-ki-1", TERM2: "hoc-ki-2", YEAR: "ca-nam", SUMMER: "he"}
SLUG_PERIODS = {slug: period for period, slug in PERIOD_SLUGS.items()}
SUMMER_OUTCOMES = frozenset(
    {YearOutcome.SUMMER_REASSESSMENT.value, YearOutcome.SUMMER_TRAINING.value, YearOutcome.SUMMER_BOTH.value}
)
PROMOTED_OUTCOMES = frozenset({YearOutcome.PROMOTED.value, YearOutcome.PROMOTED_AFTER_SUMMER.value})
OUTCOME_LABELS = {
    YearOutcome.PROMOTED.value: gettext_lazy("Promoted"),
    YearOutcome.PROMOTED_AFTER_SUMMER.value: gettext_lazy("Promoted after the summer"),
    YearOutcome.SUMMER_REASSESSMENT.value: gettext_lazy("Summer re-assessment"),
    YearOutcome.SUMMER_TRAINING.value: gettext_lazy("Summer conduct training"),
    YearOutcome.SUMMER_BOTH.value: gettext_lazy("Summer training and re-assessment"),
    YearOutcome.RETAINED.value: gettext_lazy("Retained"),
    YearOutcome.COMPLETED_PROGRAMME.value: gettext_lazy("Completed the programme"),
    YearOutcome.PENDING.value: gettext_lazy("Not decided: data missing"),
}
#: The lock column each period's results are frozen under (the year's and the summer's have no term).
RESULTS_COLUMN = "results"
SUMMER_COLUMN = "summer"


def vi(value: str | None) -> str:
    """A stored value ("7.7", "Đ", "Khá") as the pages show it ("7,7")."""
    if not value:
        return ""
    return value.replace(".", ",") if value[:1].isdigit() else value


def outcome_label(outcome: str) -> str:
    return str(OUTCOME_LABELS.get(outcome, outcome)) if outcome else ""


def is_tt22(rule_set: RuleSet) -> bool:
    return rule_set.code == "tt22_2021"


def learning_heading(rule_set: RuleSet) -> str:
    return _("Learning result") if is_tt22(rule_set) else _("Academic rank")


def conduct_heading(rule_set: RuleSet) -> str:
    return _("Training result") if is_tt22(rule_set) else _("Conduct")


def conduct_levels(rule_set: RuleSet) -> list[str]:
    """The conduct levels of the rule set, best first (TT22: Tốt, Khá, Đạt, Chưa đạt; TT58: Tốt,
    Khá, Trung bình, Yếu)."""
    return [level.label for level in rule_set.conduct_scale]


def lock_for(class_group: ClassGroup, inputs: ClassInputs | None, period: str, column: str) -> LockState:
    term = inputs.term(period) if inputs is not None else None
    return LockMap(class_group, term).state(column=column)


def results_lock_column(period: str) -> str:
    return SUMMER_COLUMN if period == SUMMER else RESULTS_COLUMN


# --- evaluation -------------------------------------------------------------------------------


@dataclass
class Evaluated:
    student: StudentInputs
    result: StudentYearResult | None
    error: str = ""


def evaluate(inputs: ClassInputs, period: str, students: Iterable[StudentInputs] | None = None) -> list[Evaluated]:
    """The engine's results for the class's students (the active ones unless given)."""
    rows = []
    for student in inputs.active if students is None else students:
        try:
            rows.append(Evaluated(student, inputs.rule_set.evaluate(input_for_period(student, period))))
        except RulesInputError as exc:
            rows.append(Evaluated(student, None, str(exc)))
    return rows


_ENGINE_PERIOD = {TERM1: EnginePeriod.TERM1, TERM2: EnginePeriod.TERM2}


def record_fields(inputs: ClassInputs, student: StudentInputs, result: StudentYearResult, period: str) -> dict:
    """The stored form of one student's results for a period (the ``StudentResult`` columns)."""
    detail = result_to_dict(result)
    subjects = {}
    retests = {spec.class_subject.subject.code: spec.class_subject.pk for spec in inputs.specs}
    for subject in result.subjects:
        values = detail["subjects"].get(subject.code, {})
        retest = student.retests.get(retests.get(subject.code, 0))
        subjects[subject.code] = {
            "name": subject.name,
            "kind": subject.kind.value,
            **values,
            "retest": retest.display.replace(",", ".") if retest is not None and period == SUMMER else None,
            "provisional": detail["provisional"].get(subject.code, {}),
        }
    if period in _ENGINE_PERIOD:
        key = period
        learning = result.learning(_ENGINE_PERIOD[period])
        reasons = list(learning.reasons)
        label = _ENGINE_PERIOD[period].label.lower()
        reasons += [r for s in result.subjects for r in s.reasons if label in r.text.lower()]
        return {
            "subjects": subjects,
            "overall_average": detail["overall_average"][key] or "",
            "learning": detail["learning"][key] or "",
            "learning_raw": detail["learning_raw"][key] or "",
            "conduct": detail["conduct"][key] or "",
            "title": detail["title_terms"][key] or "",
            "outcome": "",
            "retest_subjects": [],
            "summer_training": False,
            "absences": inputs.absences(student.enrolment.pk, period).counted,
            "reasons": [str(r) for r in reasons],
            "warnings": [str(w) for w in result.warnings],
        }
    after = result.learning_after_retest if period == SUMMER else None
    return {
        "subjects": subjects,
        "overall_average": (
            detail["overall_average"]["after_retest"] if after is not None else detail["overall_average"]["year"]
        )
        or "",
        "learning": (detail["learning"]["after_retest"] if after is not None else detail["learning"]["year"]) or "",
        "learning_raw": (after.raw.label if after is not None and after.raw else detail["learning_raw"]["year"]) or "",
        "conduct": (
            (detail["conduct"]["after_summer"] or detail["conduct"]["year"])
            if period == SUMMER
            else detail["conduct"]["year"]
        )
        or "",
        "title": detail["title"] or "",
        "outcome": detail["outcome"],
        "retest_subjects": detail["retest_subjects"],
        "summer_training": detail["summer_training"],
        "absences": inputs.absences(student.enrolment.pk, period).counted,
        "reasons": detail["reasons"],
        "warnings": detail["warnings"],
    }


COMPARED = (
    "subjects",
    "overall_average",
    "learning",
    "learning_raw",
    "conduct",
    "title",
    "outcome",
    "retest_subjects",
    "summer_training",
    "absences",
)


def differs(stored: StudentResult, fresh: dict, rule_set: RuleSet) -> bool:
    """Whether a stored result no longer matches what the engine computes from today's data."""
    if stored.rule_set_version != rule_set.version or stored.rule_set_code != rule_set.code:
        return True
    return any(getattr(stored, name) != fresh[name] for name in COMPARED)


# --- what is missing --------------------------------------------------------------------------


@dataclass(frozen=True)
class Blocker:
    """Something that keeps a class's results from being proposed or approved, said plainly."""

    kind: str  # "scores", "conduct", "attendance", "approval", "retest", "summer_conduct", "engine"
    message: str
    students: tuple[str, ...] = ()
    class_subject_id: int | None = None

    @property
    def student_list(self) -> str:
        shown = ", ".join(self.students[:8])
        more = len(self.students) - 8
        return f"{shown} … (+{more})" if more > 0 else shown


def _month_names(months: Sequence[tuple[int, int]]) -> str:
    return ", ".join(f"{m:02d}/{y}" for y, m in months)


def _term_numbers(period: str) -> tuple[int, ...]:
    return {TERM1: (1,), TERM2: (2,)}.get(period, (1, 2))


def gaps(inputs: ClassInputs, period: str) -> list[Blocker]:
    """Missing scores (per subject, naming its teachers), missing conduct ratings and attendance
    months not confirmed, for a term or the year."""
    blockers: list[Blocker] = []
    active = inputs.active
    for number in _term_numbers(period):
        term = inputs.terms.get(number)
        if term is None:
            continue
        term_name = term.get_number_display()
        for spec in inputs.specs:
            cs = spec.class_subject
            lacking = [s for s in active if (cs.pk, number) in s.missing]
            if lacking:
                cells = sum(len(s.missing[(cs.pk, number)]) for s in lacking)
                blockers.append(
                    Blocker(
                        "scores",
                        _("%(subject)s (%(teachers)s), %(term)s: %(n)s student(s) lack %(cells)s assessment(s).")
                        % {
                            "subject": cs.subject.name,
                            "teachers": inputs.teacher_names(cs.pk),
                            "term": term_name,
                            "n": len(lacking),
                            "cells": cells,
                        },
                        tuple(s.student.full_name for s in lacking),
                        cs.pk,
                    )
                )
        conduct_period = TERM1 if number == 1 else TERM2
        unrated = [s for s in active if not (s.conduct.get(conduct_period) and s.conduct[conduct_period].level)]
        if unrated:
            blockers.append(
                Blocker(
                    "conduct",
                    _("%(term)s: %(n)s student(s) have no conduct rating.") % {"term": term_name, "n": len(unrated)},
                    tuple(s.student.full_name for s in unrated),
                )
            )
    if period in (YEAR, SUMMER) and not is_tt22(inputs.rule_set):
        unrated = [s for s in active if not (s.conduct.get(YEAR) and s.conduct[YEAR].level)]
        if unrated:
            blockers.append(
                Blocker(
                    "conduct",
                    _("Year: %(n)s student(s) have no conduct rating for the year (confirm or change term II's).")
                    % {"n": len(unrated)},
                    tuple(s.student.full_name for s in unrated),
                )
            )
    missing_months = inputs.months_missing(period)
    if missing_months:
        blockers.append(
            Blocker(
                "attendance",
                _("Attendance not confirmed by the homeroom teacher for: %(months)s.")
                % {"months": _month_names(missing_months)},
            )
        )
    return blockers


def summer_students(year_results: Iterable[StudentResult]) -> dict[int, StudentResult]:
    """The students the summer concerns (re-assessment, training or both), by enrolment id."""
    return {r.enrolment_id: r for r in year_results if r.outcome in SUMMER_OUTCOMES}


def summer_gaps(inputs: ClassInputs, year_results: dict[int, StudentResult]) -> list[Blocker]:
    """What the summer's results still wait for: re-assessments of the subjects due (TT22: every
    one; TT58: at least one the student chose) and the outcome of the summer conduct training."""
    blockers: list[Blocker] = []
    due = summer_students(year_results.values())
    codes = {spec.class_subject.subject.code: spec for spec in inputs.specs}
    lacking_retest: dict[int, list[str]] = {}
    lacking_choice: list[str] = []
    lacking_training: list[str] = []
    for student in inputs.active:
        year = due.get(student.enrolment.pk)
        if year is None:
            continue
        subjects = [codes[c] for c in year.retest_subjects if c in codes]
        if year.outcome in (YearOutcome.SUMMER_REASSESSMENT.value, YearOutcome.SUMMER_BOTH.value) and subjects:
            if is_tt22(inputs.rule_set):
                for spec in subjects:
                    if spec.class_subject.pk not in student.retests:
                        lacking_retest.setdefault(spec.class_subject.pk, []).append(student.student.full_name)
            elif not any(spec.class_subject.pk in student.retests for spec in subjects):
                lacking_choice.append(student.student.full_name)
        if year.summer_training:
            summer = student.conduct.get(SUMMER)
            if summer is None or (summer.summer_completed is not False and not summer.level):
                lacking_training.append(student.student.full_name)
    for spec in inputs.specs:
        names = lacking_retest.get(spec.class_subject.pk)
        if names:
            blockers.append(
                Blocker(
                    "retest",
                    _("%(subject)s (%(teachers)s): %(n)s re-assessment(s) not entered.")
                    % {
                        "subject": spec.class_subject.subject.name,
                        "teachers": inputs.teacher_names(spec.class_subject.pk),
                        "n": len(names),
                    },
                    tuple(names),
                    spec.class_subject.pk,
                )
            )
    if lacking_choice:
        blockers.append(
            Blocker(
                "retest",
                _("%(n)s student(s) have no re-test score in any of the subjects they may re-take.")
                % {"n": len(lacking_choice)},
                tuple(lacking_choice),
            )
        )
    if lacking_training:
        blockers.append(
            Blocker(
                "summer_conduct",
                _("%(n)s student(s) wait for the outcome of their summer conduct training.")
                % {"n": len(lacking_training)},
                tuple(lacking_training),
            )
        )
    return blockers


def readiness(
    inputs: ClassInputs,
    period: str,
    batches: dict[str, ResultBatch],
    year_results: dict[int, StudentResult] | None = None,
    evaluated: Sequence[Evaluated] = (),
) -> list[Blocker]:
    """Everything that blocks the approval of the class's results for the period (empty: ready)."""
    if period == SUMMER:
        year = batches.get(YEAR)
        if year is None or year.status != ResultBatch.Status.APPROVED:
            return [Blocker("approval", _("The year's results are not approved yet."))]
        blockers = summer_gaps(inputs, year_results or {})
    else:
        blockers = gaps(inputs, period)
        if period == YEAR:
            for term_period in (TERM1, TERM2):
                batch = batches.get(term_period)
                if batch is None or batch.status != ResultBatch.Status.APPROVED:
                    blockers.append(
                        Blocker(
                            "approval",
                            _("The results of %(term)s are not approved yet.") % {"term": Period(term_period).label},
                        )
                    )
    failed = [row for row in evaluated if row.error]
    for row in failed:
        blockers.append(Blocker("engine", f"{row.student.student.full_name}: {row.error}"))
    return blockers


# --- the class overview ------------------------------------------------------------------------


@dataclass
class SubjectValue:
    display: str
    provisional: bool = False
    missing: int = 0


@dataclass
class OverviewRow:
    student: StudentInputs
    values: list[SubjectValue]
    learning: str = ""
    learning_raw: str = ""
    overall: str = ""  # TT58 ĐTBhk / ĐTBcn
    conduct: str = ""
    title: str = ""
    outcome: str = ""
    absences: AttendanceTotals | None = None
    notes: list[str] = field(default_factory=list)


@dataclass
class Overview:
    inputs: ClassInputs
    period: str
    rows: list[OverviewRow]
    warnings: list[Blocker]
    months_overdue: list[tuple[int, int]]

    @property
    def months_overdue_text(self) -> str:
        return _month_names(self.months_overdue)


def _value(value, provisional_value) -> SubjectValue:
    if value is not None:
        return SubjectValue(vi(_text(value)))
    if provisional_value is not None:
        return SubjectValue(vi(_text(provisional_value)), provisional=True)
    return SubjectValue("")


def _text(value) -> str:
    if hasattr(value, "label"):
        return value.label
    return format_score(value)


def class_overview(class_group: ClassGroup, period: str, *, today: date | None = None) -> Overview:
    """Every subject's averages (or Đ/CĐ) of the period, the learning result, conduct, absences and
    what is missing, for every student, computed by the rules engine from the stored data."""
    today = today or timezone.localdate()
    inputs = class_inputs(class_group, today=today)
    engine_period = {TERM1: EnginePeriod.TERM1, TERM2: EnginePeriod.TERM2}.get(period, EnginePeriod.YEAR)
    numbers = _term_numbers(period)
    results = {row.student.enrolment.pk: row for row in evaluate(inputs, YEAR, inputs.students)}
    rows = []
    for student in inputs.students:
        evaluated = results[student.enrolment.pk]
        result = evaluated.result
        values = []
        for index, spec in enumerate(inputs.specs):
            missing = sum(len(student.missing.get((spec.class_subject.pk, n), ())) for n in numbers)
            if result is None:
                values.append(SubjectValue("", missing=missing))
                continue
            subject = result.subjects[index]
            if engine_period is EnginePeriod.YEAR:
                value = _value(subject.year, subject.year_provisional)
            else:
                term = subject.term(engine_period)
                value = _value(term.value, term.provisional)
            value.missing = missing
            values.append(value)
        row = OverviewRow(student=student, values=values, absences=inputs.absences(student.enrolment.pk, period))
        if result is not None:
            learning = result.learning(engine_period)
            row.learning = learning.adjusted.label if learning.adjusted else ""
            row.learning_raw = learning.raw.label if learning.was_adjusted and learning.raw else ""
            row.overall = vi(_text(learning.overall_average)) if learning.overall_average is not None else ""
            conduct = {
                EnginePeriod.TERM1: result.conduct.term1,
                EnginePeriod.TERM2: result.conduct.term2,
                EnginePeriod.YEAR: result.conduct.year,
            }[engine_period]
            row.conduct = conduct.label if conduct else ""
            title = {
                EnginePeriod.TERM1: result.title_term1,
                EnginePeriod.TERM2: result.title_term2,
                EnginePeriod.YEAR: result.title,
            }[engine_period]
            row.title = title.value if title else ""
            if engine_period is EnginePeriod.YEAR and student.active:
                row.outcome = outcome_label(result.outcome.value)
        else:
            row.notes.append(evaluated.error)
        if student.active:
            lacking = sum(v.missing for v in values)
            if lacking:
                row.notes.append(_("%(n)s assessment(s) missing") % {"n": lacking})
            if not row.conduct:
                row.notes.append(_("no conduct rating"))
        rows.append(row)
    return Overview(
        inputs=inputs,
        period=period,
        rows=rows,
        warnings=[b for b in gaps(inputs, period) if b.kind != "attendance"],
        months_overdue=inputs.months_overdue(today),
    )


# --- conduct page ------------------------------------------------------------------------------


@dataclass
class ConductRow:
    student: StudentInputs
    rating: ConductRating | None
    derived: str = ""  # TT22 year: the level the two terms give (R22-TR-2)
    prefill: str = ""  # TT58 year: term II's level until the homeroom teacher confirms (R58-HK-2)
    notes: list[DisciplineNote] = field(default_factory=list)
    year_result: StudentResult | None = None  # summer: why the student trains
    shown_level: str = ""  # what the form shows: the stored level, the TT58 prefill, or what was posted
    shown_comment: str = ""
    shown_done: str = ""

    @property
    def done(self) -> str:
        """The stored "training completed" as the form's value: "yes", "no" or ""."""
        completed = self.rating.summer_completed if self.rating else None
        return {True: "yes", False: "no"}.get(completed, "")

    @property
    def level(self) -> str:
        return self.rating.level if self.rating else ""

    @property
    def comment(self) -> str:
        return self.rating.comment if self.rating else ""

    @property
    def version(self) -> int:
        return self.rating.version if self.rating else 0


@dataclass
class ConductPage:
    inputs: ClassInputs
    period: str
    rows: list[ConductRow]
    levels: list[str]
    lock: LockState
    derived_year: bool  # TT22: the year is not entered
    deadline: datetime | None = None


def conduct_page(class_group: ClassGroup, period: str, *, now: datetime | None = None) -> ConductPage:
    """The class's conduct ratings of a period with the subject teachers' discipline notes of the
    period's weeks (BM Đ5.3), what the year's level follows from, and the lock."""
    inputs = class_inputs(class_group)
    rule_set = inputs.rule_set
    term = inputs.term(period)
    notes: dict[int, list[DisciplineNote]] = {}
    if period in (TERM1, TERM2) and term is not None:
        for note in (
            DisciplineNote.objects.filter(
                enrolment__class_group=class_group, week__gte=term.start_date, week__lte=term.end_date
            )
            .select_related("class_subject__subject", "updated_by")
            .order_by("-week", "class_subject__subject__order")
        ):
            notes.setdefault(note.enrolment_id, []).append(note)
    year_results: dict[int, StudentResult] = {}
    students = inputs.students
    if period == SUMMER:
        year_results = {r.enrolment_id: r for r in approved_results(class_group, YEAR)}
        students = [
            s for s in inputs.active if s.enrolment.pk in year_results and year_results[s.enrolment.pk].summer_training
        ]
    rows = []
    for student in students:
        row = ConductRow(student=student, rating=student.conduct.get(period), notes=notes.get(student.enrolment.pk, []))
        if period == YEAR:
            first = student.input.conduct.term1
            second = student.input.conduct.term2
            if is_tt22(rule_set) and first is not None and second is not None:
                row.derived = year_training_result(first, second).label
            elif second is not None:
                row.prefill = second.label
        row.year_result = year_results.get(student.enrolment.pk)
        row.shown_level = row.level or row.prefill
        row.shown_comment = row.comment
        row.shown_done = row.done
        rows.append(row)
    column = "conduct" if term is not None else results_lock_column(period)
    return ConductPage(
        inputs=inputs,
        period=period,
        rows=rows,
        levels=conduct_levels(rule_set),
        lock=LockMap(class_group, term).state(column=column),
        derived_year=period == YEAR and is_tt22(rule_set),
        deadline=summer_deadline(inputs.school_year, rule_set) if period == SUMMER else None,
    )


def discipline_notes(class_subject: ClassSubject) -> list[DisciplineNote]:
    """The notes written in a class's subject, newest week first (one query)."""
    return list(
        DisciplineNote.objects.filter(class_subject=class_subject)
        .select_related("enrolment__student", "updated_by")
        .order_by("-week", "enrolment__student__given_name")
    )


# --- results ------------------------------------------------------------------------------------


def summer_deadline(school_year: SchoolYear, rule_set: RuleSet | None = None) -> datetime:
    """The moment the summer results are due (LC Đ11.1d): the school's own date for the year, or the
    rule set's default (R22-YE-7: end of 30 August, parameter ``summer_results_deadline``)."""
    own = SummerDeadline.objects.filter(school_year=school_year).values_list("deadline", flat=True).first()
    if own is not None:
        return own
    text = (rule_set.parameters.summer_results_deadline if rule_set else None) or "08-30T23:59"
    month_day, _sep, clock = text.partition("T")
    month, day = (int(part) for part in month_day.split("-"))
    hour, minute = (int(part) for part in (clock or "23:59").split(":"))
    moment = datetime.combine(date(school_year.end_date.year, month, day), time(hour, minute))
    return timezone.make_aware(moment) + timedelta(seconds=59)


@dataclass
class ResultRow:
    student: StudentInputs
    stored: StudentResult | None
    fresh: dict | None
    error: str = ""
    stale: bool = False
    values: list[str] = field(default_factory=list)  # the subjects' values of the period, in book order
    outcome_text: str = ""
    overall_text: str = ""
    retest_text: str = ""  # the subjects to re-assess, by name

    @property
    def shown(self) -> dict:
        """The stored values when there are some, else the fresh computation (not yet stored)."""
        if self.stored is not None:
            return {name: getattr(self.stored, name) for name in (*COMPARED, "reasons", "warnings")}
        return self.fresh or {}

    def subject_display(self, code: str, key: str) -> str:
        return vi((self.shown.get("subjects") or {}).get(code, {}).get(key))


@dataclass
class Lists:
    """The lists the homeroom teacher proposes and the principal approves (BM Đ4.4, Đ4.6)."""

    promoted: list[ResultRow] = field(default_factory=list)
    completed: list[ResultRow] = field(default_factory=list)
    retained: list[ResultRow] = field(default_factory=list)
    honours: list[ResultRow] = field(default_factory=list)
    retest: list[ResultRow] = field(default_factory=list)
    summer_training: list[ResultRow] = field(default_factory=list)
    pending: list[ResultRow] = field(default_factory=list)


def result_lists(rows: Iterable[ResultRow]) -> Lists:
    lists = Lists()
    for row in rows:
        shown = row.shown
        if not shown:
            continue
        outcome = shown.get("outcome", "")
        if shown.get("title"):
            lists.honours.append(row)
        if outcome in PROMOTED_OUTCOMES:
            lists.promoted.append(row)
        elif outcome == YearOutcome.COMPLETED_PROGRAMME.value:
            lists.completed.append(row)
        elif outcome == YearOutcome.RETAINED.value:
            lists.retained.append(row)
        elif outcome == YearOutcome.PENDING.value:
            lists.pending.append(row)
        if outcome in (YearOutcome.SUMMER_REASSESSMENT.value, YearOutcome.SUMMER_BOTH.value):
            lists.retest.append(row)
        if shown.get("summer_training") and outcome in SUMMER_OUTCOMES:
            lists.summer_training.append(row)
    return lists


@dataclass
class ResultsPage:
    inputs: ClassInputs
    period: str
    batch: ResultBatch | None
    batches: dict[str, ResultBatch]
    rows: list[ResultRow]
    blockers: list[Blocker]
    lock: LockState
    lists: Lists
    deadline: datetime | None = None

    @property
    def stale(self) -> list[ResultRow]:
        return [row for row in self.rows if row.stale]

    @property
    def unsaved(self) -> list[ResultRow]:
        return [row for row in self.rows if row.stored is None and row.fresh is not None]

    @property
    def ready(self) -> bool:
        return not self.blockers

    @property
    def status(self) -> str:
        return self.batch.status if self.batch else ""


def class_batches(class_group: ClassGroup) -> dict[str, ResultBatch]:
    return {
        b.period: b
        for b in ResultBatch.objects.filter(class_group=class_group).select_related(
            "computed_by", "proposed_by", "decided_by"
        )
    }


def results_page(class_group: ClassGroup, period: str, *, now: datetime | None = None) -> ResultsPage:
    """A class's results for a period: what is stored (with who computed, proposed and approved
    them), what a computation from today's data gives, where the two differ, what blocks approval,
    and the lists. A fixed number of queries whatever the class size."""
    inputs = class_inputs(class_group)
    batches = class_batches(class_group)
    stored = {
        r.enrolment_id: r for r in StudentResult.objects.filter(enrolment__class_group=class_group, period=period)
    }
    year_results: dict[int, StudentResult] = {}
    students = inputs.active
    if period == SUMMER:
        year_results = {
            r.enrolment_id: r for r in StudentResult.objects.filter(enrolment__class_group=class_group, period=YEAR)
        }
        due = summer_students(year_results.values())
        students = [s for s in students if s.enrolment.pk in due]
    evaluated = evaluate(inputs, period, students)
    rows = []
    for row in evaluated:
        fresh = record_fields(inputs, row.student, row.result, period) if row.result is not None else None
        saved = stored.get(row.student.enrolment.pk)
        rows.append(
            ResultRow(
                student=row.student,
                stored=saved,
                fresh=fresh,
                error=row.error,
                stale=bool(saved is not None and fresh is not None and differs(saved, fresh, inputs.rule_set)),
            )
        )
    key = {TERM1: "term1", TERM2: "term2", YEAR: "year", SUMMER: "final_year"}[period]
    for row in rows:
        subjects = row.shown.get("subjects") or {}
        row.values = []
        for spec in inputs.specs:
            values = subjects.get(spec.class_subject.subject.code) or {}
            text = vi(values.get(key))
            if period == SUMMER and values.get("retest"):
                text = f"{text} ({_('re-assessed')})"
            row.values.append(text)
        shown = row.shown
        row.outcome_text = outcome_label(shown.get("outcome", ""))
        row.overall_text = vi(shown.get("overall_average"))
        names = [(subjects.get(code) or {}).get("name", code) for code in shown.get("retest_subjects") or []]
        row.retest_text = _("re-assess: %(subjects)s") % {"subjects": ", ".join(names)} if names else ""
    blockers = readiness(inputs, period, batches, year_results, evaluated)
    return ResultsPage(
        inputs=inputs,
        period=period,
        batch=batches.get(period),
        batches=batches,
        rows=rows,
        blockers=blockers,
        lock=lock_for(class_group, inputs, period, results_lock_column(period)),
        lists=result_lists(rows),
        deadline=summer_deadline(inputs.school_year, inputs.rule_set) if period == SUMMER else None,
    )


def approved_results(class_group: ClassGroup, period: str) -> list[StudentResult]:
    """The class's official results for a period — what the class book, the export and the portal
    show — in the book's student order; empty until the principal approved them.

    ``period`` is ``"term1"``, ``"term2"``, ``"year"`` or ``"summer"`` (the year-end decision after
    the summer re-assessment and training, only for the students concerned). Each
    ``StudentResult`` carries ``rule_set_code`` and ``rule_set_version`` (the rules that made it),
    ``subjects`` (``{code: {"name", "kind", "term1", "term2", "year", "final_year", "retest"}}``,
    values as "7.7" / "Đ" / ``None``), ``learning`` and ``learning_raw`` (TT22 learning result or
    TT58 academic rank, after and before the adjustment clause), ``overall_average`` (TT58),
    ``conduct``, ``title``, ``outcome`` (a ``grades.rules.YearOutcome`` value; see
    ``outcome_label``), ``retest_subjects``, ``summer_training``, ``absences`` and ``reasons``.
    ``enrolment`` and ``enrolment.student`` are selected. Two queries.
    """
    batch = ResultBatch.objects.filter(
        class_group=class_group, period=period, status=ResultBatch.Status.APPROVED
    ).first()
    if batch is None:
        return []
    rows = StudentResult.objects.filter(batch=batch).select_related("enrolment__student")
    return vietnamese_sorted(
        rows, family=lambda r: r.enrolment.student.family_name, given=lambda r: r.enrolment.student.given_name
    )


def final_outcomes(school_year: SchoolYear) -> dict[int, StudentResult]:
    """Every enrolment's last approved year-end decision (the summer's when there is one), by
    enrolment id: what the rollover acts on (two queries)."""
    approved = StudentResult.objects.filter(
        enrolment__school_year=school_year, batch__status=ResultBatch.Status.APPROVED, period__in=[YEAR, SUMMER]
    ).select_related("enrolment__student", "enrolment__class_group")
    final: dict[int, StudentResult] = {}
    for result in sorted(approved, key=lambda r: r.period == SUMMER):  # the summer's decision replaces the year's
        final[result.enrolment_id] = result
    return final


@dataclass
class SchoolResultsRow:
    class_group: ClassGroup
    batches: dict[str, ResultBatch]

    @property
    def cells(self) -> list[tuple[str, ResultBatch | None]]:
        return [(PERIOD_SLUGS[p], self.batches.get(p)) for p in PERIODS]


def school_results(school_year: SchoolYear) -> list[SchoolResultsRow]:
    """Every class of the year with the state of its results per period (two queries)."""
    classes = list(ClassGroup.objects.filter(school_year=school_year).order_by("grade_level", "name"))
    batches: dict[int, dict[str, ResultBatch]] = {}
    for batch in ResultBatch.objects.filter(class_group__school_year=school_year):
        batches.setdefault(batch.class_group_id, {})[batch.period] = batch
    return [SchoolResultsRow(c, batches.get(c.pk, {})) for c in classes]


def retest_students(
    class_subject: ClassSubject,
) -> tuple[list[tuple[Enrolment, StudentResult, RetestScore | None]], bool]:
    """The students of a class who are re-assessed in this subject in the summer (from the
    approved year results), with their re-assessment so far; and whether the year is approved."""
    year_results = approved_results(class_subject.class_group, YEAR)
    if not year_results:
        return [], False
    code = class_subject.subject.code
    due = [r for r in year_results if code in r.retest_subjects and r.outcome in SUMMER_OUTCOMES]
    retests = {
        r.enrolment_id: r
        for r in RetestScore.objects.filter(class_subject=class_subject, enrolment_id__in=[r.enrolment_id for r in due])
    }
    return [(r.enrolment, vi((r.subjects.get(code) or {}).get("year")), retests.get(r.enrolment_id)) for r in due], True
