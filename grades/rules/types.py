"""Frozen dataclasses of the typed API: one student's school year in, every result out.

A value of a cell is a ``Decimal`` (scored subject, 0-10, one decimal), a ``CommentMark``
(comment subject) or ``None`` (a required assessment that is missing: empty, or absent and
waiting for the make-up; R22-ASM-5). An assessment missed without make-up is entered as 0 / CĐ.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import TypeAlias

from .labels import (
    ColumnKind,
    CommentMark,
    HanhKiem58,
    HocLuc58,
    Level22,
    Period,
    SubjectKind,
    Title22,
    Title58,
    YearOutcome,
)

__all__ = [
    "CellValue",
    "Column",
    "ConductInput",
    "ConductLevel",
    "ConductResult",
    "LearningLevel",
    "LearningResult",
    "Reason",
    "StudentYearInput",
    "StudentYearResult",
    "SubjectInput",
    "SubjectResult",
    "SubjectTermResult",
    "TermColumns",
    "TermScores",
    "Title",
]

CellValue: TypeAlias = Decimal | CommentMark | None
LearningLevel: TypeAlias = Level22 | HocLuc58
ConductLevel: TypeAlias = Level22 | HanhKiem58
Title: TypeAlias = Title22 | Title58


@dataclass(frozen=True, slots=True)
class Reason:
    """Why a result is what it is: the rule id of the specification, the legal clause, a
    Vietnamese sentence for the user."""

    rule: str  # rule id of assessment-rules.md, e.g. "R22-LR-2"
    clause: str  # e.g. "Điều 9 khoản 3 Thông tư 22/2021/TT-BGDĐT"
    text: str  # Vietnamese sentence, without the clause

    def __str__(self) -> str:
        return f"{self.text} ({self.clause})." if self.clause else f"{self.text}."


# --- inputs -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TermScores:
    """The recorded assessments of one subject in one term.

    TT22 and TT58+TT26: ``regular`` (ĐĐGtx), ``midterm`` (ĐĐGgk), ``final`` (ĐĐGck).
    TT58: ``regular`` (KTtx: oral, 15-minute), ``periodic`` (KTđk, any number), ``final`` (KThk).
    Under TT58+TT26 a term recorded in the old KT form (``periodic`` filled, R-SEL-3) is
    computed with the TT58 formula.
    """

    regular: tuple[CellValue, ...] = ()
    midterm: CellValue = None
    final: CellValue = None
    periodic: tuple[CellValue, ...] = ()


@dataclass(frozen=True, slots=True)
class SubjectInput:
    """One subject of the student's year.

    ``term1``/``term2`` is ``None`` when the subject is not taught in that term (R22-SR-5,
    R58-SR-6). ``exempt_terms``: whole-subject exemption (TT58 Điều 12; under TT22 only legacy
    data, R22-ASM-7). ``practical_exempt_terms``: TT22 Điều 10 exemption from the practical
    part, assessed on theory instead (a flag only, R22-ASM-6). ``retest``: the summer
    re-assessment result. ``topic_cluster``: THPT cụm chuyên đề attached to the subject.
    ``kind`` ``None`` means: as the rule set's list of comment subjects says.
    """

    code: str
    periods: int
    term1: TermScores | None
    term2: TermScores | None
    kind: SubjectKind | None = None
    retest: CellValue = None
    exempt_terms: frozenset[Period] = frozenset()
    practical_exempt_terms: frozenset[Period] = frozenset()
    topic_cluster: bool = False
    name: str | None = None

    def term(self, period: Period) -> TermScores | None:
        return self.term1 if period is Period.TERM1 else self.term2


@dataclass(frozen=True, slots=True)
class ConductInput:
    """Conduct entered by the homeroom teacher.

    ``year`` is only entered under TT58 (a judgement, pre-filled with term II; R58-HK-2); under
    TT22 it is derived (R22-TR-2). ``summer`` is the level re-assessed after summer training;
    ``summer_training_completed`` records the parent-signed report (TT22 Điều 13) or the commune
    certification (TT58 Điều 17); ``None`` means "completed if a summer level is entered".
    """

    term1: ConductLevel | None
    term2: ConductLevel | None
    year: ConductLevel | None = None
    summer: ConductLevel | None = None
    summer_training_completed: bool | None = None


@dataclass(frozen=True, slots=True)
class StudentYearInput:
    """One student, one school year, in the grade the rule set was chosen for."""

    grade: int
    subjects: tuple[SubjectInput, ...]
    conduct: ConductInput
    absences: Decimal | None  # sessions per R22-YE-2 / R58-YE-1; None = not yet known
    core_subjects: frozenset[str] | None = None  # TT58 Toán / Ngữ văn (+ Ngoại ngữ) clauses
    specialist_subject: str | None = None  # TT58: môn chuyên of a THPT chuyên student
    disability_iep: bool = False  # R22-ASM-8: results advisory, principal decides


# --- columns of the grade-entry grid -------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # "regular_1", "midterm", "period_test_2", "final" ...
    kind: ColumnKind
    label: str  # Vietnamese header, e.g. "ĐĐGtx 1"
    weight: int  # coefficient (hệ số)
    subject_kind: SubjectKind  # scores or Đ/CĐ
    contract_field: str  # field of the contract's term object: regular/midterm/periodic/final
    index: int | None = None  # position inside a list field


@dataclass(frozen=True, slots=True)
class TermColumns:
    """The score columns one subject has in each term under a rule set."""

    columns: tuple[Column, ...]
    regular_count: int
    regular_count_is_minimum: bool  # TT58: "ít nhất"; TT22/TT26: exactly that many
    reasons: tuple[Reason, ...] = ()


# --- results -----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SubjectTermResult:
    """A subject's term result: the official value, or ``None`` and a provisional one."""

    value: Decimal | CommentMark | None  # official ĐTBmhk / term mark
    provisional: Decimal | CommentMark | None = None  # "tạm tính", never stored as official
    missing: tuple[str, ...] = ()  # column keys of the missing required cells
    taught: bool = True
    exempt: bool = False  # whole-subject exemption
    practical_exempt: bool = False  # TT22 "miễn thực hành"
    total: Decimal | None = None  # weighted sum of a complete scored term ...
    weight: int = 0  # ... and its total weight (số ĐĐGtx + 5, TT58: + 2 x số KTđk + 3)

    @property
    def counted(self) -> bool:
        return self.taught and not self.exempt

    @property
    def exact(self) -> Fraction | None:
        """The exact (unrounded) average, for the record and the [U2] alternative."""
        if self.total is None:
            return None
        numerator, denominator = self.total.as_integer_ratio()
        return Fraction(numerator, denominator * self.weight)


