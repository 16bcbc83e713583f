"""Reading a typed cell: the rule set's scale and format, never clamped or rounded (R-NUM-1..3)."""

from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from grades.grid import ParsedEntry, parse_entry
from grades.models import CellState

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        ("8", "8.0"),
        ("8,0", "8.0"),
        ("8,5", "8.5"),
        ("8.5", "8.5"),
        (" 7,3 ", "7.3"),
        ("10", "10.0"),
        ("0", "0.0"),
        ("8,50", "8.5"),
        ("08,5", "8.5"),
        ("10,0", "10.0"),
    ],
)
def test_a_score_on_the_scale_is_read_with_the_decimal_comma(grid, raw, value):
    parsed = parse_entry(grid.spec, "regular_1", raw)
    assert parsed.ok and parsed.value == Decimal(value) and parsed.state == CellState.ENTERED


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ("abc", "Điểm không hợp lệ"),
        ("8,a", "Điểm không hợp lệ"),
        ("1e1", "Điểm không hợp lệ"),
        ("11", "không được lớn hơn 10"),
        ("10,1", "không được lớn hơn 10"),
        ("-1", "không được âm"),
        ("8,55", "Ý thầy/cô là 8,6?"),
        ("7,25", "Ý thầy/cô là 7,3?"),
        ("6,449", "Ý thầy/cô là 6,4?"),
        ("9" * 5000, "quá dài"),
        ("Đ", "không nhập Đ/CĐ"),
    ],
)
def test_bad_input_is_refused_with_a_vietnamese_message(grid, raw, message):
    parsed = parse_entry(grid.spec, "midterm", raw)
    assert not parsed.ok
    assert message in parsed.error
    assert parsed.value is None


def test_empty_clears_and_v_marks_absent(grid):
    assert parse_entry(grid.spec, "regular_1", "   ").is_empty
    assert parse_entry(grid.spec, "regular_1", "").is_empty
    assert parse_entry(grid.spec, "regular_1", "v").state == CellState.ABSENT
    assert parse_entry(grid.spec, "regular_1", "Vắng").state == CellState.ABSENT
    # A value typed into an absent cell is the make-up result (R22-ASM-5).
    makeup = parse_entry(grid.spec, "regular_1", "6,5", current_state=CellState.ABSENT)
    assert (makeup.value, makeup.state) == (Decimal("6.5"), CellState.MAKEUP)
    zero = parse_entry(grid.spec, "regular_1", "", no_makeup=True)
    assert (zero.value, zero.state) == (Decimal("0.0"), CellState.NO_MAKEUP)


def test_unknown_column_and_long_comment_are_refused(grid):
    assert "không có trong bảng điểm" in parse_entry(grid.spec, "regular_9", "8").error
    assert parse_entry(grid.spec, "comment", "  Chăm chỉ\x0b ").text == "Chăm chỉ"
    assert "Nhận xét quá dài" in parse_entry(grid.spec, "comment", "a" * 1001).error


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(text=st.text(max_size=40))
def test_any_text_is_either_refused_or_a_score_of_the_scale(grid, text):
    parsed: ParsedEntry = parse_entry(grid.spec, "regular_1", text)
    if not parsed.ok:
        assert parsed.error and parsed.value is None
        return
    if parsed.value is not None:
        assert Decimal(0) <= parsed.value <= Decimal(10)
        assert parsed.value == parsed.value.quantize(Decimal("0.1"))
        # What is stored is exactly what was typed (comma or point), never rounded or clamped.
        typed = Decimal(text.strip().replace(",", "."))
        assert typed == parsed.value


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(tenths=st.integers(min_value=0, max_value=100), comma=st.booleans(), pad=st.sampled_from(["", " ", "\t"]))
def test_every_score_of_the_scale_round_trips(grid, tenths, comma, pad):
    text = f"{tenths // 10}{',' if comma else '.'}{tenths % 10}"
    parsed = parse_entry(grid.spec, "final", pad + text + pad)
    assert parsed.ok
    assert parsed.value == Decimal(tenths) / 10
    assert parse_entry(grid.spec, "final", parsed.display).value == parsed.value


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(value=st.decimals(min_value=Decimal("-50"), max_value=Decimal("50"), places=3, allow_nan=False))
def test_out_of_scale_or_too_precise_is_never_stored(grid, value):
    parsed = parse_entry(grid.spec, "regular_2", format(value, "f").replace(".", ","))
    in_scale = Decimal(0) <= value <= Decimal(10)
    one_decimal = value == value.quantize(Decimal("0.1"))
    assert parsed.ok == (in_scale and one_decimal)
    if not parsed.ok:
        assert parsed.value is None


def test_comment_subject_takes_marks(db):
    from tests.factories import make_world
    from tests.grades.conftest import build_grid

    world = make_world(classes=1, students_per_class=1, subjects=1)
    world.subjects[0].kind = "comment"
    world.subjects[0].save()
    grid = build_grid(world)
    assert grid.spec.is_comment
    assert parse_entry(grid.spec, "regular_1", "d").mark == "Đ"
    assert parse_entry(grid.spec, "regular_1", "cđ").mark == "CĐ"
    assert parse_entry(grid.spec, "regular_1", "Chưa đạt").mark == "CĐ"
    assert "Đ (Đạt) hoặc CĐ" in parse_entry(grid.spec, "regular_1", "8").error
    assert parse_entry(grid.spec, "regular_1", "", no_makeup=True).mark == "CĐ"
