"""Entered values: R-NUM-1..3 (scale, one decimal), R-NUM-2 (TT58 oral integers), R22-ASM-2
(exact number of regular assessments under TT22); vector T10."""

from decimal import Decimal

import pytest

from grades.rules import (
    ColumnKind,
    CommentMark,
    ConductInput,
    Level22,
    RulesInputError,
    StudentYearInput,
    SubjectInput,
    SubjectKind,
    TermScores,
    get_rule_set,
    parse_comment,
    parse_score,
)
from grades.rules.validation import MAX_INPUT_LENGTH

DECIMALS = "Điểm phải lấy đến một chữ số thập phân. Ý thầy/cô là {}?"


class TestRNum3ParseScore:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("8", "8.0"),  # T10: accepted
            ("8,0", "8.0"),  # T10: accepted
            ("8,5", "8.5"),
            ("8.5", "8.5"),
            ("  7,5\t", "7.5"),
            ("\u00a09,5\u00a0", "9.5"),  # no-break spaces from a paste
            ("0", "0.0"),
            ("10", "10.0"),
            ("10,0", "10.0"),
            ("01,5", "1.5"),  # HCMC leading-zero style (R-NUM-7)
            ("8,50", "8.5"),  # a trailing zero is not a second decimal
        ],
    )
    def test_accepted(self, raw, expected):
        parsed = parse_score(raw, "tt22_2021", "regular")
        assert parsed.ok and parsed.error is None and parsed.warning is None
        assert parsed.value == Decimal(expected)
        assert str(parsed.value) == expected
        assert parsed.display == expected.replace(".", ",")

    @pytest.mark.parametrize(
        ("raw", "suggestion"),
        [("7,25", "7,3"), ("7.25", "7,3"), ("6,35", "6,4"), ("5,85", "5,9"), ("8,249", "8,2")],
    )
    def test_more_decimals_are_refused_with_the_rounded_suggestion(self, raw, suggestion):
        parsed = parse_score(raw, "tt22_2021", "regular")
        assert not parsed.ok
        assert parsed.value is None
        assert parsed.error == DECIMALS.format(suggestion)
        assert parsed.suggestion == Decimal(suggestion.replace(",", "."))

    @pytest.mark.parametrize(
        ("raw", "message_start"),
        [
            ("10,5", "Điểm không được lớn hơn 10"),  # T10
            ("11", "Điểm không được lớn hơn 10"),
            ("-1", "Điểm không được âm"),  # T10
            ("-0,5", "Điểm không được âm"),
            ("8,a", "Điểm không hợp lệ"),  # T10
            ("abc", "Điểm không hợp lệ"),
            ("NaN", "Điểm không hợp lệ"),
            ("nan", "Điểm không hợp lệ"),
            ("inf", "Điểm không hợp lệ"),
            ("-Infinity", "Điểm không hợp lệ"),
            ("1e1", "Điểm không hợp lệ"),
            ("+8", "Điểm không hợp lệ"),
            ("8,5,1", "Điểm không hợp lệ"),
            ("8 5", "Điểm không hợp lệ"),
            (",5", "Điểm không hợp lệ"),
            ("٨", "Điểm không hợp lệ"),  # a non-ASCII digit
            ("1" * 100_000, "Giá trị quá dài"),
            ("9" * (MAX_INPUT_LENGTH + 1), "Giá trị quá dài"),
            ("Đ", "Môn học đánh giá bằng điểm số"),
        ],
    )
    def test_refused(self, raw, message_start):
        parsed = parse_score(raw, "tt22_2021", "final")
        assert not parsed.ok
        assert parsed.value is None
        assert parsed.error.startswith(message_start)

    @pytest.mark.parametrize("raw", [None, "", "   "])
    def test_empty_cell_is_a_missing_assessment(self, raw):
        parsed = parse_score(raw, "tt22_2021", "regular")
        assert parsed.ok and parsed.is_empty and parsed.value is None and parsed.display == ""

    def test_not_a_string_is_a_programming_error(self):
        with pytest.raises(TypeError):
            parse_score(8.5, "tt22_2021", "regular")

    def test_unknown_rule_set_or_column_is_a_programming_error(self):
        with pytest.raises(ValueError, match="Bộ quy tắc không tồn tại"):
            parse_score("8", "tt99", "regular")
        with pytest.raises(ValueError, match="no period_test column"):
            parse_score("8", "tt22_2021", ColumnKind.PERIOD_TEST)
        with pytest.raises(ValueError, match="no midterm column"):
            parse_score("8", "tt58_2011", "midterm")


