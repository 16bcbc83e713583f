"""The rule sets by code, and which one applies to a (school year, grade) (R-SEL-1, R-SEL-2)."""

from __future__ import annotations

from types import MappingProxyType

from .base import RuleSet
from .tt22_2021 import TT22RuleSet
from .tt58_2011 import TT58RuleSet
from .tt58_tt26_2020 import TT58TT26RuleSet

__all__ = [
    "RULE_SETS",
    "TT22_FIRST_SCHOOL_YEAR",
    "get_rule_set",
    "rule_set_code_for",
    "rule_set_for",
]

RULE_SETS: MappingProxyType[str, RuleSet] = MappingProxyType(
    {rule_set.code: rule_set for rule_set in (TT22RuleSet(), TT58RuleSet(), TT58TT26RuleSet())}
)

# R-SEL-1 (TT22 Điều 21 khoản 1): the first school year (its starting calendar year) in which
# each grade is assessed under TT22.
TT22_FIRST_SCHOOL_YEAR: MappingProxyType[int, int] = MappingProxyType(
    {6: 2021, 7: 2022, 8: 2023, 9: 2024, 10: 2022, 11: 2023, 12: 2024}
)
TT26_FIRST_SCHOOL_YEAR = 2020  # TT26 in force 11/10/2020
TT58_FIRST_SCHOOL_YEAR = 2011  # TT58 in force 26/01/2012, during 2011-2012


def get_rule_set(code: str) -> RuleSet:
    """The rule set with its default parameters: "tt22_2021", "tt58_2011", "tt58_tt26_2020"."""
    try:
        return RULE_SETS[code]
    except KeyError:
        known = ", ".join(sorted(RULE_SETS))
        raise ValueError(f"Bộ quy tắc không tồn tại: {code!r} (có: {known})") from None


def rule_set_code_for(school_year_start: int, grade: int) -> str:
    """The code of the rule set of a school year (2024 for 2024-2025) and a grade (R-SEL-1).

    A repeating student follows the row of the year he repeats in (R-SEL-2). In 2020-2021 term I
    the TT58+TT26 rule set also accepts terms recorded in the old KT form (R-SEL-3).
    """
    if grade not in TT22_FIRST_SCHOOL_YEAR:
        raise ValueError(f"Khối lớp phải từ 6 đến 12, không phải {grade}")
    if school_year_start < TT58_FIRST_SCHOOL_YEAR:
        raise ValueError("Năm học trước 2011-2012 (Quyết định 40/2006/QĐ-BGDĐT) không được hỗ trợ")
    if school_year_start >= TT22_FIRST_SCHOOL_YEAR[grade]:
        return TT22RuleSet.code
    if school_year_start >= TT26_FIRST_SCHOOL_YEAR:
        return TT58TT26RuleSet.code
    return TT58RuleSet.code


def rule_set_for(school_year_start: int, grade: int) -> RuleSet:
    """The rule set that applies to a school year and a grade (R-SEL-1 table)."""
    return get_rule_set(rule_set_code_for(school_year_start, grade))
