"""Score arithmetic: exact values, one half-up rounding (assessment-rules.md R-NUM-1..7).

Every average is computed exactly (a ``Fraction`` built from ``Decimal`` sums, never a float)
and rounded once, half up, to one decimal by :func:`round_half_up`. Python's ``round()`` is
banker's rounding on binary floats (``round(8.25, 1) == 8.2``) and must never touch a score.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

__all__ = [
    "MAX_SCORE",
    "MIN_SCORE",
    "TENTH",
    "exact_quotient",
    "format_score",
    "format_score_vi",
    "has_at_most_places",
    "round_half_up",
]

MIN_SCORE = Decimal(0)
MAX_SCORE = Decimal(10)
TENTH = Decimal("0.1")

_QUANTA = {places: Decimal(1).scaleb(-places) for places in range(0, 7)}


def round_half_up(x: Decimal | Fraction | int, places: int = 1, *, divisor: int = 1) -> Decimal:
    """Round the exact value ``x / divisor`` half up ("làm tròn số", R-NUM-4) to ``places``
    decimals.

    This is the only rounding function of the engine. It takes the exact value (a ``Decimal``,
    or a ``Fraction`` such as 69,5/9, or a sum and its ``divisor``: ``round_half_up(Decimal(
    "69.5"), divisor=9)``) and rounds it once: 8,25 -> 8,3; 6,35 -> 6,4; 6,449 -> 6,4. The
    division is done in integers, so nothing is rounded before this single step. Negative values
    round half away from zero (scores never are negative).
    """
    if divisor == 1:
        if isinstance(x, Decimal):
            return x.quantize(_QUANTA[places], rounding=ROUND_HALF_UP)
        if isinstance(x, int):
            return Decimal(x).quantize(_QUANTA[places])
    numerator, denominator = x.as_integer_ratio()
    scaled = numerator * 10**places
    denominator *= divisor
    quotient, remainder = divmod(abs(scaled), denominator)
    if 2 * remainder >= denominator:
        quotient += 1
    return Decimal(quotient if scaled >= 0 else -quotient).scaleb(-places)


def exact_quotient(total: Decimal | Fraction, weight: int) -> Fraction:
    """``total / weight`` as an exact fraction (no intermediate rounding)."""
    numerator, denominator = total.as_integer_ratio()
    return Fraction(numerator, denominator * weight)


def has_at_most_places(value: Decimal, places: int = 1) -> bool:
    """True when ``value`` has no non-zero digit beyond ``places`` decimals (8,50 is fine)."""
    return value == value.quantize(_QUANTA[places], rounding=ROUND_HALF_UP)


def format_score(value: Decimal) -> str:
    """The contract's output form: a string with a decimal point and one decimal ("8.0")."""
    return f"{round_half_up(value):f}"


def format_score_vi(value: Decimal) -> str:
    """Display form with the Vietnamese decimal comma and one decimal ("8,0", R-NUM-7)."""
    return format_score(value).replace(".", ",")