class TestRNum2Tt58OralIntegers:
    def test_non_integer_oral_mark_is_accepted_with_a_warning(self):
        parsed = parse_score("7,5", "tt58_2011", "oral")
        assert parsed.ok and parsed.value == Decimal("7.5")
        assert parsed.warning.startswith("Điểm kiểm tra miệng (bài tự luận) là số nguyên")
        assert "7,5" in parsed.warning

    @pytest.mark.parametrize(
        ("rule_set", "column", "raw"),
        [
            ("tt58_2011", "oral", "8"),
            ("tt58_2011", "quiz15", "7,5"),  # 15-minute tests may be multiple choice
            ("tt58_2011", "period_test", "6,5"),
            ("tt58_tt26_2020", "oral", "7,5"),  # TT26: every score one decimal
            ("tt22_2021", "regular", "7,5"),
        ],
    )
    def test_no_warning_elsewhere(self, rule_set, column, raw):
        parsed = parse_score(raw, rule_set, column)
        assert parsed.ok and parsed.warning is None

    def test_two_decimals_still_refused_under_tt58(self):
        assert parse_score("7,25", "tt58_2011", "quiz15").error == DECIMALS.format("7,3")


class TestRSub1ParseComment:
    @pytest.mark.parametrize(
        ("raw", "expected"),
        [
            ("Đ", CommentMark.DAT),
            ("đ", CommentMark.DAT),
            ("d", CommentMark.DAT),
            ("D", CommentMark.DAT),
            (" Đạt ", CommentMark.DAT),
            ("dat", CommentMark.DAT),
            ("CĐ", CommentMark.CHUA_DAT),
            ("cđ", CommentMark.CHUA_DAT),
            ("cd", CommentMark.CHUA_DAT),
            ("Cd", CommentMark.CHUA_DAT),
            ("Chưa  đạt", CommentMark.CHUA_DAT),
            ("chua dat", CommentMark.CHUA_DAT),
        ],
    )
    def test_accepted(self, raw, expected):
        parsed = parse_score(raw, "tt22_2021", "regular", subject_kind="comment")
        assert parsed.ok and parsed.value is expected
        assert parsed.display == expected.label

    def test_decomposed_unicode_is_normalised(self):
        assert parse_comment("C\u0110").value is CommentMark.CHUA_DAT
        assert parse_comment("\u0110a\u0323t").value is CommentMark.DAT  # "Đạt" in NFD

    @pytest.mark.parametrize("raw", ["8", "Tốt", "x", "ĐĐ", "C", "Đ" * 50])
    def test_refused(self, raw):
        parsed = parse_comment(raw)
        assert not parsed.ok
        assert parsed.error == "Môn học đánh giá bằng nhận xét: nhập Đ (Đạt) hoặc CĐ (Chưa đạt)."


def _subject(rule_set_code, regular, periods=140, **term):
    kind = SubjectKind.SCORE
    scores = TermScores(regular=tuple(Decimal(v) for v in regular), **term)
    return get_rule_set(rule_set_code).validate_subject(
        SubjectInput(code="toan", periods=periods, term1=scores, term2=scores, kind=kind)
    )


class TestR22Asm2ExactNumberOfRegularAssessments:
    def test_more_than_the_count_is_refused(self):
        issues = _subject("tt22_2021", ["8", "7", "9", "6", "5"], midterm=Decimal(7), final=Decimal(8))
        assert [issue.level for issue in issues] == ["error", "error"]  # both terms
        assert issues[0].message == (
            "Thông tư 22 quy định đúng 4 lần đánh giá thường xuyên mỗi học kì cho môn có 140 "
            "tiết/năm; đã nhập 5 lần, thầy/cô bỏ bớt điểm thừa."
        )
        assert issues[0].clause == "Điều 6 khoản 2 Thông tư 22/2021/TT-BGDĐT"

    def test_exact_count_is_accepted(self):
        assert _subject("tt22_2021", ["8", "7", "9", "6"], midterm=Decimal(7), final=Decimal(8)) == ()

    def test_tt26_count_is_exact_too(self):
        issues = _subject("tt58_tt26_2020", ["8", "7", "9"], periods=35, midterm=Decimal(7))
        assert issues and issues[0].message.startswith("Thông tư 58 sửa đổi bởi Thông tư 26 quy định đúng 2 lần")

    def test_tt58_count_is_a_minimum(self):
        # TT58 Điều 8 khoản 2: "ít nhất"; more tests than the minimum all count (R58-SR-1).
        assert _subject("tt58_2011", ["8"] * 7, periodic=(Decimal(7),), final=Decimal(8)) == ()


class TestRNum1TypedValuesAreChecked:
    def test_the_engine_refuses_values_the_grid_would_refuse(self):
        scores = TermScores(regular=(Decimal("7.25"),) * 4, midterm=Decimal(11), final=None)
        student = StudentYearInput(
            grade=7,
            subjects=(SubjectInput(code="toan", periods=140, term1=scores, term2=None),),
            conduct=ConductInput(term1=Level22.TOT, term2=Level22.TOT),
            absences=Decimal(0),
        )
        with pytest.raises(RulesInputError) as caught:
            get_rule_set("tt22_2021").evaluate(student)
        messages = [str(issue) for issue in caught.value.issues]
        assert messages[0] == "Toán (toan), Học kì I, ĐĐGtx 1: " + DECIMALS.format("7,3")
        assert messages[-1] == ("Toán (toan), Học kì I, ĐĐGgk: Điểm không được lớn hơn 10: thang điểm từ 0 đến 10.")
        assert len(messages) == 5