@dataclass(frozen=True, slots=True)
class SubjectResult:
    code: str
    name: str
    kind: SubjectKind
    term1: SubjectTermResult
    term2: SubjectTermResult
    year: Decimal | CommentMark | None  # ĐTBmcn / year mark (original, kept in the record)
    year_provisional: Decimal | CommentMark | None
    final_year: Decimal | CommentMark | None  # after the summer re-assessment replaced it
    retest: Decimal | CommentMark | None
    counted_in_year: bool  # False when exempt/not taught in both terms
    reasons: tuple[Reason, ...] = ()

    def term(self, period: Period) -> SubjectTermResult:
        return self.term1 if period is Period.TERM1 else self.term2


@dataclass(frozen=True, slots=True)
class LearningResult:
    """TT22 kết quả học tập or TT58 học lực of one period, raw and after the adjustment."""

    raw: LearningLevel | None
    adjusted: LearningLevel | None
    culprit: str | None = None  # the single subject that triggered the adjustment
    would_be: LearningLevel | None = None
    overall_average: Decimal | None = None  # TT58 ĐTBhk / ĐTBcn
    reasons: tuple[Reason, ...] = ()

    @property
    def level(self) -> LearningLevel | None:
        return self.adjusted

    @property
    def was_adjusted(self) -> bool:
        return self.raw is not None and self.adjusted != self.raw


@dataclass(frozen=True, slots=True)
class ConductResult:
    term1: ConductLevel | None
    term2: ConductLevel | None
    year: ConductLevel | None
    after_summer: ConductLevel | None
    year_confirmed: bool = True  # TT58: False while the year is only pre-filled from term II


@dataclass(frozen=True, slots=True)
class StudentYearResult:
    rule_set_code: str
    rule_set_version: str
    grade: int
    subjects: tuple[SubjectResult, ...]
    learning_term1: LearningResult
    learning_term2: LearningResult
    learning_year: LearningResult
    learning_after_retest: LearningResult | None
    conduct: ConductResult
    title: Title | None
    title_term1: Title | None
    title_term2: Title | None
    retest_subjects: tuple[str, ...]
    summer_training: bool
    outcome: YearOutcome
    reasons: tuple[Reason, ...]
    warnings: tuple[Reason, ...] = ()
    provisional: bool = field(default=False)  # True when any subject result is provisional

    def subject(self, code: str) -> SubjectResult:
        for subject in self.subjects:
            if subject.code == code:
                return subject
        raise KeyError(code)

    def learning(self, period: Period) -> LearningResult:
        if period is Period.TERM1:
            return self.learning_term1
        if period is Period.TERM2:
            return self.learning_term2
        return self.learning_year
