"""Thông tư 58/2011/TT-BGDĐT, school years up to 2019-2020 (assessment-rules.md section 7).

Subject results (Điều 10), overall average (Điều 11), exemption (Điều 12), học lực with the
adjustment clause (Điều 13), hạnh kiểm (Điều 3-4), titles (Điều 18), promotion, re-test and
summer conduct training (Điều 15-17). The TT26 amendment is :mod:`.tt58_tt26_2020`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from typing import ClassVar, Literal

from .base import Cell, PeriodValues, RuleSet, RuleSetParameters, YearEnd, display, display_count
from .errors import Issue
from .labels import (
    ColumnKind,
    CommentMark,
    HanhKiem58,
    HocLuc58,
    Period,
    SubjectKind,
    Title58,
    YearOutcome,
)
from .numbers import round_half_up
from .subjects import subject_name
from .types import (
    ConductResult,
    LearningResult,
    Reason,
    StudentYearInput,
    StudentYearResult,
    SubjectInput,
    SubjectResult,
)

__all__ = ["ADJUSTMENT", "TT58Parameters", "TT58RuleSet"]

GIOI, KHA, TB, YEU, KEM = (
    HocLuc58.GIOI,
    HocLuc58.KHA,
    HocLuc58.TRUNG_BINH,
    HocLuc58.YEU,
    HocLuc58.KEM,
)

# Điều 13 khoản 1-4 (R58-HL-1): (level, ĐTB and core threshold, lowest subject allowed).
THRESHOLDS: tuple[tuple[HocLuc58, Decimal, Decimal], ...] = (
    (GIOI, Decimal("8.0"), Decimal("6.5")),
    (KHA, Decimal("6.5"), Decimal("5.0")),
    (TB, Decimal("5.0"), Decimal("3.5")),
)
YEU_AVERAGE, YEU_FLOOR = Decimal("3.5"), Decimal("2.0")
RETEST_BELOW = Decimal("5.0")  # Điều 16: subjects with ĐTBmcn below 5,0 (or CĐ)

# Điều 13 khoản 6 (R58-HL-2): (level the ĐTB reaches, level obtained) -> adjusted level.
ADJUSTMENT: dict[tuple[HocLuc58, HocLuc58], HocLuc58] = {
    (GIOI, TB): KHA,
    (GIOI, YEU): TB,
    (KHA, YEU): TB,
    (KHA, KEM): YEU,
}
_KHOAN = {GIOI: 1, KHA: 2, TB: 3, YEU: 4, KEM: 5}


@dataclass(frozen=True, kw_only=True)
class TT58Parameters(RuleSetParameters):
    """TT58 parameters (also used, with other values, by TT58+TT26)."""

    comment_subjects: frozenset[str] = frozenset({"the_duc", "gdtc", "am_nhac", "mi_thuat"})
    regular_count_rule: Literal["per_year", "per_week"] = "per_week"
    regular_count_exact: bool = False  # Điều 8 khoản 2: "ít nhất"
    comment_regular_count: int | None = None
    both_failed_policy: Literal["train_then_reassess", "retain"] = "retain"
    whole_subject_exemptible: frozenset[str] = frozenset({"the_duc", "gdtc", "am_nhac", "mi_thuat"})
    practical_exemptible: frozenset[str] = frozenset({"gdqpan"})  # Điều 12 khoản 5
    oral_integer_warning: bool = True  # Điều 8 khoản 4
    # The subjects of the "Toán / Ngữ văn" clauses of Điều 13 (TT26 adds Ngoại ngữ).
    core_subjects: frozenset[str] = frozenset({"toan", "van"})
    # R58-HL-2 [U16]: "ĐTB đạt mức của loại" includes the core-subject condition.
    adjust_requires_core: bool = True


class TT58RuleSet(RuleSet):
    code = "tt58_2011"
    base_version = "2026.1"
    regulation = "Thông tư 58/2011/TT-BGDĐT"
    short_name = "Thông tư 58"
    default_parameters: ClassVar[RuleSetParameters] = TT58Parameters()
    column_kinds = frozenset(
        {
            ColumnKind.REGULAR,
            ColumnKind.ORAL,
            ColumnKind.QUIZ15,
            ColumnKind.PERIOD_TEST,
            ColumnKind.FINAL,
            ColumnKind.RETEST,
        }
    )
    conduct_scale = HanhKiem58
    learning_scale = HocLuc58
    kt_form_default = True
    clause_regular_count = "Điều 8 khoản 2"
    clause_makeup = "Điều 8 khoản 5"
    clause_subject_results = "Điều 10 khoản 1"
    clause_comment_subjects = "Điều 6 khoản 1"
    clause_single_term = "Điều 10 khoản 3"
    clause_exemption = "Điều 12"
    clause_summer_training = "Điều 17"
    clause_scale = "Điều 8 khoản 4"
    rule_single_term = "R58-SR-6"
    rule_exemption = "R58-EX"

    parameters: TT58Parameters

    # --- subject results ------------------------------------------------------------------

    def comment_term(self, cells: Sequence[Cell]) -> tuple[CommentMark | None, CommentMark | None]:
        """Đ iff all required tests are present, at least 2/3 of them Đ and the end-of-term
        test Đ (Điều 10 khoản 2a, R58-SR-4); integer arithmetic: 3 x passes >= 2 x tests."""
        present = [value for _, value, _ in cells if value is not None]
        if not present:
            return None, None
        passes = sum(value is CommentMark.DAT for value in present)
        final = cells[-1][1]
        passed = 3 * passes >= 2 * len(present) and final is not CommentMark.CHUA_DAT
        mark = CommentMark.DAT if passed else CommentMark.CHUA_DAT
        if len(present) == len(cells):
            return mark, None
        return None, mark

    # --- validation -----------------------------------------------------------------------

    def exemption_issues(self, subject: SubjectInput, where: str) -> list[Issue]:
        issues = []
        if subject.exempt_terms and subject.code not in self.parameters.whole_subject_exemptible:
            issues.append(
                Issue(
                    "warning",
                    where,
                    "Điều 12 chỉ cho miễn học môn Thể dục, Âm nhạc, Mỹ thuật",
                    "R58-EX",
                    self.clause("Điều 12"),
                )
            )
        if subject.practical_exempt_terms and subject.code not in (self.parameters.practical_exemptible):
            issues.append(
                Issue(
                    "warning",
                    where,
                    "Miễn phần thực hành chỉ áp dụng cho Giáo dục quốc phòng - an ninh",
                    "R58-SUB-4",
                    self.clause("Điều 12 khoản 5"),
                )
            )
        return issues

    # --- học lực (Điều 11, Điều 13) ---------------------------------------------------------

    def core_subjects(self, student: StudentYearInput) -> frozenset[str]:
        if student.core_subjects is not None:
            return student.core_subjects
        return self.parameters.core_subjects

    def learning_result(
        self,
        values: PeriodValues,
        label: str,
        core: frozenset[str],
        specialist: str | None,
        average_name: str,
    ) -> LearningResult:
        """ĐTB (Điều 11), học lực by the table (R58-HL-1) and the adjustment (R58-HL-2)."""
        if values.pending:
            names = ", ".join(subject.name for subject in values.pending)
            return LearningResult(
                raw=None,
                adjusted=None,
                reasons=(
                    self.reason(
                        "R22-ASM-5",
                        self.clause_makeup,
                        f"{label}: chưa xếp loại học lực vì môn {names} chưa có kết quả chính thức",
                    ),
                ),
            )
        scores = [value for _, value in values.scored]
        if not scores:
            return LearningResult(
                raw=None,
                adjusted=None,
                reasons=(
                    self.reason(
                        "R58-AVG-1",
                        "Điều 11",
                        f"{label}: không có môn tính điểm nên không có {average_name}",
                    ),
                ),
            )
        total = sum(scores, Decimal(0))
        average = round_half_up(total, divisor=len(scores))
        core_values = [value for subject, value in values.scored if subject.code in core]
        specialist_value = next((value for subject, value in values.scored if subject.code == specialist), None)
        failed_comments = [subject for subject, mark in values.comments if mark is CommentMark.CHUA_DAT]

        def core_reaches(threshold: Decimal) -> bool:
            return any(value >= threshold for value in core_values) and (
                specialist_value is None or specialist_value >= threshold
            )

        lowest = min(scores)
        raw = KEM
        for level, threshold, floor in THRESHOLDS:
            if average >= threshold and core_reaches(threshold) and lowest >= floor and not failed_comments:
                raw = level
                break
        else:
            if average >= YEU_AVERAGE and lowest >= YEU_FLOOR:
                raw = YEU

        reasons = [
            self.reason(
                "R58-AVG-1",
                "Điều 11",
                f"{label}: {average_name} = {display(total)}/{len(scores)} = {display(average)} "
                "(trung bình cộng điểm trung bình các môn tính điểm, làm tròn một chữ số "
                "thập phân)",
            ),
            self._level_reason(raw, average, values, failed_comments, core, core_reaches, label),
        ]

        adjusted = raw
        culprit: SubjectResult | None = None
        would_be: HocLuc58 | None = None
        for level, threshold, floor in THRESHOLDS[:2]:
            reached = average >= threshold and (
                core_reaches(threshold) if self.parameters.adjust_requires_core else True
            )
            if not reached:
                continue
            culprits = [subject for subject, value in values.scored if value < floor]
            culprits += failed_comments
            if len(culprits) == 1 and (level, raw) in ADJUSTMENT:
                if culprits[0].kind is SubjectKind.COMMENT and not (self.parameters.adjust_comment_culprit):
                    break
                adjusted, culprit, would_be = ADJUSTMENT[(level, raw)], culprits[0], level
                reasons.append(
                    self.reason(
                        "R58-HL-2",
                        "Điều 13 khoản 6",
                        f"{label}: {average_name} {display(average)} đạt mức loại {level.label} "
                        f"nhưng do kết quả của duy nhất môn {culprit.name} nên học lực bị xếp "
                        f"xuống {raw.label}: điều chỉnh thành {adjusted.label}",
                    )
                )
                break
        return LearningResult(
            raw=raw,
            adjusted=adjusted,
            culprit=culprit.code if culprit is not None else None,
            would_be=would_be,
            overall_average=average,
            reasons=tuple(reasons),
        )

    def _level_reason(
        self,
        raw: HocLuc58,
        average: Decimal,
        values: PeriodValues,
        failed_comments: Sequence[SubjectResult],
        core: frozenset[str],
        core_reaches: Callable[[Decimal], bool],
        label: str,
    ) -> Reason:
        text = f"{label}: học lực {raw.label}"
        if raw is not GIOI:
            higher = HocLuc58.from_rank(raw.rank + 1)
            unmet: list[str] = []
            if higher is YEU:
                if average < YEU_AVERAGE:
                    unmet.append(f"điểm trung bình {display(average)} dưới 3,5")
                low = [f"{s.name} {display(v)}" for s, v in values.scored if v < YEU_FLOOR]
                if low:
                    unmet.append(f"có môn dưới 2,0 ({', '.join(low)})")
            else:
                _, threshold, floor = next(t for t in THRESHOLDS if t[0] is higher)
                if average < threshold:
                    unmet.append(f"điểm trung bình {display(average)} dưới {display(threshold)}")
                if not core_reaches(threshold):
                    unmet.append(
                        f"không có môn nào trong {self._core_names(core)} đạt từ "
                        f"{display(threshold)} (hoặc môn chuyên chưa đạt)"
                    )
                low = [f"{s.name} {display(v)}" for s, v in values.scored if v < floor]
                if low:
                    unmet.append(f"có môn dưới {display(floor)} ({', '.join(low)})")
                if failed_comments:
                    names = ", ".join(subject.name for subject in failed_comments)
                    unmet.append(f"môn {names} xếp loại Chưa đạt")
            text += f"; chưa đạt loại {higher.label} vì {'; '.join(unmet)}"
        return self.reason("R58-HL-1", f"Điều 13 khoản {_KHOAN[raw]}", text)

    @staticmethod
    def _core_names(core: frozenset[str]) -> str:
        return ", ".join(subject_name(code) for code in sorted(core))

    # --- the year -------------------------------------------------------------------------

    def evaluate_year(
        self,
        student: StudentYearInput,
        subjects: tuple[SubjectResult, ...],
        warnings: list[Reason],
    ) -> StudentYearResult:
        reasons: list[Reason] = [reason for subject in subjects for reason in subject.reasons]
        core = self.core_subjects(student)
        specialist = student.specialist_subject
        learning = {
            period: self.learning_result(
                self.period_values(subjects, period),
                period.label,
                core,
                specialist,
                "ĐTBcn" if period is Period.YEAR else "ĐTBhk",
            )
            for period in Period
        }
        for period in Period:
            reasons.extend(learning[period].reasons)

        # Hạnh kiểm (Điều 4, R58-HK-2): the year is a judgement, pre-filled with term II.
        conduct_in = student.conduct
        hk_year = conduct_in.year
        confirmed = hk_year is not None
        if hk_year is None and conduct_in.term2 is not None:
            hk_year = conduct_in.term2
            warnings.append(
                self.reason(
                    "R58-HK-2",
                    "Điều 3, Điều 4",
                    f"Hạnh kiểm cả năm được điền sẵn theo học kì II ({hk_year.label}); giáo viên "
                    "chủ nhiệm cần xác nhận hoặc sửa",
                )
            )
        hk1 = conduct_in.term1 if isinstance(conduct_in.term1, HanhKiem58) else None
        hk2 = conduct_in.term2 if isinstance(conduct_in.term2, HanhKiem58) else None
        hk = hk_year if isinstance(hk_year, HanhKiem58) else None

        titles = {
            Period.TERM1: self._title(hk1, learning[Period.TERM1].adjusted, Period.TERM1, reasons),
            Period.TERM2: self._title(hk2, learning[Period.TERM2].adjusted, Period.TERM2, reasons),
            Period.YEAR: self._title(hk, learning[Period.YEAR].adjusted, Period.YEAR, reasons),
        }
        hl = learning[Period.YEAR].adjusted
        assert hl is None or isinstance(hl, HocLuc58)  # noqa: S101
        end = self._year_end(student, subjects, hl, hk, core, reasons, warnings)
        self.flag_unused_summer_conduct(student, end, warnings)
        if any(titles.values()) and student.absences is not None and student.absences > self.parameters.absence_limit:
            withhold = self.parameters.titles_over_absence_limit == "withhold"
            warnings.append(
                self.reason(
                    "R58-HON-1",
                    "Điều 18",
                    f"Học sinh nghỉ quá {self.parameters.absence_limit} buổi: danh hiệu "
                    + (
                        "không được xét (tham số titles_over_absence_limit)"
                        if withhold
                        else "được tính nhưng cần Hiệu trưởng xem xét"
                    ),
                )
            )
            if withhold:
                titles = dict.fromkeys(titles)
        return StudentYearResult(
            rule_set_code=self.code,
            rule_set_version=self.version,
            grade=student.grade,
            subjects=end.subjects,
            learning_term1=learning[Period.TERM1],
            learning_term2=learning[Period.TERM2],
            learning_year=learning[Period.YEAR],
            learning_after_retest=end.learning_after_retest,
            conduct=ConductResult(
                term1=hk1,
                term2=hk2,
                year=hk,
                after_summer=end.conduct_after_summer,
                year_confirmed=confirmed,
            ),
            title=titles[Period.YEAR],
            title_term1=titles[Period.TERM1],
            title_term2=titles[Period.TERM2],
            retest_subjects=end.retest_subjects,
            summer_training=end.summer_training,
            outcome=end.outcome,
            reasons=tuple(reasons),
            warnings=tuple(warnings),
            provisional=any(s.year is None and s.year_provisional is not None for s in end.subjects),
        )

    def _title(
        self,
        hk: HanhKiem58 | None,
        hl: object,
        period: Period,
        reasons: list[Reason],
    ) -> Title58 | None:
        """Học sinh giỏi / Học sinh tiên tiến, per term and per year (Điều 18, R58-HON-1)."""
        if hk is None or not isinstance(hl, HocLuc58):
            return None
        title: Title58 | None = None
        if hk is HanhKiem58.TOT and hl is GIOI:
            title = Title58.HSG
        elif hk >= HanhKiem58.KHA and hl >= KHA:
            title = Title58.HSTT
        if title is not None:
            reasons.append(
                self.reason(
                    "R58-HON-1",
                    "Điều 18",
                    f"{period.label}: danh hiệu {title.value} (hạnh kiểm {hk.label}, học lực {hl.label})",
                )
            )
        return title

    def _year_end(
        self,
        student: StudentYearInput,
        subjects: tuple[SubjectResult, ...],
        hl: HocLuc58 | None,
        hk: HanhKiem58 | None,
        core: frozenset[str],
        reasons: list[Reason],
        warnings: list[Reason],
    ) -> YearEnd:
        """The decision procedure R58-YE-5 (Điều 15-17)."""
        params = self.parameters
        absences = student.absences

        def unused_retests(candidates: frozenset[str] = frozenset()) -> None:
            for subject in subjects:
                if subject.retest is not None and subject.code not in candidates:
                    warnings.append(
                        self.reason(
                            "R58-YE-3",
                            "Điều 16",
                            f"Môn {subject.name} có điểm kiểm tra lại nhưng không thuộc diện kiểm "
                            "tra lại: điểm này không được dùng",
                        )
                    )

        def done(outcome: YearOutcome) -> YearEnd:
            unused_retests()
            return YearEnd(outcome, subjects)

        if absences is None:
            reasons.append(self.reason("R58-YE-1", "Điều 15 khoản 1", "Chưa có tổng số buổi nghỉ cả năm"))
            return done(YearOutcome.PENDING)
        if absences > params.absence_limit:
            reasons.append(
                self.reason(
                    "R58-YE-2",
                    "Điều 15 khoản 2 điểm a",
                    f"Nghỉ {display_count(absences)} buổi, quá {params.absence_limit} buổi "
                    "trong năm học (có phép hoặc không phép, liên tục hoặc không liên tục): "
                    "không được lên lớp",
                )
            )
            return done(YearOutcome.RETAINED)
        if hl is None or hk is None:
            reasons.append(
                self.reason(
                    "R58-YE-5",
                    "Điều 15",
                    "Chưa xét lên lớp vì chưa đủ học lực và hạnh kiểm cả năm",
                )
            )
            return done(YearOutcome.PENDING)
        if hl is KEM:
            reasons.append(
                self.reason(
                    "R58-YE-2",
                    "Điều 15 khoản 2",
                    "Học lực cả năm loại Kém: không được lên lớp, không được kiểm tra lại",
                )
            )
            return done(YearOutcome.RETAINED)
        needs_reassess = hl is YEU
        needs_training = hk is HanhKiem58.YEU
        if needs_reassess and needs_training and params.both_failed_policy == "retain":
            reasons.append(
                self.reason(
                    "R58-YE-2",
                    "Điều 15 khoản 2",
                    "Học lực và hạnh kiểm cả năm đều loại Yếu: không được lên lớp (không được kiểm "
                    "tra lại, không rèn luyện trong hè)",
                )
            )
            return done(YearOutcome.RETAINED)
        completing = student.grade in params.completion_grades
        if not needs_reassess and not needs_training:
            what = "hoàn thành chương trình lớp cuối cấp" if completing else "được lên lớp"
            reasons.append(
                self.reason(
                    "R58-YE-1",
                    "Điều 15 khoản 1",
                    f"Học lực cả năm {hl.label}, hạnh kiểm cả năm {hk.label} (từ Trung bình trở "
                    f"lên), nghỉ {display_count(absences)} buổi (không quá "
                    f"{params.absence_limit}): {what}",
                )
            )
            return done(YearOutcome.COMPLETED_PROGRAMME if completing else YearOutcome.PROMOTED)

        candidates: tuple[SubjectResult, ...] = ()
        final_subjects = subjects
        after: LearningResult | None = None
        if needs_reassess:
            candidates = tuple(
                subject
                for subject in subjects
                if subject.counted_in_year
                and (
                    (isinstance(subject.year, Decimal) and subject.year < RETEST_BELOW)
                    or subject.year is CommentMark.CHUA_DAT
                )
            )
            names = ", ".join(f"{s.name} ({display(s.year)})" for s in candidates)
            reasons.append(
                self.reason(
                    "R58-YE-3",
                    "Điều 16",
                    f"Học lực cả năm Yếu, hạnh kiểm {hk.label}: được kiểm tra lại một số môn do "
                    f"học sinh chọn trong các môn có điểm trung bình cả năm dưới 5,0 hoặc xếp "
                    f"loại Chưa đạt: {names}",
                )
            )
            codes = frozenset(subject.code for subject in candidates)
            unused_retests(codes)
            chosen = [subject for subject in candidates if subject.retest is not None]
            if chosen:
                final_subjects = tuple(
                    replace(subject, final_year=self.replaced_year(subject)) if subject.code in codes else subject
                    for subject in subjects
                )
                for subject in chosen:
                    reasons.append(
                        self.reason(
                            "R58-YE-3",
                            "Điều 16",
                            f"Môn {subject.name}: điểm kiểm tra lại {display(subject.retest)} "
                            f"thay cho điểm trung bình cả năm {display(subject.year)}",
                        )
                    )
                after = self.learning_result(
                    self.period_values(final_subjects, Period.YEAR, after_retest=True),
                    "Sau kiểm tra lại",
                    core,
                    student.specialist_subject,
                    "ĐTBcn",
                )
                reasons.extend(after.reasons)
        else:
            unused_retests()

        hk_final: HanhKiem58 | None = hk
        after_summer: HanhKiem58 | None = None
        conduct_in = student.conduct
        if needs_training:
            reasons.append(
                self.reason(
                    "R58-YE-4",
                    "Điều 17",
                    f"Hạnh kiểm cả năm Yếu, học lực {hl.label}: phải rèn luyện trong kì nghỉ hè; "
                    "nếu Ủy ban nhân dân cấp xã xác nhận hoàn thành thì được xếp loại lại hạnh "
                    "kiểm",
                )
            )
            if conduct_in.summer_training_completed is False:
                reasons.append(
                    self.reason(
                        "R58-YE-2",
                        "Điều 17, Điều 15 khoản 2",
                        "Không hoàn thành nhiệm vụ rèn luyện trong hè (không được xác nhận): "
                        "không được xếp loại lại hạnh kiểm, không được lên lớp",
                    )
                )
                return YearEnd(
                    YearOutcome.RETAINED,
                    final_subjects,
                    after,
                    tuple(s.code for s in candidates),
                    True,
                )
            summer = conduct_in.summer
            hk_final = summer if isinstance(summer, HanhKiem58) else None
            after_summer = hk_final

        retest_codes = tuple(subject.code for subject in candidates)

        def finish(outcome: YearOutcome) -> YearEnd:
            return YearEnd(outcome, final_subjects, after, retest_codes, needs_training, after_summer)

        if hk_final is None:
            return finish(YearOutcome.SUMMER_BOTH if needs_reassess and after is None else YearOutcome.SUMMER_TRAINING)
        if needs_training:
            reasons.append(
                self.reason(
                    "R58-YE-4",
                    "Điều 17",
                    f"Hạnh kiểm xếp loại lại sau rèn luyện hè: {hk_final.label}",
                )
            )
        if hk_final < HanhKiem58.TRUNG_BINH:
            reasons.append(
                self.reason(
                    "R58-YE-2",
                    "Điều 15 khoản 2",
                    "Hạnh kiểm sau rèn luyện hè vẫn loại Yếu: không được lên lớp",
                )
            )
            return finish(YearOutcome.RETAINED)
        if needs_reassess:
            if after is None or after.adjusted is None:
                return finish(YearOutcome.SUMMER_REASSESSMENT)
            if after.adjusted < TB:
                reasons.append(
                    self.reason(
                        "R58-YE-2",
                        "Điều 15 khoản 2",
                        f"Sau kiểm tra lại, học lực vẫn loại {after.adjusted.label} (dưới Trung "
                        "bình): không được lên lớp",
                    )
                )
                return finish(YearOutcome.RETAINED)
        steps = []
        if needs_reassess:
            steps.append("kiểm tra lại")
        if needs_training:
            steps.append("rèn luyện hạnh kiểm trong hè")
        reasons.append(self.reason("R58-YE-1", "Điều 15 khoản 1", f"Được lên lớp sau {' và '.join(steps)}"))
        return finish(YearOutcome.PROMOTED_AFTER_SUMMER)
