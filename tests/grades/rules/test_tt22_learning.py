"""TT22 learning result: R22-LR-1 (the table) and R22-LR-2 (the adjustment clause), V1-V8."""

from decimal import Decimal

import pytest

from grades.rules import Level22, get_rule_set

from .helpers import run, thcs_student

TT22 = get_rule_set("tt22_2021")
FILE = "tt22_learning.json"
TOT, KHA, DAT, CHUA_DAT = "Tốt", "Khá", "Đạt", "Chưa đạt"


def level(scores, comments=None, rule_set=TT22):
    result = rule_set.evaluate(thcs_student(scores, comments)).learning_year
    return result.raw.label, result.adjusted.label


class TestR22Lr1Table:
    # Vectors of assessment-rules.md 12.2 (expected raw level = adjusted level here).
    @pytest.mark.parametrize(
        ("vector", "expected"),
        [
            ("V1", TOT),  # all >= 6,5, exactly six >= 8,0
            ("V2", KHA),  # only five >= 8,0
            ("V3", KHA),  # Công nghệ 6,4: would-be Tốt, one-level drop, no adjustment
            ("V8", DAT),  # two culprits for Khá/Tốt
        ],
    )
    def test_vectors(self, vector, expected):
        result = run(FILE, vector)
        for period in ("term1", "term2", "year"):
            assert result["learning"][period] == expected
            assert result["learning_raw"][period] == expected

    @pytest.mark.parametrize(
        ("scores", "comments", "expected"),
        [
            # Tốt: every scored >= 6,5 (inclusive), six >= 8,0 (inclusive), comments all Đ
            (["8.0"] * 6 + ["6.5", "6.5"], {}, TOT),
            (["8.0"] * 6 + ["6.5", "6.4"], {}, KHA),
            (["8.0"] * 5 + ["7.9", "9.0", "9.0"], {}, TOT),
            (["9.0"] * 8, {"gddp": "CĐ"}, KHA),  # adjusted: raw Đạt (see R22-LR-2 tests)
            # Khá: every scored >= 5,0, six >= 6,5
            (["6.5"] * 6 + ["5.0", "5.0"], {}, KHA),
            (["6.5"] * 5 + ["6.4", "5.0", "5.0"], {}, DAT),
            # Đạt: at most one CĐ, six >= 5,0, none < 3,5
            (["5.0"] * 6 + ["3.5", "3.5"], {}, DAT),
            (["5.0"] * 5 + ["4.9", "3.5", "3.5"], {}, CHUA_DAT),
            (["5.0"] * 6 + ["3.5", "3.4"], {}, CHUA_DAT),
            (["5.0"] * 8, {"gdtc": "CĐ"}, DAT),
            (["5.0"] * 8, {"gdtc": "CĐ", "hdtn": "CĐ"}, CHUA_DAT),
        ],
    )
    def test_conditions_and_inclusive_thresholds(self, scores, comments, expected):
        assert level(scores, comments)[1] == expected

    def test_reason_names_the_clause_and_what_is_missing(self):
        result = run(FILE, "V2")
        assert result["reasons"][2] == (
            "Cả năm: kết quả học tập mức Khá; chưa đạt mức Tốt vì chỉ 5 môn có điểm trung bình "
            "từ 8,0 trở lên (cần 6) (Điều 9 khoản 2 điểm b Thông tư 22/2021/TT-BGDĐT)."
        )

    def test_no_overall_average_under_tt22(self):  # R22-LR-0
        assert run(FILE, "V1")["overall_average"] == {
            "term1": None,
            "term2": None,
            "year": None,
            "after_retest": None,
        }

    def test_fewer_than_six_scored_subjects_follows_the_table_with_a_warning(self):
        result = run("tt22_subject_results.json", "T4")  # one scored subject of 8,3
        assert result["learning"]["year"] == CHUA_DAT
        assert any("ít hơn 6 môn" in warning for warning in result["warnings"])


