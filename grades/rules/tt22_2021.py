"""Thông tư 22/2021/TT-BGDĐT (assessment-rules.md sections 4-6).

Subject results (Điều 9 khoản 1), learning result with the adjustment clause (Điều 9 khoản 2-3),
training result (Điều 8), titles (Điều 15), promotion, summer training and summer
re-assessment (Điều 12-14).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import ClassVar, Literal

from .base import Cell, PeriodValues, RuleSet, RuleSetParameters, YearEnd, display, display_count
from .errors import Issue
from .labels import ColumnKind, CommentMark, Level22, Period, SubjectKind, Title22, YearOutcome
from .types import (
    ConductResult,
    LearningResult,
    Reason,
    StudentYearInput,
    StudentYearResult,
    SubjectInput,
    SubjectResult,
)

__all__ = ["TT22Parameters", "TT22RuleSet", "year_training_result"]

TOT, KHA, DAT, CHUA_DAT = Level22.TOT, Level22.KHA, Level22.DAT, Level22.CHUA_DAT

# Điều 9 khoản 2 (R22-LR-1) and Điều 15 (R22-HON-1): confirmed thresholds.
TOT_FLOOR, TOT_HIGH = Decimal("6.5"), Decimal("8.0")
KHA_FLOOR, KHA_HIGH = Decimal("5.0"), Decimal("6.5")
DAT_COUNTED, DAT_FLOOR = Decimal("5.0"), Decimal("3.5")
MIN_SUBJECTS = 6
EXCELLENT_SCORE, EXCELLENT_SUBJECTS = Decimal("9.0"), 6
RETEST_BELOW = Decimal("5.0")  # Điều 14: scored subjects with ĐTBmcn below 5,0

# Điều 8 khoản 2 điểm b (R22-TR-2): year training result from (term I, term II).
YEAR_TRAINING: dict[tuple[Level22, Level22], Level22] = {
    (TOT, TOT): TOT,
    (TOT, KHA): KHA,
    (TOT, DAT): KHA,
    (TOT, CHUA_DAT): CHUA_DAT,
    (KHA, TOT): TOT,
    (KHA, KHA): KHA,
    (KHA, DAT): DAT,
    (KHA, CHUA_DAT): CHUA_DAT,
    (DAT, TOT): KHA,
    (DAT, KHA): KHA,
    (DAT, DAT): DAT,
    (DAT, CHUA_DAT): CHUA_DAT,
    (CHUA_DAT, TOT): KHA,
    (CHUA_DAT, KHA): DAT,
    (CHUA_DAT, DAT): DAT,
    (CHUA_DAT, CHUA_DAT): CHUA_DAT,
}

_POINT = {TOT: "a", KHA: "b", DAT: "c", CHUA_DAT: "d"}


def year_training_result(term1: Level22, term2: Level22) -> Level22:
    """The year training result derived from the two terms (R22-TR-2)."""
    return YEAR_TRAINING[(term1, term2)]


@dataclass(frozen=True, kw_only=True)
class TT22Parameters(RuleSetParameters):
    """TT22 parameters; the [U] ones carry the specification's default."""

    comment_subjects: frozenset[str] = frozenset({"gdtc", "nghe_thuat", "am_nhac", "mi_thuat", "gddp", "hdtn"})
    regular_count_rule: Literal["per_year", "per_week"] = "per_year"
    regular_count_exact: bool = True
    comment_regular_count: int | None = 2
    topic_cluster_extra_regular: int = 1  # [U4]
    both_failed_policy: Literal["train_then_reassess", "retain"] = "train_then_reassess"  # [U5]
    practical_exemptible: frozenset[str] = frozenset({"gdtc", "gdqpan"})
    # R22-LR-2 [U1]: "lên mức liền kề" = raw + 1 (alternative: would-be level - 1).
    adjust_target: Literal["raw_plus_one", "wouldbe_minus_one"] = "raw_plus_one"
    # R22-SUB-4 [U8]: THCS Nghệ thuật is one comment subject (Âm nhạc + Mĩ thuật strands).
    thcs_arts_as_single_subject: bool = True


