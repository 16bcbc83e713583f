"""R-NUM-4..7: exact arithmetic, one half-up rounding, display (assessment-rules.md section 3)."""

from decimal import Decimal
from fractions import Fraction

import pytest

from grades.rules import format_score, format_score_vi, round_half_up
from grades.rules.numbers import exact_quotient, has_at_most_places


class TestRNum4RoundHalfUp:
    @pytest.mark.parametrize(
        ("value", "expected"),
        [
            # vectors T3 and T4: binary floats + round() give 6,3 and 8,2
            (Decimal("8.25"), "8.3"),
            (Decimal("6.35"), "6.4"),
            # R-NUM-4: never round twice: 6,449 -> 6,4 (not 6,45 -> 6,5)
            (Decimal("6.449"), "6.4"),
            (Decimal("6.45"), "6.5"),
            # section 16: 54/8 = 6,75 -> 6,8 (float implementations give 6,7)
            (Decimal("6.75"), "6.8"),
            (Decimal("7.26"), "7.3"),  # published example "7,26 -> 7,3" [TKPL]
            (Decimal("0.04"), "0.0"),
            (Decimal("9.95"), "10.0"),
            (Decimal("10"), "10.0"),
        ],
    )
    def test_decimal(self, value, expected):
        assert round_half_up(value) == Decimal(expected)
        assert str(round_half_up(value)) == expected

    @pytest.mark.parametrize(
        ("fraction", "expected"),
        [
            (Fraction(695, 90), "7.7"),  # T1: 69,5/9 = 7,7222...
            (Fraction(516, 80), "6.5"),  # T2: 51,6/8 = 6,45 exactly
            (Fraction(508, 80), "6.4"),  # T3: 50,8/8 = 6,35 exactly
            (Fraction(66, 8), "8.3"),  # T4: 66/8 = 8,25
            (Fraction(193, 30), "6.4"),  # T5: 19,3/3 = 6,4333...
            (Fraction(19375, 3000), "6.5"),  # T5 unrounded terms: 6,4583...
            (Fraction(194, 30), "6.5"),  # T6: 19,4/3 = 6,4667
            (Fraction(23, 3), "7.7"),  # T7
            (Fraction(435, 80), "5.4"),  # T9: 43,5/8 = 5,4375
            (Fraction(879, 110), "8.0"),  # L4: 87,9/11 = 7,9909
        ],
    )
    def test_exact_fraction(self, fraction, expected):
        assert round_half_up(fraction) == Decimal(expected)

    @pytest.mark.parametrize(
        ("total", "divisor", "expected"),
        [
            ("69.5", 9, "7.7"),  # T1
            ("51.6", 8, "6.5"),  # T2
            ("50.8", 8, "6.4"),  # T3
            ("66", 8, "8.3"),  # T4
            ("19.3", 3, "6.4"),  # T5
            ("87.9", 11, "8.0"),  # L4
            ("54", 8, "6.8"),  # section 16: 6,75 -> 6,8
        ],
    )
    def test_sum_and_divisor(self, total, divisor, expected):
        assert round_half_up(Decimal(total), divisor=divisor) == Decimal(expected)

    def test_exact_quotient_keeps_every_digit(self):
        assert exact_quotient(Decimal("69.5"), 9) == Fraction(695, 90)
        assert exact_quotient(Decimal("19.3"), 3) == Fraction(193, 30)

    def test_python_round_would_be_wrong(self):
        # The reason the engine never uses floats (R-NUM-4): these are the failures it avoids.
        assert round(8.25, 1) == 8.2
        assert round(6.35, 1) == 6.3
        assert round_half_up(Decimal("8.25")) == Decimal("8.3")

    def test_other_places_and_negative_values(self):
        assert round_half_up(Decimal("2.345"), 2) == Decimal("2.35")
        assert round_half_up(Fraction(-1, 4)) == Decimal("-0.3")  # half away from zero
        assert round_half_up(7) == Decimal("7.0")


class TestRNum3EntryGranularity:
    @pytest.mark.parametrize(
        ("value", "ok"),
        [("8", True), ("8.0", True), ("8.50", True), ("7.25", False), ("6.35", False)],
    )
    def test_one_decimal(self, value, ok):
        assert has_at_most_places(Decimal(value), 1) is ok


class TestRNum7Display:
    def test_contract_form_has_a_point_and_one_decimal(self):
        assert format_score(Decimal("8")) == "8.0"
        assert format_score(Decimal("7.7")) == "7.7"

    def test_vietnamese_form_has_a_comma(self):
        assert format_score_vi(Decimal("8")) == "8,0"
        assert format_score_vi(Decimal("7.25")) == "7,3"