class TestR22Lr2Adjustment:
    @pytest.mark.parametrize(
        ("vector", "raw", "adjusted"),
        [
            ("V4", DAT, KHA),  # one culprit 4,0 < 6,5; without it Tốt; drop 2 -> raw + 1
            ("V5", CHUA_DAT, DAT),  # culprit 3,4 < 3,5; drop 3 -> raw + 1
            ("V6", DAT, KHA),  # single comment culprit (section 16: adjust)
            ("V7", CHUA_DAT, CHUA_DAT),  # two comment subjects CĐ: no adjustment
            ("V8", DAT, DAT),  # two culprits 4,0 and 4,5: no adjustment
            ("V3", KHA, KHA),  # would-be Tốt, drop of one level only
        ],
    )
    def test_vectors(self, vector, raw, adjusted):
        result = run(FILE, vector)
        assert result["learning_raw"]["year"] == raw
        assert result["learning"]["year"] == adjusted

    def test_v4_reason_and_culprit(self):
        result = run(FILE, "V4")
        assert (
            "Cả năm: mức Đạt được điều chỉnh lên mức Khá vì kết quả học tập bị thấp xuống 2 mức "
            "so với mức Tốt chỉ do kết quả của duy nhất môn Công nghệ (4,0) (Điều 9 khoản 3 "
            "Thông tư 22/2021/TT-BGDĐT)."
        ) in result["reasons"]
        typed = TT22.evaluate(thcs_student(["8.5", "8.0", "9.0", "8.2", "8.0", "8.4", "4.0", "7.0"])).learning_year
        assert (typed.raw, typed.adjusted, typed.would_be, typed.culprit) == (
            Level22.DAT,
            Level22.KHA,
            Level22.TOT,
            "cong_nghe",
        )
        assert typed.was_adjusted

    def test_v3_reason_says_why_not(self):
        assert any(
            reason.startswith("Cả năm: không điều chỉnh vì chỉ thấp hơn 1 mức so với mức Tốt")
            for reason in run(FILE, "V3")["reasons"]
        )

    def test_v5_alternative_reading_u1(self):
        # adjust_target = wouldbe_minus_one: Tốt - 1 = Khá
        result = run(FILE, "V5", parameters={"adjust_target": "wouldbe_minus_one"})
        assert (result["learning_raw"]["year"], result["learning"]["year"]) == (CHUA_DAT, KHA)

    def test_v6_alternative_no_comment_culprit(self):
        result = run(FILE, "V6", parameters={"adjust_comment_culprit": False})
        assert (result["learning_raw"]["year"], result["learning"]["year"]) == (DAT, DAT)

    @pytest.mark.parametrize(
        ("scores", "raw", "adjusted"),
        [
            # would-be Khá (one subject < 5,0, six >= 6,5; Tốt has two culprits), raw Chưa đạt
            (["7.0"] * 6 + ["6.0", "3.0"], CHUA_DAT, DAT),
            # would-be Khá, raw Đạt: one level only
            (["7.0"] * 6 + ["6.0", "4.0"], DAT, DAT),
            # one culprit but only five >= 8,0 besides: the would-be level is not Tốt
            (["8.0"] * 5 + ["7.9", "7.0", "4.0"], DAT, DAT),
            # culprit below 3,5 with a would-be Tốt (V5 pattern with other scores)
            (["9.0"] * 7 + ["0.0"], CHUA_DAT, DAT),
        ],
    )
    def test_other_cases(self, scores, raw, adjusted):
        assert level(scores) == (raw, adjusted)

    def test_applies_to_each_term(self):
        # term I with the culprit, term II without: only term I (and the year) are adjusted
        student = thcs_student(
            ["8.5", "8.0", "9.0", "8.2", "8.0", "8.4", "8.0", "7.0"],
            term1=["8.5", "8.0", "9.0", "8.2", "8.0", "8.4", "4.0", "7.0"],
        )
        result = TT22.evaluate(student)
        assert (result.learning_term1.raw, result.learning_term1.adjusted) == (
            Level22.DAT,
            Level22.KHA,
        )
        assert result.learning_term2.raw is Level22.TOT
        # year Công nghệ = (4,0 + 2 x 8,0)/3 = 6,7 -> Tốt
        assert result.subject("cong_nghe").year == Decimal("6.7")
        assert result.learning_year.adjusted is Level22.TOT
