"""Thông tư 58/2011/TT-BGDĐT as amended by Thông tư 26/2020/TT-BGDĐT (from 2020-2021).

Differences from pure TT58 (assessment-rules.md section 7): ĐĐGtx / ĐĐGgk / ĐĐGck with the TT22
formula (R58-SR-2) and exact regular counts by periods per year; scores always one decimal;
Ngoại ngữ joins Toán and Ngữ văn in the học lực clauses (R58-HL-1); the adjustment needs one
single subject ("duy nhất"). In 2020-2021 term I a term recorded in the old KT form is computed
with the TT58 formula (R-SEL-3).
"""

from __future__ import annotations

from typing import ClassVar

from .base import RuleSetParameters
from .errors import Issue
from .labels import ColumnKind, Period
from .tt58_2011 import TT58Parameters, TT58RuleSet
from .types import TermScores

__all__ = ["TT26_PARAMETERS", "TT58TT26RuleSet"]

TT26_PARAMETERS = TT58Parameters(
    regular_count_rule="per_year",  # 2 (<= 35 periods/year), 3 (<= 70), 4 (> 70) [L]
    regular_count_exact=True,  # exactly that many ĐĐGtx [L]
    oral_integer_warning=False,  # every score one decimal (R-NUM-2)
    core_subjects=frozenset({"toan", "van", "anh"}),
)


class TT58TT26RuleSet(TT58RuleSet):
    code = "tt58_tt26_2020"
    base_version = "2026.1"
    regulation = "Thông tư 58/2011/TT-BGDĐT (sửa đổi bởi Thông tư 26/2020/TT-BGDĐT)"
    short_name = "Thông tư 58 sửa đổi bởi Thông tư 26"
    default_parameters: ClassVar[RuleSetParameters] = TT26_PARAMETERS
    column_kinds = frozenset(
        {
            ColumnKind.REGULAR,
            ColumnKind.MIDTERM,
            ColumnKind.FINAL,
            ColumnKind.RETEST,
            # R-SEL-3: 2020-2021 term I may still be in the KT form.
            ColumnKind.ORAL,
            ColumnKind.QUIZ15,
            ColumnKind.PERIOD_TEST,
        }
    )
    kt_form_default = False

    def is_kt_form(self, scores: TermScores) -> bool:
        return bool(scores.periodic)

    def form_issues(self, scores: TermScores, period: Period, where: str) -> list[Issue]:
        if scores.periodic and scores.midterm is not None:
            return [
                Issue(
                    "error",
                    where,
                    "Một học kì chỉ ghi theo một dạng: ĐĐGgk (midterm) hoặc các bài kiểm tra định "
                    "kì (periodic), không cả hai",
                    "R-SEL-3",
                    self.clause("Điều 10 khoản 1"),
                )
            ]
        if scores.periodic and period is not Period.TERM1:
            return [
                Issue(
                    "error",
                    where,
                    "Chỉ học kì I năm học 2020-2021 được ghi theo dạng bài kiểm tra định kì cũ; "
                    "học kì II dùng ĐĐGtx, ĐĐGgk, ĐĐGck",
                    "R-SEL-3",
                    self.clause("Điều 10 khoản 1"),
                )
            ]
        return []
