"""Shared machinery of the rule sets: parameters, columns, validation and subject results.

A rule set (one module per regulation) subclasses :class:`RuleSet` and supplies the comment
subject rule, the learning result / academic rank, conduct, titles and the year-end decision.
"""

from __future__ import annotations

import hashlib
from abc import ABC, abstractmethod
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal
from typing import Any, ClassVar, Literal, Self, TypeAlias

from .errors import Issue, RulesInputError
from .labels import ColumnKind, CommentMark, Period, RankedLevel, SubjectKind, YearOutcome
from .numbers import MAX_SCORE, MIN_SCORE, TENTH, format_score_vi, round_half_up
from .subjects import SUBJECT_NAMES, subject_name
from .types import (
    CellValue,
    Column,
    ConductLevel,
    LearningResult,
    Reason,
    StudentYearInput,
    StudentYearResult,
    SubjectInput,
    SubjectResult,
    SubjectTermResult,
    TermColumns,
    TermScores,
)
from .validation import check_score

__all__ = [
    "Cell",
    "PeriodValues",
    "RuleSet",
    "RuleSetParameters",
    "YearEnd",
    "display",
    "display_count",
]

TERMS = (Period.TERM1, Period.TERM2)
ZERO = Decimal(0)

Cell: TypeAlias = tuple[str, CellValue, int]  # column key, value (None = missing), coefficient


@dataclass(frozen=True, kw_only=True)
class RuleSetParameters:
    """Parameters shared by every rule set (assessment-rules.md section 8).

    Each rule set module defines its subclass with the defaults the specification states; the
    ones the specification marks uncertain ([U]) are listed with their alternatives.
    """

    # R22-SUB-1 / R58-SUB-1: subject codes assessed by comment (Đ / CĐ).
    comment_subjects: frozenset[str]
    # R22-ASM-2 / TT58 Điều 8 khoản 2: number of regular assessments per term.
    regular_count_rule: Literal["per_year", "per_week"] = "per_year"
    regular_count_exact: bool = True  # TT22/TT26: exactly that many; TT58: at least
    comment_regular_count: int | None = None  # TT22: 2 for every comment subject
    weeks_per_year: int = 35  # periods/year -> periods/week for the TT58 rule (assumption)
    topic_cluster_extra_regular: int = 0  # TT22 THPT cụm chuyên đề: +1 [U4]
    # R-NUM-5 [U2]: ĐTBmcn from the rounded term averages (alternative: from the exact ones).
    year_average_from_rounded_terms: bool = True
    # R22-SR-5 [U7] / R58-SR-6: a subject taught in one term takes that term as its year result.
    single_term_subject_year_rule: Literal["use_taught_term"] = "use_taught_term"
    # Section 16: a comment subject at CĐ can be the single culprit of the adjustment clause.
    adjust_comment_culprit: bool = True
    # R22-YE-2 / R58-YE-1: absence limit in sessions; [U9] how a day is counted upstream.
    absence_limit: int = 45
    absence_unit: Literal["day_main_session", "session"] = "day_main_session"
    # R22-YE-4: the re-assessment result replaces the year result even when lower.
    reassessment_replaces_even_if_lower: bool = True
    # R22-YE-6 [U5]: a student failing both conduct and learning.
    both_failed_policy: Literal["train_then_reassess", "retain"] = "retain"
    # R22-YE-7 [U10]: summer results are due by this time (MM-DDTHH:MM), for the app's checks.
    summer_results_deadline: str = "08-30T23:59"
    # R22-HON-3 / L14 [U18]: titles of a student over the absence limit are computed and flagged
    # for the principal (alternative: not awarded).
    titles_over_absence_limit: Literal["compute_and_flag", "withhold"] = "compute_and_flag"
    # R22-YE-1 / R22-YE-9: the grades whose promotion is completion of the programme.
    completion_grades: frozenset[int] = frozenset({9, 12})
    # R58-EX / R22-ASM-6: subjects a student may be exempted from (whole subject / practical part).
    whole_subject_exemptible: frozenset[str] = frozenset()
    practical_exemptible: frozenset[str] = frozenset()
    # TT58 Điều 8 khoản 4: warn when an oral mark is not an integer.
    oral_integer_warning: bool = False


