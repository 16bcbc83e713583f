"""Enumerations of assessment-rules.md section 1 (the value is the Vietnamese label).

The levels are ordered: members are declared best first and compare by rank inside one
enumeration (``Level22.KHA > Level22.DAT``). They are plain ``Enum`` members, not strings, so
``HocLuc58.KHA`` and ``Level22.KHA`` (both "Khá") are never confused with each other.
"""

from __future__ import annotations

from enum import Enum
from typing import Self

__all__ = [
    "ColumnKind",
    "CommentMark",
    "HanhKiem58",
    "HocLuc58",
    "Level22",
    "Period",
    "RankedLevel",
    "SubjectKind",
    "Title22",
    "Title58",
    "YearOutcome",
]


class RankedLevel(Enum):
    """A level scale declared from the best level to the worst one.

    ``rank`` (0 for the worst level) and ``label`` (the Vietnamese text) are set on every
    member once, when the module loads: they are read in the engine's inner loops.
    """

    # Enum members are singletons compared by identity: hash them by identity too, in C.
    __hash__ = object.__hash__

    rank: int
    label: str

    @classmethod
    def from_rank(cls, rank: int) -> Self:
        return _BY_RANK[cls][rank]  # type: ignore[return-value]

    @classmethod
    def from_label(cls, label: str) -> Self:
        for member in cls:
            if member.label == label:
                return member
        raise ValueError(label)

    def __lt__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.rank < other.rank

    def __le__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.rank <= other.rank

    def __gt__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.rank > other.rank

    def __ge__(self, other: object) -> bool:
        if type(other) is not type(self):
            return NotImplemented
        return self.rank >= other.rank


class CommentMark(RankedLevel):
    """Result of a comment-assessed subject (môn đánh giá bằng nhận xét)."""

    DAT = "Đ"
    CHUA_DAT = "CĐ"


class Level22(RankedLevel):
    """TT22 learning result (kết quả học tập) and training result (kết quả rèn luyện)."""

    TOT = "Tốt"
    KHA = "Khá"
    DAT = "Đạt"
    CHUA_DAT = "Chưa đạt"


class HocLuc58(RankedLevel):
    """TT58 academic rank (học lực)."""

    GIOI = "Giỏi"
    KHA = "Khá"
    TRUNG_BINH = "Trung bình"
    YEU = "Yếu"
    KEM = "Kém"


class HanhKiem58(RankedLevel):
    """TT58 conduct (hạnh kiểm)."""

    TOT = "Tốt"
    KHA = "Khá"
    TRUNG_BINH = "Trung bình"
    YEU = "Yếu"


_BY_RANK: dict[type[RankedLevel], list[RankedLevel]] = {}
for _scale in (CommentMark, Level22, HocLuc58, HanhKiem58):
    _members = list(_scale)
    _BY_RANK[_scale] = _members[::-1]
    for _index, _member in enumerate(_members):
        _member.rank = len(_members) - 1 - _index
        _member.label = str(_member.value)


class Title22(Enum):
    """TT22 year titles (Điều 15)."""

    HS_XUAT_SAC = "Học sinh Xuất sắc"
    HS_GIOI = "Học sinh Giỏi"


class Title58(Enum):
    """TT58 term and year titles (Điều 18)."""

    HSG = "Học sinh giỏi"
    HSTT = "Học sinh tiên tiến"


class YearOutcome(Enum):
    PROMOTED = "PROMOTED"
    PROMOTED_AFTER_SUMMER = "PROMOTED_AFTER_SUMMER"
    SUMMER_REASSESSMENT = "SUMMER_REASSESSMENT"
    SUMMER_TRAINING = "SUMMER_TRAINING"
    SUMMER_BOTH = "SUMMER_BOTH"
    RETAINED = "RETAINED"
    COMPLETED_PROGRAMME = "COMPLETED_PROGRAMME"
    PENDING = "PENDING"


class SubjectKind(Enum):
    SCORE = "score"
    COMMENT = "comment"


class Period(Enum):
    __hash__ = object.__hash__

    TERM1 = "term1"
    TERM2 = "term2"
    YEAR = "year"

    @property
    def label(self) -> str:
        return _PERIOD_LABELS[self]


_PERIOD_LABELS = {Period.TERM1: "Học kì I", Period.TERM2: "Học kì II", Period.YEAR: "Cả năm"}


class ColumnKind(Enum):
    """Kinds of score column; ``value`` is the name used by the grid and by ``parse_score``."""

    REGULAR = "regular"  # ĐĐGtx (TT22, TT26) / KTtx of an unspecified form (TT58)
    ORAL = "oral"  # TT58 kiểm tra miệng (KTtx)
    QUIZ15 = "quiz15"  # TT58 kiểm tra 15 phút (KTtx)
    MIDTERM = "midterm"  # ĐĐGgk (TT22, TT26)
    PERIOD_TEST = "period_test"  # TT58 KTđk, one period or more
    FINAL = "final"  # ĐĐGck (TT22, TT26) / KThk (TT58)
    RETEST = "retest"  # summer re-assessment (kiểm tra, đánh giá lại)
