"""Parsing and checking of entered values (R-NUM-1..3, R-NUM-2 TT58 oral marks).

:func:`parse_score` is the single parser of a typed grid cell. The grade-entry grid calls it on
the server and mirrors it in JavaScript, step by step:

1. ``None`` or only whitespace -> an empty cell (``value is None``, no error): the assessment is
   still missing (R22-ASM-5).
2. Trim surrounding whitespace (``str.strip``: spaces, tabs, no-break spaces); NFC-normalise.
3. More than :data:`MAX_INPUT_LENGTH` characters -> error (huge pastes are never parsed).
4. Comment subject: case-insensitive ``Đ``/``CĐ``, also ``d``/``cd`` without the diacritic and
   the words ``Đạt``/``Chưa đạt`` -> :class:`CommentMark`; anything else -> error.
5. Scored subject: the whole text must match ``-?[0-9]+([.,][0-9]+)?`` (decimal comma or point,
   ASCII digits only: no letters, exponent, sign ``+``, ``NaN``/``inf``, thousands separator);
   a leading ``-`` -> "không được âm"; a value above 10 -> "không được lớn hơn 10"; more than
   one decimal (trailing zeros aside: "8,50" is 8,5) -> refused with the half-up rounded value
   as a suggestion ("Điểm phải lấy đến một chữ số thập phân. Ý thầy/cô là 7,3?"), never rounded
   silently (R-NUM-3).
6. TT58 only: an oral (miệng) mark that is not an integer is accepted with a warning
   (TT58 Điều 8 khoản 4; the grid cannot know whether the test was an essay).

The value returned is a ``Decimal`` with one decimal place (``Decimal("8.0")``) or a mark.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from .labels import ColumnKind, CommentMark, SubjectKind
from .numbers import MAX_SCORE, TENTH, format_score_vi, has_at_most_places, round_half_up

__all__ = [
    "MAX_INPUT_LENGTH",
    "ParsedValue",
    "check_score",
    "parse_comment",
    "parse_score",
]

MAX_INPUT_LENGTH = 12

MSG_TOO_LONG = "Giá trị quá dài: nhập điểm từ 0 đến 10 (ví dụ 8,5)."
MSG_INVALID = "Điểm không hợp lệ: chỉ nhập số từ 0 đến 10, phần thập phân dùng dấu phẩy (ví dụ 8,5)."
MSG_NEGATIVE = "Điểm không được âm: thang điểm từ 0 đến 10."
MSG_TOO_HIGH = "Điểm không được lớn hơn 10: thang điểm từ 0 đến 10."
MSG_DECIMALS = "Điểm phải lấy đến một chữ số thập phân. Ý thầy/cô là {suggestion}?"
MSG_COMMENT_EXPECTED = "Môn học đánh giá bằng nhận xét: nhập Đ (Đạt) hoặc CĐ (Chưa đạt)."
MSG_SCORE_EXPECTED = "Môn học đánh giá bằng điểm số: nhập điểm từ 0 đến 10 (ví dụ 8,5), không nhập Đ/CĐ."
MSG_ORAL_INTEGER = (
    "Điểm kiểm tra miệng (bài tự luận) là số nguyên (Điều 8 khoản 4 Thông tư 58/2011/TT-BGDĐT): "
    "thầy/cô kiểm tra lại điểm {value}."
)

_SCORE_RE = re.compile(r"-?[0-9]+(?:[.,][0-9]+)?")
_COMMENT_WORDS = {
    "đ": CommentMark.DAT,
    "d": CommentMark.DAT,
    "đạt": CommentMark.DAT,
    "dat": CommentMark.DAT,
    "cđ": CommentMark.CHUA_DAT,
    "cd": CommentMark.CHUA_DAT,
    "chưa đạt": CommentMark.CHUA_DAT,
    "chua dat": CommentMark.CHUA_DAT,
}


@dataclass(frozen=True, slots=True)
class ParsedValue:
    """Result of parsing one typed cell."""

    raw: str
    value: Decimal | CommentMark | None  # None: empty cell, or refused (see ``error``)
    error: str | None = None  # Vietnamese message; the value must not be saved
    warning: str | None = None  # Vietnamese message; the value is saved
    suggestion: Decimal | None = None  # the rounded value offered with a decimals error

    @property
    def ok(self) -> bool:
        return self.error is None

    @property
    def is_empty(self) -> bool:
        return self.error is None and self.value is None

    @property
    def display(self) -> str:
        """The value as the grid shows it: "8,5", "Đ", or "" for an empty or refused cell."""
        if isinstance(self.value, Decimal):
            return format_score_vi(self.value)
        if isinstance(self.value, CommentMark):
            return self.value.label
        return ""


def check_score(value: Decimal) -> tuple[str | None, Decimal | None]:
    """Check a score against R-NUM-1/R-NUM-3: (error message or None, suggested value)."""
    if not value.is_finite():
        return MSG_INVALID, None
    if value < 0:
        return MSG_NEGATIVE, None
    if value > MAX_SCORE:
        return MSG_TOO_HIGH, None
    if not has_at_most_places(value, 1):
        suggestion = round_half_up(value)
        return MSG_DECIMALS.format(suggestion=format_score_vi(suggestion)), suggestion
    return None, None


def parse_comment(raw: str | None) -> ParsedValue:
    """Parse a comment-subject cell: Đ / CĐ (any case, with or without the diacritic)."""
    text = _clean(raw)
    if text is None:
        return ParsedValue(raw=raw or "", value=None)
    if len(text) > MAX_INPUT_LENGTH:
        return ParsedValue(raw=raw or "", value=None, error=MSG_COMMENT_EXPECTED)
    mark = _COMMENT_WORDS.get(" ".join(text.casefold().split()))
    if mark is None:
        return ParsedValue(raw=raw or "", value=None, error=MSG_COMMENT_EXPECTED)
    return ParsedValue(raw=raw or "", value=mark)


def parse_score(
    raw: str | None,
    rule_set_code: str,
    column_kind: ColumnKind | str = ColumnKind.REGULAR,
    *,
    subject_kind: SubjectKind | str = SubjectKind.SCORE,
) -> ParsedValue:
    """Parse one typed grid cell under a rule set.

    ``rule_set_code`` is "tt22_2021", "tt58_2011" or "tt58_tt26_2020"; ``column_kind`` a
    :class:`ColumnKind` or its value ("regular", "oral", "quiz15", "midterm", "period_test",
    "final", "retest"); ``subject_kind`` "score" or "comment". An unknown rule set or a column
    the rule set does not have is a programming error (``ValueError``).
    """
    from .registry import get_rule_set  # the registry imports the rule sets, which import us

    rule_set = get_rule_set(rule_set_code)
    kind = ColumnKind(column_kind)
    if kind not in rule_set.column_kinds:
        raise ValueError(f"{rule_set_code} has no {kind.value} column")
    if SubjectKind(subject_kind) is SubjectKind.COMMENT:
        return parse_comment(raw)

    text = _clean(raw)
    if text is None:
        return ParsedValue(raw=raw or "", value=None)
    raw_text = raw or ""
    if len(text) > MAX_INPUT_LENGTH:
        return ParsedValue(raw=raw_text, value=None, error=MSG_TOO_LONG)
    if _SCORE_RE.fullmatch(text) is None:
        if text.casefold() in _COMMENT_WORDS:
            return ParsedValue(raw=raw_text, value=None, error=MSG_SCORE_EXPECTED)
        return ParsedValue(raw=raw_text, value=None, error=MSG_INVALID)
    if text.startswith("-"):
        return ParsedValue(raw=raw_text, value=None, error=MSG_NEGATIVE)
    try:
        value = Decimal(text.replace(",", "."))
    except InvalidOperation:  # pragma: no cover - the regular expression admits only numbers
        return ParsedValue(raw=raw_text, value=None, error=MSG_INVALID)
    error, suggestion = check_score(value)
    if error is not None:
        return ParsedValue(raw=raw_text, value=None, error=error, suggestion=suggestion)
    value = value.quantize(TENTH)
    warning = None
    if kind is ColumnKind.ORAL and rule_set.parameters.oral_integer_warning and value != value.to_integral_value():
        warning = MSG_ORAL_INTEGER.format(value=format_score_vi(value))
    return ParsedValue(raw=raw_text, value=value, warning=warning)


def _clean(raw: str | None) -> str | None:
    if raw is None:
        return None
    if not isinstance(raw, str):
        raise TypeError("parse_score expects the typed text of a cell")
    text = raw.strip()
    if len(text) > MAX_INPUT_LENGTH:
        return text  # refused by the caller as too long, without further work
    return unicodedata.normalize("NFC", text) or None