@dataclass(frozen=True, slots=True)
class YearEnd:
    """The outcome of the year-end procedure and what the summer changed."""

    outcome: YearOutcome
    subjects: tuple[SubjectResult, ...]  # with ``final_year`` after the re-assessment
    learning_after_retest: LearningResult | None = None
    retest_subjects: tuple[str, ...] = ()
    summer_training: bool = False
    conduct_after_summer: ConductLevel | None = None


@dataclass(frozen=True, slots=True)
class PeriodValues:
    """The subject values that enter one period's learning result."""

    scored: tuple[tuple[SubjectResult, Decimal], ...]
    comments: tuple[tuple[SubjectResult, CommentMark], ...]
    pending: tuple[SubjectResult, ...]  # counted subjects without an official value


def display(value: object) -> str:
    """A value as Vietnamese text in a reason: "7,7", "Đ", "Khá"."""
    if isinstance(value, Decimal):
        return format_score_vi(value)
    if isinstance(value, RankedLevel):
        return value.label
    return str(value)


def _complete_total(scores: TermScores, kt_form: bool) -> tuple[Decimal, int] | None:
    """Weighted sum and total weight of a term whose every recorded cell holds a score:
    TĐĐGtx + 2 x ĐĐGgk + 3 x ĐĐGck over số ĐĐGtx + 5 (R22-SR-1, R58-SR-2), or TT58's
    TĐKTtx + 2 x TĐKTđk + 3 x ĐKThk over số KTtx + 2 x số KTđk + 3 (R58-SR-1). ``None`` when a
    cell is missing: the arithmetic on ``None`` fails, which is cheaper than looking first."""
    regular, final = scores.regular, scores.final
    try:
        if kt_form:
            periodic = scores.periodic
            total: Decimal = sum(regular, ZERO) + 2 * sum(periodic, ZERO) + 3 * final  # type: ignore[assignment, operator, type-var]
            return total, len(regular) + 2 * len(periodic) + 3
        total = sum(regular, ZERO) + 2 * scores.midterm + 3 * final  # type: ignore[assignment, operator, type-var]
        return total, len(regular) + 5
    except TypeError:
        return None


def _acceptable(value: object, kind: SubjectKind) -> bool:
    """Fast check of a typed value (the detailed message comes from ``check_score``)."""
    if kind is SubjectKind.COMMENT:
        return type(value) is CommentMark
    return (
        type(value) is Decimal
        and value.is_finite()
        and MIN_SCORE <= value <= MAX_SCORE
        and value == value.quantize(TENTH)
    )


def display_count(value: Decimal | int) -> str:
    """A count of sessions: "46", or "12,5" when half-days are counted."""
    number = Decimal(value)
    if number == number.to_integral_value():
        return str(int(number))
    return str(number).replace(".", ",")


def _canonical(value: Any) -> Any:
    if isinstance(value, frozenset):
        return sorted(_canonical(item) for item in value)
    return value


