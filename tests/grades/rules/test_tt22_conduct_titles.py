"""TT22 training result R22-TR-2 (every cell of the table, V9-V11) and honours R22-HON-1/3
(V12-V14)."""

import pytest

from grades.rules import Level22, Title22, get_rule_set, year_training_result

from .helpers import run, thcs_student

TT22 = get_rule_set("tt22_2021")
T, K, D, C = "Tốt", "Khá", "Đạt", "Chưa đạt"

# R22-TR-2 as printed in the specification: rows = term I, columns = term II.
TABLE = {
    T: {T: T, K: K, D: K, C: C},
    K: {T: T, K: K, D: D, C: C},
    D: {T: K, K: K, D: D, C: C},
    C: {T: K, K: D, D: D, C: C},
}


def _by_text(term1: str, term2: str) -> str:
    """The table's own wording: Tốt = II Tốt & I >= Khá; Khá = II Khá & I >= Đạt, or II Đạt &
    I Tốt, or II Tốt & I Đạt/Chưa đạt; Đạt = II Đạt & I Khá/Đạt/Chưa đạt, or II Khá & I Chưa
    đạt; Chưa đạt = II Chưa đạt."""
    if term2 == T:
        return T if term1 in (T, K) else K
    if term2 == K:
        return K if term1 in (T, K, D) else D
    if term2 == D:
        return K if term1 == T else D
    return C


class TestR22Tr2YearTrainingResult:
    @pytest.mark.parametrize(
        ("term1", "term2", "expected"),
        [(t1, t2, year) for t1, row in TABLE.items() for t2, year in row.items()],
    )
    def test_every_cell(self, term1, term2, expected):
        assert _by_text(term1, term2) == expected  # the two forms of the rule agree
        assert year_training_result(Level22.from_label(term1), Level22.from_label(term2)).label == (expected)
        result = TT22.evaluate(thcs_student(["7.0"] * 8, conduct=(term1, term2)))
        assert result.conduct.year.label == expected

    @pytest.mark.parametrize(("vector", "expected"), [("V9", "Chưa đạt"), ("V10", "Khá"), ("V11", "Khá")])
    def test_vectors(self, vector, expected):
        result = run("tt22_learning.json", vector)
        assert result["conduct"]["year"] == expected

    def test_reason(self):
        assert (
            "Kết quả rèn luyện cả năm mức Khá: học kì I Chưa đạt, học kì II Tốt (Điều 8 khoản 2 "
            "điểm b Thông tư 22/2021/TT-BGDĐT)."
        ) in run("tt22_learning.json", "V10")["reasons"]

    def test_entered_year_level_is_not_used(self):
        case = run("tt22_learning.json", "V11", conduct={"term1": T, "term2": D, "year": T})
        assert case["conduct"]["year"] == K
        assert any("mức nhập tay Tốt không được dùng" in w for w in case["warnings"])


class TestR22Hon1Titles:
    @pytest.mark.parametrize(
        ("vector", "title"),
        [
            ("V12", "Học sinh Xuất sắc"),  # six >= 9,0
            ("V13", "Học sinh Giỏi"),  # only five >= 9,0
            ("V14", None),  # KQRL year Khá
            ("V1", "Học sinh Giỏi"),  # Tốt / Tốt, no subject >= 9,0 except one
            ("V4", None),  # learning Khá (adjusted)
        ],
    )
    def test_vectors(self, vector, title):
        result = run("tt22_learning.json", vector)
        assert result["title"] == title
        assert result["title_terms"] == {"term1": None, "term2": None}  # year only under TT22

    def test_v12_reason(self):
        assert (
            "Danh hiệu Học sinh Xuất sắc: rèn luyện Tốt, học tập Tốt và 6 môn có điểm trung bình "
            "cả năm từ 9,0 trở lên (Điều 15 Thông tư 22/2021/TT-BGDĐT)."
        ) in run("tt22_learning.json", "V12")["reasons"]

    @pytest.mark.parametrize(
        ("conduct", "scores", "title"),
        [
            (("Tốt", "Tốt"), ["9.0"] * 6 + ["6.5", "6.5"], Title22.HS_XUAT_SAC),
            (("Tốt", "Tốt"), ["9.0"] * 5 + ["8.9", "8.0", "8.0"], Title22.HS_GIOI),
            (("Khá", "Tốt"), ["9.0"] * 8, Title22.HS_XUAT_SAC),  # year training Tốt
            (("Tốt", "Khá"), ["9.0"] * 8, None),  # year training Khá
            (("Tốt", "Tốt"), ["9.0"] * 7 + ["6.4"], None),  # learning Khá
        ],
    )
    def test_conditions(self, conduct, scores, title):
        assert TT22.evaluate(thcs_student(scores, conduct=conduct)).title is title


class TestR22Hon3TitleWithTooManyAbsences:
    def test_y3_title_computed_and_flagged(self):
        result = run("tt22_year_end.json", "Y3")
        assert result["outcome"] == "RETAINED"
        assert result["title"] == "Học sinh Xuất sắc"
        assert any(
            w.startswith(
                "Học sinh nghỉ quá 45 buổi: danh hiệu Học sinh Xuất sắc được tính nhưng cần Hiệu trưởng xem xét"
            )
            for w in result["warnings"]
        )

    def test_u18_alternative_titles_withheld(self):
        result = run("tt22_year_end.json", "Y3", parameters={"titles_over_absence_limit": "withhold"})
        assert result["title"] is None