class TT22RuleSet(RuleSet):
    code = "tt22_2021"
    base_version = "2026.1"
    regulation = "Thông tư 22/2021/TT-BGDĐT"
    short_name = "Thông tư 22"
    default_parameters: ClassVar[RuleSetParameters] = TT22Parameters()
    column_kinds = frozenset({ColumnKind.REGULAR, ColumnKind.MIDTERM, ColumnKind.FINAL, ColumnKind.RETEST})
    conduct_scale = Level22
    learning_scale = Level22
    clause_regular_count = "Điều 6 khoản 2"
    clause_makeup = "Điều 7"
    clause_subject_results = "Điều 9 khoản 1"
    clause_comment_subjects = "Điều 5"
    clause_single_term = "Điều 9 khoản 1 (môn chỉ học một học kì: mặc định của hệ thống)"
    clause_exemption = "Điều 10"
    clause_summer_training = "Điều 13"
    clause_scale = "Điều 5"
    rule_single_term = "R22-SR-5"
    rule_exemption = "R22-ASM-7"

    parameters: TT22Parameters

    # --- subject results ------------------------------------------------------------------

    def comment_term(self, cells: Sequence[Cell]) -> tuple[CommentMark | None, CommentMark | None]:
        """Đạt iff every required assessment is present and Đạt (R22-SR-3)."""
        present = [value for _, value, _ in cells if value is not None]
        failed = CommentMark.CHUA_DAT in present
        if len(present) == len(cells):
            return (CommentMark.CHUA_DAT if failed else CommentMark.DAT), None
        if not present:
            return None, None
        return None, CommentMark.CHUA_DAT if failed else CommentMark.DAT

    # --- validation -----------------------------------------------------------------------

    def exemption_issues(self, subject: SubjectInput, where: str) -> list[Issue]:
        issues = []
        if subject.exempt_terms:
            issues.append(
                Issue(
                    "warning",
                    where,
                    "Thông tư 22 chỉ cho miễn phần thực hành (Điều 10); môn học được ghi miễn cả "
                    "môn (dữ liệu không theo quy định) nên không được tính trong học kì được miễn",
                    "R22-ASM-7",
                    self.clause("Điều 10"),
                )
            )
        if subject.practical_exempt_terms and subject.code not in (self.parameters.practical_exemptible):
            issues.append(
                Issue(
                    "warning",
                    where,
                    "Điều 10 chỉ cho miễn phần thực hành môn Giáo dục thể chất và Giáo dục quốc phòng và an ninh",
                    "R22-ASM-6",
                    self.clause("Điều 10"),
                )
            )
        return issues

    def validate_student(self, student: StudentYearInput) -> Iterable[Issue]:
        codes = {subject.code for subject in student.subjects}
        if self.parameters.thcs_arts_as_single_subject and student.grade <= 9 and codes & {"am_nhac", "mi_thuat"}:
            yield Issue(
                "warning",
                "",
                "Ở THCS, Nghệ thuật được tính là một môn đánh giá bằng nhận xét (tham số "
                "thcs_arts_as_single_subject); hồ sơ này ghi Âm nhạc/Mĩ thuật thành môn riêng, "
                "số môn Chưa đạt có thể bị tính khác",
                "R22-SUB-4",
                self.clause("Điều 5"),
            )

    # --- learning result (Điều 9 khoản 2, 3) ------------------------------------------------

    def learning_result(self, values: PeriodValues, label: str) -> LearningResult:
        """KQHT of one period: the table (R22-LR-1), then the adjustment clause (R22-LR-2)."""
        if values.pending:
            names = ", ".join(subject.name for subject in values.pending)
            return LearningResult(
                raw=None,
                adjusted=None,
                reasons=(
                    self.reason(
                        "R22-ASM-5",
                        self.clause_makeup,
                        f"{label}: chưa đánh giá kết quả học tập vì môn {names} chưa có kết quả chính thức",
                    ),
                ),
            )
        scores = [value for _, value in values.scored]
        failed_comments = [s for s, mark in values.comments if mark is CommentMark.CHUA_DAT]
        raw = self._level(scores, len(failed_comments))
        reasons = [self._level_reason(raw, values, failed_comments, label)]

        would_be: Level22 | None = None
        culprit: SubjectResult | None = None
        for level, floor, high in ((TOT, TOT_FLOOR, TOT_HIGH), (KHA, KHA_FLOOR, KHA_HIGH)):
            culprits = [subject for subject, value in values.scored if value < floor]
            culprits += failed_comments
            if len(culprits) == 1 and sum(v >= high for v in scores) >= MIN_SUBJECTS:
                if culprits[0].kind is SubjectKind.COMMENT and not (self.parameters.adjust_comment_culprit):
                    break
                would_be, culprit = level, culprits[0]
                break
        adjusted = raw
        if would_be is not None and culprit is not None:
            drop = would_be.rank - raw.rank
            culprit_text = f"môn {culprit.name} ({display(self._value_of(values, culprit))})"
            if drop >= 2:
                if self.parameters.adjust_target == "raw_plus_one":
                    adjusted = Level22.from_rank(raw.rank + 1)
                else:
                    adjusted = Level22.from_rank(would_be.rank - 1)
                reasons.append(
                    self.reason(
                        "R22-LR-2",
                        "Điều 9 khoản 3",
                        f"{label}: mức {raw.label} được điều chỉnh lên mức {adjusted.label} vì "
                        f"kết quả học tập bị thấp xuống {drop} mức so với mức {would_be.label} "
                        f"chỉ do kết quả của duy nhất {culprit_text}",
                    )
                )
            elif drop == 1:
                reasons.append(
                    self.reason(
                        "R22-LR-2",
                        "Điều 9 khoản 3",
                        f"{label}: không điều chỉnh vì chỉ thấp hơn 1 mức so với mức "
                        f"{would_be.label} (do {culprit_text}); chỉ điều chỉnh khi bị thấp xuống "
                        "từ 2 mức trở lên",
                    )
                )
        return LearningResult(
            raw=raw,
            adjusted=adjusted,
            culprit=culprit.code if adjusted is not raw and culprit is not None else None,
            would_be=would_be,
            reasons=tuple(reasons),
        )

    @staticmethod
    def _value_of(values: PeriodValues, subject: SubjectResult) -> Decimal | CommentMark:
        for candidate, value in values.scored:
            if candidate is subject:
                return value
        return CHUA_DAT_MARK

    @staticmethod
    def _level(scores: Sequence[Decimal], failed_comments: int) -> Level22:
        lowest = min(scores) if scores else None
        if (
            failed_comments == 0
            and (lowest is None or lowest >= TOT_FLOOR)
            and sum(v >= TOT_HIGH for v in scores) >= MIN_SUBJECTS
        ):
            return TOT
        if (
            failed_comments == 0
            and (lowest is None or lowest >= KHA_FLOOR)
            and sum(v >= KHA_HIGH for v in scores) >= MIN_SUBJECTS
        ):
            return KHA
        if (
            failed_comments <= 1
            and sum(v >= DAT_COUNTED for v in scores) >= MIN_SUBJECTS
            and (lowest is None or lowest >= DAT_FLOOR)
        ):
            return DAT
        return CHUA_DAT

    def _level_reason(
        self,
        raw: Level22,
        values: PeriodValues,
        failed_comments: Sequence[SubjectResult],
        label: str,
    ) -> Reason:
        text = f"{label}: kết quả học tập mức {raw.label}"
        if raw is not TOT:
            higher = Level22.from_rank(raw.rank + 1)
            unmet = self._unmet(higher, values, failed_comments)
            text += f"; chưa đạt mức {higher.label} vì {'; '.join(unmet)}"
        return self.reason("R22-LR-1", f"Điều 9 khoản 2 điểm {_POINT[raw]}", text)

    @staticmethod
    def _unmet(level: Level22, values: PeriodValues, failed_comments: Sequence[SubjectResult]) -> list[str]:
        """The conditions of ``level`` (R22-LR-1) the student does not meet, in Vietnamese."""
        unmet: list[str] = []
        scores = [value for _, value in values.scored]
        if level is DAT:
            if len(failed_comments) > 1:
                names = ", ".join(subject.name for subject in failed_comments)
                unmet.append(f"có {len(failed_comments)} môn Chưa đạt ({names}), tối đa 1 môn")
            counted = sum(v >= DAT_COUNTED for v in scores)
            if counted < MIN_SUBJECTS:
                unmet.append(f"chỉ {counted} môn có điểm trung bình từ 5,0 trở lên (cần 6)")
            low = [f"{s.name} {display(v)}" for s, v in values.scored if v < DAT_FLOOR]
            if low:
                unmet.append(f"có môn dưới 3,5 ({', '.join(low)})")
            return unmet
        floor, high = (TOT_FLOOR, TOT_HIGH) if level is TOT else (KHA_FLOOR, KHA_HIGH)
        if failed_comments:
            names = ", ".join(subject.name for subject in failed_comments)
            unmet.append(f"môn {names} Chưa đạt")
        low = [f"{s.name} {display(v)}" for s, v in values.scored if v < floor]
        if low:
            unmet.append(f"có môn dưới {display(floor)} ({', '.join(low)})")
        counted = sum(v >= high for v in scores)
        if counted < MIN_SUBJECTS:
            unmet.append(f"chỉ {counted} môn có điểm trung bình từ {display(high)} trở lên (cần 6)")
        return unmet

    # --- the year -------------------------------------------------------------------------

    def evaluate_year(
        self,
        student: StudentYearInput,
        subjects: tuple[SubjectResult, ...],
        warnings: list[Reason],
    ) -> StudentYearResult:
        params = self.parameters
        reasons: list[Reason] = [reason for subject in subjects for reason in subject.reasons]

        values = {period: self.period_values(subjects, period) for period in Period}
        learning = {period: self.learning_result(values[period], period.label) for period in Period}
        for period in Period:
            reasons.extend(learning[period].reasons)
        year_values = values[Period.YEAR]
        if len(year_values.scored) + len(year_values.pending) < MIN_SUBJECTS:
            warnings.append(
                self.reason(
                    "R22-LR-1",
                    "Điều 9 khoản 2",
                    "Học sinh có ít hơn 6 môn đánh giá bằng điểm số: các điều kiện về số môn "
                    "không thể đạt, kết quả theo đúng bảng; đề nghị Hiệu trưởng xem xét",
                )
            )

        # Training result (Điều 8 khoản 2): terms entered by the GVCN, the year derived.
        conduct_in = student.conduct
        rl1, rl2_term = conduct_in.term1, conduct_in.term2
        rl: Level22 | None = None
        if isinstance(rl1, Level22) and isinstance(rl2_term, Level22):
            rl = year_training_result(rl1, rl2_term)
            reasons.append(
                self.reason(
                    "R22-TR-2",
                    "Điều 8 khoản 2 điểm b",
                    f"Kết quả rèn luyện cả năm mức {rl.label}: học kì I {rl1.label}, học kì II {rl2_term.label}",
                )
            )
            if conduct_in.year is not None and conduct_in.year is not rl:
                warnings.append(
                    self.reason(
                        "R22-TR-2",
                        "Điều 8 khoản 2 điểm b",
                        f"Kết quả rèn luyện cả năm được tính từ hai học kì ({rl.label}); mức nhập "
                        f"tay {conduct_in.year.label} không được dùng",
                    )
                )
        else:
            reasons.append(
                self.reason(
                    "R22-TR-2",
                    "Điều 8 khoản 2",
                    "Chưa đánh giá kết quả rèn luyện cả năm vì thiếu kết quả rèn luyện học kì",
                )
            )

        ht = learning[Period.YEAR].adjusted
        assert ht is None or isinstance(ht, Level22)  # noqa: S101 - narrows the type for mypy
        title = self._title(rl, ht, year_values, reasons)

        end = self._year_end(student, subjects, rl, ht, reasons, warnings)
        self.flag_unused_summer_conduct(student, end, warnings)
        if title is not None and student.absences is not None and (student.absences > params.absence_limit):
            withhold = params.titles_over_absence_limit == "withhold"
            warnings.append(
                self.reason(
                    "R22-HON-3",
                    "Điều 15",
                    f"Học sinh nghỉ quá {params.absence_limit} buổi: danh hiệu {title.value} "
                    + (
                        "không được xét (tham số titles_over_absence_limit)"
                        if withhold
                        else "được tính nhưng cần Hiệu trưởng xem xét"
                    ),
                )
            )
            if withhold:
                title = None
        if student.disability_iep:
            warnings.append(
                self.reason(
                    "R22-ASM-8",
                    "Điều 11, Điều 12 khoản 4",
                    "Học sinh khuyết tật học theo kế hoạch giáo dục cá nhân: các mức đánh giá chỉ "
                    "để tham khảo, Hiệu trưởng quyết định việc lên lớp",
                )
            )

        final_subjects = end.subjects
        return StudentYearResult(
            rule_set_code=self.code,
            rule_set_version=self.version,
            grade=student.grade,
            subjects=final_subjects,
            learning_term1=learning[Period.TERM1],
            learning_term2=learning[Period.TERM2],
            learning_year=learning[Period.YEAR],
            learning_after_retest=end.learning_after_retest,
            conduct=ConductResult(term1=rl1, term2=rl2_term, year=rl, after_summer=end.conduct_after_summer),
            title=title,
            title_term1=None,
            title_term2=None,
            retest_subjects=end.retest_subjects,
            summer_training=end.summer_training,
            outcome=end.outcome,
            reasons=tuple(reasons),
            warnings=tuple(warnings),
            provisional=any(s.year is None and s.year_provisional is not None for s in final_subjects),
        )

    def _title(
        self,
        rl: Level22 | None,
        ht: Level22 | None,
        year_values: PeriodValues,
        reasons: list[Reason],
    ) -> Title22 | None:
        """Học sinh Xuất sắc / Học sinh Giỏi (Điều 15, R22-HON-1), year only."""
        if rl is not TOT or ht is not TOT:
            return None
        excellent = sum(value >= EXCELLENT_SCORE for _, value in year_values.scored)
        if excellent >= EXCELLENT_SUBJECTS:
            reasons.append(
                self.reason(
                    "R22-HON-1",
                    "Điều 15",
                    f"Danh hiệu Học sinh Xuất sắc: rèn luyện Tốt, học tập Tốt và {excellent} môn "
                    "có điểm trung bình cả năm từ 9,0 trở lên",
                )
            )
            return Title22.HS_XUAT_SAC
        reasons.append(
            self.reason(
                "R22-HON-1",
                "Điều 15",
                f"Danh hiệu Học sinh Giỏi: rèn luyện Tốt và học tập Tốt (chỉ {excellent} môn từ "
                "9,0 trở lên, cần 6 để đạt Học sinh Xuất sắc)",
            )
        )
        return Title22.HS_GIOI

    def _year_end(
        self,
        student: StudentYearInput,
        subjects: tuple[SubjectResult, ...],
        rl: Level22 | None,
        ht: Level22 | None,
        reasons: list[Reason],
        warnings: list[Reason],
    ) -> YearEnd:
        """The decision procedure R22-YE-8 (Điều 12-14)."""
        params = self.parameters
        absences = student.absences
        conduct_in = student.conduct

        def unused_retests() -> None:
            for subject in subjects:
                if subject.retest is not None:
                    warnings.append(
                        self.reason(
                            "R22-YE-4",
                            "Điều 14",
                            f"Môn {subject.name} có kết quả đánh giá lại nhưng không thuộc diện "
                            "đánh giá lại: kết quả này không được dùng",
                        )
                    )

        def done(outcome: YearOutcome) -> YearEnd:
            unused_retests()
            return YearEnd(outcome, subjects)

        if absences is None:
            reasons.append(self.reason("R22-YE-1", "Điều 12 khoản 1 điểm c", "Chưa có tổng số buổi nghỉ cả năm"))
            return done(YearOutcome.PENDING)
        if absences > params.absence_limit:
            reasons.append(
                self.reason(
                    "R22-YE-3",
                    "Điều 12 khoản 1 điểm c, khoản 3",
                    f"Nghỉ {display_count(absences)} buổi, quá {params.absence_limit} buổi "
                    "trong năm học (tính cả nghỉ có phép và không phép): không được lên lớp, "
                    "không có kiểm tra, đánh giá lại hay rèn luyện trong kì nghỉ hè",
                )
            )
            return done(YearOutcome.RETAINED)
        if rl is None or ht is None:
            reasons.append(
                self.reason(
                    "R22-YE-8",
                    "Điều 12 khoản 1",
                    "Chưa xét lên lớp vì chưa đủ kết quả rèn luyện và kết quả học tập cả năm",
                )
            )
            return done(YearOutcome.PENDING)
        completing = student.grade in params.completion_grades
        if rl >= DAT and ht >= DAT:
            level = "trung học cơ sở" if student.grade <= 9 else "trung học phổ thông"
            what = f"được công nhận hoàn thành chương trình {level}" if completing else "được lên lớp"
            reasons.append(
                self.reason(
                    "R22-YE-1",
                    "Điều 12 khoản 1",
                    f"Kết quả rèn luyện cả năm {rl.label}, kết quả học tập cả năm {ht.label} "
                    f"(từ mức Đạt trở lên), nghỉ {display_count(absences)} buổi (không quá "
                    f"{params.absence_limit}): {what}",
                )
            )
            return done(YearOutcome.COMPLETED_PROGRAMME if completing else YearOutcome.PROMOTED)

        needs_training = rl is CHUA_DAT
        needs_reassess = ht is CHUA_DAT
        if needs_training and needs_reassess and params.both_failed_policy == "retain":
            reasons.append(
                self.reason(
                    "R22-YE-6",
                    "Điều 12 khoản 3, Điều 14",
                    "Kết quả rèn luyện và kết quả học tập cả năm đều Chưa đạt: không được lên lớp "
                    "(tham số both_failed_policy = retain)",
                )
            )
            return done(YearOutcome.RETAINED)

        retest_codes: tuple[str, ...] = ()
        final_subjects = subjects
        after: LearningResult | None = None
        if needs_reassess:
            due = [
                subject
                for subject in subjects
                if subject.counted_in_year
                and (
                    (isinstance(subject.year, Decimal) and subject.year < RETEST_BELOW)
                    or subject.year is CommentMark.CHUA_DAT
                )
            ]
            retest_codes = tuple(subject.code for subject in due)
            names = ", ".join(f"{subject.name} ({display(subject.year)})" for subject in due)
            names = names or "không có môn nào (kết quả học tập không thể thay đổi)"
            condition = (
                "kết quả rèn luyện được đánh giá lại sau rèn luyện hè từ mức Đạt trở lên"
                if needs_training
                else f"kết quả rèn luyện cả năm {rl.label}"
            )
            reasons.append(
                self.reason(
                    "R22-YE-4",
                    "Điều 14",
                    f"Kết quả học tập cả năm Chưa đạt, {condition}: được kiểm tra, đánh giá lại "
                    f"trong kì nghỉ hè tất cả các môn có điểm trung bình cả năm dưới 5,0 hoặc "
                    f"Chưa đạt: {names}",
                )
            )
            due_codes = set(retest_codes)
            final_subjects = tuple(
                replace(subject, final_year=self.replaced_year(subject)) if subject.code in due_codes else subject
                for subject in subjects
            )
            for subject in subjects:
                if subject.code not in due_codes and subject.retest is not None:
                    warnings.append(
                        self.reason(
                            "R22-YE-4",
                            "Điều 14",
                            f"Môn {subject.name} không thuộc diện đánh giá lại: kết quả đánh giá "
                            "lại của môn này không được dùng",
                        )
                    )
            if all(subject.retest is not None for subject in due):
                for subject in final_subjects:
                    if subject.code in due_codes:
                        reasons.append(
                            self.reason(
                                "R22-YE-4",
                                "Điều 14",
                                f"Môn {subject.name}: kết quả đánh giá lại "
                                f"{display(subject.retest)} thay thế kết quả cả năm "
                                f"{display(subject.year)} để xét lên lớp",
                            )
                        )
                after = self.learning_result(
                    self.period_values(final_subjects, Period.YEAR, after_retest=True),
                    "Sau kiểm tra, đánh giá lại",
                )
                reasons.extend(after.reasons)
        else:
            unused_retests()

        after_summer: Level22 | None = None
        rl_final: Level22 | None = rl
        if needs_training:
            reasons.append(
                self.reason(
                    "R22-YE-5",
                    "Điều 13",
                    "Kết quả rèn luyện cả năm Chưa đạt: phải rèn luyện trong kì nghỉ hè theo nhiệm "
                    "vụ GVCN giao; kết quả đánh giá lại thay thế kết quả rèn luyện cả năm",
                )
            )
            summer_level = conduct_in.summer
            if conduct_in.summer_training_completed is False:
                reasons.append(
                    self.reason(
                        "R22-YE-5",
                        "Điều 13, Điều 12 khoản 3",
                        "Không hoàn thành nhiệm vụ rèn luyện trong kì nghỉ hè (không có báo cáo "
                        "có chữ kí của cha mẹ học sinh): không được lên lớp",
                    )
                )
                return YearEnd(YearOutcome.RETAINED, final_subjects, after, retest_codes, True)
            rl_final = summer_level if isinstance(summer_level, Level22) else None
            after_summer = rl_final

        outstanding_reassess = needs_reassess and after is None

        def summer(outcome: YearOutcome) -> YearEnd:
            return YearEnd(outcome, final_subjects, after, retest_codes, needs_training, after_summer)

        if rl_final is None:
            return summer(YearOutcome.SUMMER_BOTH if outstanding_reassess else YearOutcome.SUMMER_TRAINING)
        if needs_training:
            verdict = "không được lên lớp" if rl_final < DAT else "đạt yêu cầu"
            reasons.append(
                self.reason(
                    "R22-YE-5",
                    "Điều 13",
                    f"Kết quả rèn luyện đánh giá lại sau kì nghỉ hè: {rl_final.label} — {verdict}",
                )
            )
        if rl_final < DAT:
            return summer(YearOutcome.RETAINED)
        if needs_reassess:
            if outstanding_reassess or after is None or after.adjusted is None:
                return summer(YearOutcome.SUMMER_REASSESSMENT)
            if after.adjusted < DAT:
                reasons.append(
                    self.reason(
                        "R22-YE-4",
                        "Điều 14, Điều 12 khoản 3",
                        f"Kết quả học tập sau kiểm tra, đánh giá lại {after.adjusted.label}: không được lên lớp",
                    )
                )
                return summer(YearOutcome.RETAINED)
        steps = []
        if needs_training:
            steps.append("rèn luyện trong kì nghỉ hè")
        if needs_reassess:
            steps.append("kiểm tra, đánh giá lại")
        reasons.append(
            self.reason(
                "R22-YE-1",
                "Điều 12 khoản 1",
                f"Được lên lớp sau {' và '.join(steps)}",
            )
        )
        return summer(YearOutcome.PROMOTED_AFTER_SUMMER)


CHUA_DAT_MARK = CommentMark.CHUA_DAT