class RuleSet(ABC):
    """One regulation. Instances are immutable; :meth:`with_parameters` derives a variant."""

    code: ClassVar[str]
    base_version: ClassVar[str]
    regulation: ClassVar[str]  # "Thông tư 22/2021/TT-BGDĐT"
    short_name: ClassVar[str]  # "Thông tư 22"
    default_parameters: ClassVar[RuleSetParameters]
    column_kinds: ClassVar[frozenset[ColumnKind]]
    conduct_scale: ClassVar[type[RankedLevel]]
    learning_scale: ClassVar[type[RankedLevel]]
    kt_form_default: ClassVar[bool] = False  # TT58 records KTtx / KTđk / KThk
    # clauses used by the shared code
    clause_regular_count: ClassVar[str]
    clause_makeup: ClassVar[str]
    clause_subject_results: ClassVar[str]
    clause_comment_subjects: ClassVar[str]
    clause_single_term: ClassVar[str]
    clause_exemption: ClassVar[str]
    clause_scale: ClassVar[str]
    clause_summer_training: ClassVar[str]
    rule_single_term: ClassVar[str]  # R22-SR-5 / R58-SR-6
    rule_exemption: ClassVar[str]  # R22-ASM-7 / R58-EX

    parameters: RuleSetParameters

    def __init__(self, parameters: RuleSetParameters | None = None) -> None:
        params = self.default_parameters if parameters is None else parameters
        if type(params) is not type(self.default_parameters):
            raise TypeError(f"{self.code} takes {type(self.default_parameters).__name__}")
        self.parameters = params
        self.version = self._version()

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code} {self.version}>"

    def with_parameters(self, **changes: Any) -> Self:
        """The same rule set with some parameters changed (its version says so)."""
        return type(self)(replace(self.parameters, **changes))

    def _version(self) -> str:
        changed = {
            f.name: _canonical(getattr(self.parameters, f.name))
            for f in fields(self.parameters)
            if getattr(self.parameters, f.name) != getattr(self.default_parameters, f.name)
        }
        if not changed:
            return self.base_version
        digest = hashlib.sha256(repr(sorted(changed.items())).encode()).hexdigest()[:8]
        return f"{self.base_version}+{digest}"

    def clause(self, article: str) -> str:
        return f"{article} {self.regulation}"

    def reason(self, rule: str, article: str, text: str) -> Reason:
        return Reason(rule=rule, clause=self.clause(article), text=text)

    # --- subjects and columns -------------------------------------------------------------

    def is_comment_subject(self, code: str) -> bool:
        return code in self.parameters.comment_subjects

    def subject_kind(self, subject: SubjectInput) -> SubjectKind:
        """The subject's kind: the rule set's list for the codes it knows, else as given."""
        return self.kind_of(subject.code, subject.kind)

    def kind_of(self, code: str, declared: SubjectKind | None = None) -> SubjectKind:
        """Comment-assessed per the rule set's list (R22-SUB-1, R58-SUB-1); every other known
        subject is scored (R22-SUB-2, R58-SUB-3); an unknown code keeps its declared kind."""
        if code in self.parameters.comment_subjects:
            return SubjectKind.COMMENT
        if code in SUBJECT_NAMES or declared is None:
            return SubjectKind.SCORE
        return declared

    def regular_count(self, kind: SubjectKind, periods: int, *, topic_cluster: bool = False) -> int:
        """Number of regular assessments per term (R22-ASM-2, TT58 Điều 8 khoản 2)."""
        params = self.parameters
        if kind is SubjectKind.COMMENT and params.comment_regular_count is not None:
            count = params.comment_regular_count
        elif params.regular_count_rule == "per_year":
            count = 2 if periods <= 35 else 3 if periods <= 70 else 4
        else:
            # periods/week = periods / weeks_per_year, compared in integers:
            # <= 1 period/week -> 2; > 1 and < 3 -> 3; >= 3 -> 4 (TT58 Điều 8 khoản 2)
            weeks = params.weeks_per_year
            count = 2 if periods <= weeks else 3 if periods < 3 * weeks else 4
        if topic_cluster:
            count += params.topic_cluster_extra_regular
        return count

    def columns(
        self,
        kind: SubjectKind,
        periods: int,
        *,
        topic_cluster: bool = False,
        periodic_tests: int = 1,
        oral_tests: int = 1,
        kt_form: bool | None = None,
    ) -> TermColumns:
        """The score columns of one subject in one term, in book order.

        ``periodic_tests`` (TT58 KTđk from the teaching plan) and ``oral_tests`` (how many of the
        TT58 regular tests are oral) only matter for the TT58 KT form.
        """
        use_kt = self.kt_form_default if kt_form is None else kt_form
        if use_kt and ColumnKind.PERIOD_TEST not in self.column_kinds:
            raise ValueError(f"{self.code} has no KT-form columns")
        count = self.regular_count(kind, periods, topic_cluster=topic_cluster)
        columns: list[Column] = []
        if use_kt:
            for i in range(count):
                oral = i < oral_tests
                n = i + 1 if oral else i + 1 - oral_tests
                columns.append(
                    Column(
                        key=f"{'oral' if oral else 'quiz15'}_{n}",
                        kind=ColumnKind.ORAL if oral else ColumnKind.QUIZ15,
                        label=f"Miệng {n}" if oral else f"15 phút {n}",
                        weight=1,
                        subject_kind=kind,
                        contract_field="regular",
                        index=i,
                    )
                )
            for i in range(periodic_tests):
                columns.append(
                    Column(
                        key=f"period_test_{i + 1}",
                        kind=ColumnKind.PERIOD_TEST,
                        label=f"1 tiết {i + 1}",
                        weight=2,
                        subject_kind=kind,
                        contract_field="periodic",
                        index=i,
                    )
                )
            columns.append(Column("final", ColumnKind.FINAL, "KT học kì", 3, kind, "final"))
        else:
            for i in range(count):
                columns.append(
                    Column(
                        key=f"regular_{i + 1}",
                        kind=ColumnKind.REGULAR,
                        label=f"ĐĐGtx {i + 1}",
                        weight=1,
                        subject_kind=kind,
                        contract_field="regular",
                        index=i,
                    )
                )
            columns.append(Column("midterm", ColumnKind.MIDTERM, "ĐĐGgk", 2, kind, "midterm"))
            columns.append(Column("final", ColumnKind.FINAL, "ĐĐGck", 3, kind, "final"))
        exact = self.parameters.regular_count_exact
        text = f"{'Đúng' if exact else 'Ít nhất'} {count} lần đánh giá thường xuyên mỗi học kì ({periods} tiết/năm)"
        return TermColumns(
            columns=tuple(columns),
            regular_count=count,
            regular_count_is_minimum=not exact,
            reasons=(self.reason("R22-ASM-2", self.clause_regular_count, text),),
        )

    def column_label(self, key: str, kt_form: bool) -> str:
        name, _, number = key.partition("_")
        if key.startswith("period_test_"):
            return f"KTđk {key.rsplit('_', 1)[1]}"
        labels = {
            "regular": "KTtx" if kt_form else "ĐĐGtx",
            "midterm": "ĐĐGgk",
            "final": "KThk" if kt_form else "ĐĐGck",
            "retest": "kiểm tra lại",
        }
        label = labels.get(name, name)
        return f"{label} {number}" if number else label

    def is_kt_form(self, scores: TermScores) -> bool:
        """Whether a term is recorded in the TT58 KT form (periodic tests)."""
        return self.kt_form_default or bool(scores.periodic)

    # --- validation ----------------------------------------------------------------------

    def validate(self, student: StudentYearInput) -> tuple[Issue, ...]:
        """Every problem of the case: errors refuse it, warnings are carried in the result."""
        issues: list[Issue] = []
        scale = self.clause(self.clause_scale)
        if not 6 <= student.grade <= 12:
            issues.append(Issue("error", "", "Khối lớp phải từ 6 đến 12.", "R-SEL-1", ""))
        seen: set[str] = set()
        for subject in student.subjects:
            if subject.code in seen:
                issues.append(Issue("error", subject.code, "Môn học bị khai báo hai lần.", "R22-SUB-3", ""))
            seen.add(subject.code)
            issues.extend(self.validate_subject(subject))
        if student.absences is not None and student.absences < 0:
            issues.append(Issue("error", "absences", "Số buổi nghỉ không được âm.", "", scale))
        conduct = student.conduct
        for label, level in (
            ("conduct.term1", conduct.term1),
            ("conduct.term2", conduct.term2),
            ("conduct.year", conduct.year),
            ("conduct.summer", conduct.summer),
        ):
            if level is not None and not isinstance(level, self.conduct_scale):
                allowed = ", ".join(member.label for member in self.conduct_scale)
                issues.append(Issue("error", label, f"Mức hạnh kiểm/rèn luyện phải là: {allowed}.", "", ""))
        if student.specialist_subject is not None and student.specialist_subject not in seen:
            issues.append(Issue("error", "specialist_subject", "Môn chuyên không có trong danh sách môn."))
        issues.extend(self.validate_student(student))
        return tuple(issues)

    def validate_student(self, student: StudentYearInput) -> Iterable[Issue]:
        """Rule-set-specific checks of the whole case (none by default)."""
        return ()

    def validate_subject(self, subject: SubjectInput) -> tuple[Issue, ...]:
        """Problems of one subject's entries: kind, values (R-NUM-1..3), counts (R22-ASM-2)."""
        kind = self.subject_kind(subject)
        if self._plainly_valid(subject, kind):
            return ()
        issues: list[Issue] = []
        name = subject_name(subject.code, subject.name)
        where = f"{name} ({subject.code})"
        if subject.kind is not None and subject.kind is not kind:
            expected = "nhận xét (Đ/CĐ)" if kind is SubjectKind.COMMENT else "điểm số"
            issues.append(
                Issue(
                    "error",
                    where,
                    f"Theo {self.short_name}, môn này được đánh giá bằng {expected}.",
                    "R22-SUB-1",
                    self.clause(self.clause_comment_subjects),
                )
            )
            return tuple(issues)
        if isinstance(subject.periods, bool) or subject.periods <= 0:
            issues.append(Issue("error", where, "Số tiết/năm phải là số nguyên dương."))
            return tuple(issues)
        taught = [p for p in TERMS if subject.term(p) is not None and p not in subject.exempt_terms]
        if not taught and not subject.exempt_terms:
            issues.append(Issue("error", where, "Môn học không có học kì nào."))
        for period in taught:
            scores = subject.term(period)
            assert scores is not None  # noqa: S101 - filtered above
            issues.extend(self._validate_term(subject, kind, period, scores, where))
        if subject.retest is not None:
            issues.extend(self._check_value(subject.retest, kind, f"{where}, kiểm tra lại"))
        issues.extend(self.exemption_issues(subject, where))
        return tuple(issues)

    def _plainly_valid(self, subject: SubjectInput, kind: SubjectKind) -> bool:
        """True when no check of :meth:`validate_subject` can fail (no message is built)."""
        if (subject.kind is not None and subject.kind is not kind) or subject.exempt_terms:
            return False
        if subject.practical_exempt_terms or type(subject.periods) is not int:
            return False
        if subject.periods <= 0 or (subject.term1 is None and subject.term2 is None):
            return False
        if subject.retest is not None and not _acceptable(subject.retest, kind):
            return False
        exact = self.parameters.regular_count_exact
        for scores in (subject.term1, subject.term2):
            if scores is None:
                continue
            if scores.periodic if not self.kt_form_default else scores.midterm is not None:
                return False  # a column of the other form, or a TT26 term in the KT form
            count = self.regular_count(kind, subject.periods, topic_cluster=subject.topic_cluster)
            if exact and len(scores.regular) > count:
                return False
            values = (*scores.regular, *scores.periodic, scores.midterm, scores.final)
            if kind is SubjectKind.COMMENT:
                if any(value is not None and type(value) is not CommentMark for value in values):
                    return False
                continue
            for value in values:
                if value is not None and not (
                    type(value) is Decimal
                    and value.is_finite()
                    and MIN_SCORE <= value <= MAX_SCORE
                    and value == value.quantize(TENTH)
                ):
                    return False
        return True

    def _validate_term(
        self,
        subject: SubjectInput,
        kind: SubjectKind,
        period: Period,
        scores: TermScores,
        where: str,
    ) -> list[Issue]:
        issues: list[Issue] = []
        here = f"{where}, {period.label}"
        issues.extend(self.form_issues(scores, period, here))
        kt_form = self.is_kt_form(scores)
        count = self.regular_count(kind, subject.periods, topic_cluster=subject.topic_cluster)
        # A TT26 term kept in the old KT form (R-SEL-3) follows the TT58 minimum.
        exact = self.parameters.regular_count_exact and not (kt_form and not self.kt_form_default)
        if exact and len(scores.regular) > count:
            issues.append(
                Issue(
                    "error",
                    here,
                    f"{self.short_name} quy định đúng {count} lần đánh giá thường xuyên mỗi học kì "
                    f"cho môn có {subject.periods} tiết/năm; đã nhập {len(scores.regular)} lần, "
                    "thầy/cô bỏ bớt điểm thừa.",
                    "R22-ASM-2",
                    self.clause(self.clause_regular_count),
                )
            )
        values = [*scores.regular, *scores.periodic, scores.midterm, scores.final]
        if all(value is None or _acceptable(value, kind) for value in values):
            return issues  # the usual case: no label is built for valid cells
        cells: list[tuple[str, CellValue]] = [(f"regular_{i + 1}", value) for i, value in enumerate(scores.regular)]
        if kt_form:
            cells.extend((f"period_test_{i + 1}", v) for i, v in enumerate(scores.periodic))
        else:
            cells.append(("midterm", scores.midterm))
        cells.append(("final", scores.final))
        for key, value in cells:
            if value is not None:
                issues.extend(self._check_value(value, kind, f"{here}, {self.column_label(key, kt_form)}"))
        return issues

    def _check_value(self, value: object, kind: SubjectKind, where: str) -> list[Issue]:
        scale = self.clause(self.clause_scale)
        if kind is SubjectKind.COMMENT:
            if not isinstance(value, CommentMark):
                return [
                    Issue(
                        "error",
                        where,
                        "Môn học đánh giá bằng nhận xét: nhập Đ (Đạt) hoặc CĐ (Chưa đạt).",
                        "R22-SUB-1",
                        self.clause(self.clause_comment_subjects),
                    )
                ]
            return []
        if not isinstance(value, Decimal):
            return [
                Issue(
                    "error",
                    where,
                    "Môn học đánh giá bằng điểm số: nhập điểm từ 0 đến 10, không nhập Đ/CĐ.",
                    "R-NUM-1",
                    scale,
                )
            ]
        message, _ = check_score(value)
        return [] if message is None else [Issue("error", where, message, "R-NUM-3", scale)]

    def form_issues(self, scores: TermScores, period: Period, where: str) -> list[Issue]:
        """Columns that do not belong to the rule set's form (ĐĐGgk vs KTđk)."""
        if self.kt_form_default:
            if scores.midterm is not None:
                return [
                    Issue(
                        "error",
                        where,
                        f"{self.short_name} dùng các bài kiểm tra định kì (periodic), không có ĐĐGgk (midterm).",
                        "R58-SR-1",
                        self.clause(self.clause_subject_results),
                    )
                ]
            return []
        if scores.periodic:
            return [
                Issue(
                    "error",
                    where,
                    f"{self.short_name} có một điểm đánh giá giữa kì (midterm), "
                    "không có bài kiểm tra định kì (periodic).",
                    "R22-SR-1",
                    self.clause(self.clause_subject_results),
                )
            ]
        return []

    def exemption_issues(self, subject: SubjectInput, where: str) -> list[Issue]:
        """Warnings about exemptions the regulation does not provide for."""
        return []

    # --- evaluation ----------------------------------------------------------------------

    def evaluate(self, student: StudentYearInput) -> StudentYearResult:
        """Every result of one student's school year (raises :class:`RulesInputError`)."""
        issues = self.validate(student)
        errors = [issue for issue in issues if issue.level == "error"]
        if errors:
            raise RulesInputError(errors)
        warnings = [issue.as_reason() for issue in issues]
        subjects = tuple(self.subject_result(subject) for subject in student.subjects)
        return self.evaluate_year(student, subjects, warnings)

    @abstractmethod
    def evaluate_year(
        self,
        student: StudentYearInput,
        subjects: tuple[SubjectResult, ...],
        warnings: list[Reason],
    ) -> StudentYearResult:
        """Learning result, conduct, titles and the year-end decision."""

    @abstractmethod
    def comment_term(self, cells: Sequence[Cell]) -> tuple[CommentMark | None, CommentMark | None]:
        """A comment subject's term result: (official, provisional) from its cells; the last
        cell is the end-of-term assessment."""

    def subject_result(self, subject: SubjectInput) -> SubjectResult:
        """Term and year results of one subject, before any summer re-assessment."""
        kind = self.subject_kind(subject)
        name = subject_name(subject.code, subject.name)
        reasons: list[Reason] = []
        term1 = self.term_result(subject, kind, Period.TERM1, name, reasons)
        term2 = self.term_result(subject, kind, Period.TERM2, name, reasons)
        year, provisional = self._year(subject, kind, term1, term2, name, reasons)
        return SubjectResult(
            code=subject.code,
            name=name,
            kind=kind,
            term1=term1,
            term2=term2,
            year=year,
            year_provisional=provisional,
            final_year=year,
            retest=subject.retest,
            counted_in_year=term1.counted or term2.counted,
            reasons=tuple(reasons),
        )

    def term_result(
        self,
        subject: SubjectInput,
        kind: SubjectKind,
        period: Period,
        name: str,
        reasons: list[Reason],
    ) -> SubjectTermResult:
        """ĐTBmhk (R22-SR-1, R58-SR-1/2) or the term mark (R22-SR-3, R58-SR-4) of a subject."""
        scores = subject.term(period)
        practical = bool(subject.practical_exempt_terms) and period in subject.practical_exempt_terms
        if subject.exempt_terms and period in subject.exempt_terms:
            return SubjectTermResult(value=None, exempt=True, taught=scores is not None)
        if scores is None:
            return SubjectTermResult(value=None, taught=False)
        kt_form = self.is_kt_form(scores)
        count = self.regular_count(kind, subject.periods, topic_cluster=subject.topic_cluster)
        regular = scores.regular
        if kind is SubjectKind.SCORE and len(regular) >= count:
            complete = _complete_total(scores, kt_form)
            if complete is not None:
                total, weight = complete
                if practical:
                    reasons.append(self._practical_reason(name, period))
                return SubjectTermResult(
                    value=round_half_up(total, divisor=weight),
                    practical_exempt=practical,
                    total=total,
                    weight=weight,
                )
        # (column key, value, coefficient): ĐĐGtx/KTtx 1, ĐĐGgk/KTđk 2, ĐĐGck/KThk 3
        cells: list[Cell] = [
            (f"regular_{i + 1}", regular[i] if i < len(regular) else None, 1) for i in range(max(count, len(regular)))
        ]
        if kt_form:
            cells.extend((f"period_test_{i + 1}", v, 2) for i, v in enumerate(scores.periodic))
        else:
            cells.append(("midterm", scores.midterm, 2))
        cells.append(("final", scores.final, 3))
        missing = tuple(key for key, value, _ in cells if value is None)

        complete_total: Decimal | None = None
        value: Decimal | CommentMark | None
        provisional: Decimal | CommentMark | None
        total = ZERO
        weight = 0
        if kind is SubjectKind.SCORE:
            for _, cell, w in cells:
                if cell is not None:
                    total += cell * w  # type: ignore[operator]
                    weight += w
            if not missing:
                complete_total = total
                value, provisional = round_half_up(total, divisor=weight), None
            else:
                # "tạm tính": over the cells present (denominator = their weights), R22-ASM-5
                value = None
                provisional = round_half_up(total, divisor=weight) if weight else None
        else:
            value, provisional = self.comment_term(cells)

        if missing:
            labels = ", ".join(self.column_label(key, kt_form) for key in missing)
            what = "điểm trung bình môn học kì" if kind is SubjectKind.SCORE else "kết quả học kì"
            text = f"Môn {name}, {period.label.lower()}: còn thiếu {labels}; chưa có {what} chính thức"
            if provisional is not None:
                text += f" (tạm tính {display(provisional)}, không lưu là kết quả chính thức)"
            reasons.append(self.reason("R22-ASM-5", self.clause_makeup, text))
        if practical:
            reasons.append(self._practical_reason(name, period))
        return SubjectTermResult(
            value=value,
            provisional=provisional,
            missing=missing,
            practical_exempt=practical,
            total=complete_total,
            weight=weight if complete_total is not None else 0,
        )

    def _practical_reason(self, name: str, period: Period) -> Reason:
        return self.reason(
            "R22-ASM-6",
            self.clause_exemption,
            f"Môn {name}, {period.label.lower()}: miễn phần thực hành, được đánh giá bằng nội dung "
            "lí thuyết thay thế; môn học vẫn được tính vào kết quả",
        )

    def _year(
        self,
        subject: SubjectInput,
        kind: SubjectKind,
        term1: SubjectTermResult,
        term2: SubjectTermResult,
        name: str,
        reasons: list[Reason],
    ) -> tuple[Decimal | CommentMark | None, Decimal | CommentMark | None]:
        """ĐTBmcn (R22-SR-2, R58-SR-3) or the year mark (R22-SR-4, R58-SR-5)."""
        first, second = term1.value, term2.value
        if type(first) is Decimal and type(second) is Decimal and self.parameters.year_average_from_rounded_terms:
            # Both terms studied and complete (the usual case): (ĐTBmhkI + 2 x ĐTBmhkII) / 3
            # from the rounded term averages (R-NUM-5), rounded once.
            return round_half_up(first + 2 * second, divisor=3), None
        counted = [term for term in (term1, term2) if term.counted]
        if not counted:
            why = "được miễn cả năm" if subject.exempt_terms else "không được dạy"
            reasons.append(
                self.reason(
                    self.rule_exemption if subject.exempt_terms else self.rule_single_term,
                    self.clause_exemption if subject.exempt_terms else self.clause_single_term,
                    f"Môn {name} {why}: không tính vào xếp loại học kì và cả năm",
                )
            )
            return None, None
        if len(counted) == 1:
            only = counted[0]
            taught = Period.TERM1 if only is term1 else Period.TERM2
            other = Period.TERM2 if only is term1 else Period.TERM1
            exempt = other in subject.exempt_terms
            why = "được miễn" if exempt else "không học"
            reasons.append(
                self.reason(
                    self.rule_exemption if exempt else self.rule_single_term,
                    self.clause_exemption if exempt else self.clause_single_term,
                    f"Môn {name} {why} ở {other.label.lower()}: kết quả {taught.label.lower()} là kết quả cả năm",
                )
            )
            return only.value, only.provisional if only.value is None else None
        if kind is SubjectKind.COMMENT:
            # Year mark = term II mark (R22-SR-4, R58-SR-5); term I does not matter.
            return term2.value, term2.provisional if term2.value is None else None
        if isinstance(first, Decimal) and isinstance(second, Decimal):
            if self.parameters.year_average_from_rounded_terms or None in (
                term1.total,
                term2.total,
            ):
                return round_half_up(first + 2 * second, divisor=3), None
            exact1, exact2 = term1.exact, term2.exact
            assert exact1 is not None and exact2 is not None  # noqa: S101 - checked above
            return round_half_up(exact1 + 2 * exact2, divisor=3), None
        a = first if first is not None else term1.provisional
        b = second if second is not None else term2.provisional
        if isinstance(a, Decimal) and isinstance(b, Decimal):
            return None, round_half_up(a + 2 * b, divisor=3)
        return None, None

    # --- helpers for the rule set modules --------------------------------------------------

    @staticmethod
    def period_values(subjects: Sequence[SubjectResult], period: Period, *, after_retest: bool = False) -> PeriodValues:
        scored: list[tuple[SubjectResult, Decimal]] = []
        comments: list[tuple[SubjectResult, CommentMark]] = []
        pending: list[SubjectResult] = []
        year = period is Period.YEAR
        first = period is Period.TERM1
        for subject in subjects:
            value: Decimal | CommentMark | None
            if year:
                if not subject.counted_in_year:
                    continue
                value = subject.final_year if after_retest else subject.year
            else:
                term = subject.term1 if first else subject.term2
                if not term.taught or term.exempt:
                    continue
                value = term.value
            if value is None:
                pending.append(subject)
            elif type(value) is Decimal:
                scored.append((subject, value))
            else:
                comments.append((subject, value))  # type: ignore[arg-type]
        return PeriodValues(tuple(scored), tuple(comments), tuple(pending))

    def replaced_year(self, subject: SubjectResult) -> Decimal | CommentMark | None:
        """The year result after the summer re-assessment (R22-YE-4, R58-YE-3)."""
        retest, year = subject.retest, subject.year
        if retest is None:
            return year
        if self.parameters.reassessment_replaces_even_if_lower or year is None:
            return retest
        if isinstance(retest, Decimal) and isinstance(year, Decimal):
            return max(retest, year)
        if isinstance(retest, CommentMark) and isinstance(year, CommentMark):
            return max(retest, year)
        return retest

    def flag_unused_summer_conduct(self, student: StudentYearInput, end: YearEnd, warnings: list[Reason]) -> None:
        """A summer conduct level entered for a student who had no summer training."""
        if student.conduct.summer is not None and not end.summer_training:
            warnings.append(
                self.reason(
                    "R22-YE-5",
                    self.clause_summer_training,
                    "Có mức rèn luyện/hạnh kiểm sau hè nhưng học sinh không thuộc diện rèn luyện "
                    "trong kì nghỉ hè: mức này không được dùng",
                )
            )
