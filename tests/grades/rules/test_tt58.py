"""TT58 and TT58+TT26 (assessment-rules.md section 7): R58-SUB, R58-SR, R58-EX, R58-AVG, R58-HL,
R58-HK, R58-HON, R58-YE and R-SEL-3; vectors L1-L14."""

from dataclasses import replace
from decimal import Decimal

import pytest

from grades.rules import (
    ColumnKind,
    CommentMark,
    ConductInput,
    HanhKiem58,
    HocLuc58,
    Period,
    StudentYearInput,
    SubjectInput,
    SubjectKind,
    TermScores,
    evaluate,
    get_rule_set,
)
from grades.rules.tt58_2011 import ADJUSTMENT

from .helpers import run, spec_case

FILE = "tt58.json"
TT58 = get_rule_set("tt58_2011")
TT26 = get_rule_set("tt58_tt26_2020")
G, K, TB, Y, KEM = "Giỏi", "Khá", "Trung bình", "Yếu", "Kém"

# THCS old programme (12.4): 11 scored subjects, then Thể dục, Âm nhạc, Mĩ thuật.
OLD = ["toan", "vat_li", "hoa_hoc", "sinh_hoc", "van", "lich_su", "dia_li", "anh", "gdcd",
       "cong_nghe", "tin"]  # fmt: skip


def old_student(scores, *, comments=None, conduct=("Tốt", "Tốt"), rule_set=TT58, **extra):
    comments = comments or {}
    subjects = []
    for code, value in zip(OLD, scores, strict=True):
        cell = Decimal(value)
        if rule_set.kt_form_default:
            term = TermScores(regular=(cell,) * 4, periodic=(cell,), final=cell)
        else:
            term = TermScores(regular=(cell,) * 4, midterm=cell, final=cell)
        subjects.append(SubjectInput(code=code, periods=140, term1=term, term2=term))
    for code in ("the_duc", "am_nhac", "mi_thuat"):
        mark = CommentMark.from_label(comments.get(code, "Đ"))
        if rule_set.kt_form_default:
            term = TermScores(regular=(mark,) * 2, periodic=(mark,), final=mark)
        else:
            term = TermScores(regular=(mark,) * 2, midterm=mark, final=mark)
        subjects.append(SubjectInput(code=code, periods=35, term1=term, term2=term))
    student = StudentYearInput(
        grade=8,
        subjects=tuple(subjects),
        conduct=ConductInput(term1=HanhKiem58.from_label(conduct[0]), term2=HanhKiem58.from_label(conduct[1])),
        absences=Decimal(0),
    )
    return replace(student, **extra)


def rank(scores, **kwargs):
    rule_set = kwargs.pop("rule_set", TT58)
    result = rule_set.evaluate(old_student(scores, rule_set=rule_set, **kwargs)).learning_year
    return result.raw.label, result.adjusted.label


class TestR58Sub1CommentSubjects:
    @pytest.mark.parametrize("code", ["the_duc", "am_nhac", "mi_thuat"])
    def test_comment(self, code):
        assert TT58.is_comment_subject(code) and TT26.is_comment_subject(code)

    def test_gdcd_is_scored(self):  # R58-SUB-2
        assert not TT58.is_comment_subject("gdcd")


class TestR58RegularCounts:
    # TT58 Điều 8 khoản 2: at least 2 (<= 1 period/week), 3 (> 1 and < 3), 4 (>= 3)
    @pytest.mark.parametrize(("periods", "count"), [(35, 2), (52, 3), (70, 3), (104, 3), (105, 4), (140, 4)])
    def test_tt58_minimum_by_periods_per_week(self, periods, count):
        columns = TT58.columns(SubjectKind.SCORE, periods, periodic_tests=2)
        assert columns.regular_count == count and columns.regular_count_is_minimum

    def test_tt58_columns(self):
        columns = TT58.columns(SubjectKind.SCORE, 140, periodic_tests=2, oral_tests=1).columns
        assert [(c.key, c.label, c.weight) for c in columns] == [
            ("oral_1", "Miệng 1", 1),
            ("quiz15_1", "15 phút 1", 1),
            ("quiz15_2", "15 phút 2", 1),
            ("quiz15_3", "15 phút 3", 1),
            ("period_test_1", "1 tiết 1", 2),
            ("period_test_2", "1 tiết 2", 2),
            ("final", "KT học kì", 3),
        ]
        assert columns[0].kind is ColumnKind.ORAL

    @pytest.mark.parametrize(("periods", "count"), [(35, 2), (52, 3), (70, 3), (105, 4)])
    def test_tt26_exact_by_periods_per_year(self, periods, count):
        columns = TT26.columns(SubjectKind.SCORE, periods)
        assert columns.regular_count == count and not columns.regular_count_is_minimum
        assert [c.key for c in columns.columns][-2:] == ["midterm", "final"]


class TestR58Sr1Tt58TermAverage:
    def test_l1(self):
        # (8+7+6+9) + 2(7,5+8,0) + 3 x 6,5 = 80,5; / 11 = 7,318 -> 7,3
        result = run(FILE, "L1")
        assert result["subjects"]["toan"]["term1"] == "7.3"

    def test_extra_tests_count(self):
        case = spec_case(FILE, "L1")
        case["subjects"][0]["term1"]["regular"] = [8, 7, 6, 9, 10]  # 90,5/12 = 7,54
        assert evaluate(case)["subjects"]["toan"]["term1"] == "7.5"

    def test_below_the_minimum_is_missing(self):
        case = spec_case(FILE, "L1")
        case["subjects"][0]["term1"]["regular"] = [8, 7, 6]
        result = evaluate(case)
        assert result["subjects"]["toan"]["term1"] is None
        assert any("còn thiếu KTtx 4" in reason for reason in result["reasons"])


class TestR58Sr2Tt26TermAverage:
    def test_l2(self):
        assert run(FILE, "L2")["subjects"]["vat_li"]["term1"] == "6.8"  # 54,5/8 = 6,8125

    def test_r_sel_3_term_one_in_the_old_kt_form(self):
        case = spec_case(FILE, "L2")
        case["subjects"][0]["term1"] = {
            "regular": [8, 7, 6, 9],
            "periodic": [7.5, 8.0],
            "final": 6.5,
        }
        result = evaluate(case)
        assert result["subjects"]["vat_li"]["term1"] == "7.3"  # TT58 formula, as L1
        assert result["subjects"]["vat_li"]["term2"] == "6.8"

    def test_r_sel_3_only_in_term_one(self):
        case = spec_case(FILE, "L2")
        case["subjects"][0]["term2"] = {"regular": [8, 7], "periodic": [7.5], "final": 6.5}
        with pytest.raises(ValueError, match="Chỉ học kì I năm học 2020-2021"):
            evaluate(case)


class TestR58Sr3YearAverage:
    def test_year_from_rounded_terms(self):
        case = spec_case(FILE, "L1")
        case["subjects"][0]["term2"] = {"regular": [9, 9, 9, 9], "periodic": [9], "final": 9}
        # (7,3 + 2 x 9,0)/3 = 25,3/3 = 8,433 -> 8,4
        assert evaluate(case)["subjects"]["toan"]["year"] == "8.4"


class TestR58Sr4CommentTerm:
    @pytest.mark.parametrize(
        ("vector", "expected"),
        [
            ("L12-a", "Đ"),  # 3/4 >= 2/3 and term test Đ
            ("L12-b", "CĐ"),  # 2/4 < 2/3
            ("L12-c", "CĐ"),  # term test CĐ
        ],
    )
    def test_l12(self, vector, expected):
        assert run(FILE, vector)["subjects"]["am_nhac"]["term1"] == expected

    def test_tt26_keeps_the_rule(self):  # [L] with the end-of-term result
        case = spec_case(FILE, "L12-a", rule_set="tt58_tt26_2020")
        term = {"regular": ["Đ", "CĐ"], "midterm": "Đ", "final": "Đ"}
        case["subjects"][0]["term1"] = case["subjects"][0]["term2"] = term
        assert evaluate(case)["subjects"]["am_nhac"]["term1"] == "Đ"


class TestR58Sr5CommentYear:
    def test_term_two_decides(self):
        case = spec_case(FILE, "L12-a")
        case["subjects"][0]["term1"] = spec_case(FILE, "L12-c")["subjects"][0]["term1"]
        result = evaluate(case)["subjects"]["am_nhac"]
        assert (result["term1"], result["term2"], result["year"]) == ("CĐ", "Đ", "Đ")


class TestR58ExExemption:
    def test_l13_one_term(self):
        result = run(FILE, "L13")
        assert result["subjects"]["the_duc"] == {
            "term1": "Đ",
            "term2": None,
            "year": "Đ",
            "final_year": "Đ",
        }
        assert any("Thể dục được miễn ở học kì ii" in reason for reason in result["reasons"])

    def test_l13_whole_year_not_counted(self):
        result = run(FILE, "L13-year")  # Thể dục would be CĐ, but it is exempted
        assert result["subjects"]["the_duc"]["year"] is None
        assert result["learning"] == {"term1": G, "term2": G, "year": G, "after_retest": None}

    def test_exempting_another_subject_is_flagged(self):
        case = spec_case(FILE, "L3")
        case["subjects"][0]["exempt"] = ["term2"]
        assert any("chỉ cho miễn học môn Thể dục" in w for w in evaluate(case)["warnings"])


class TestR58Avg1OverallAverage:
    @pytest.mark.parametrize(
        ("vector", "average"),
        [("L3", "8.3"), ("L4", "8.0"), ("L5", "8.3"), ("L6", "7.8"), ("L7", "5.4"), ("L8", "3.4")],
    )
    def test_vectors(self, vector, average):
        result = run(FILE, vector)
        assert result["overall_average"]["year"] == average
        assert result["overall_average"]["term1"] == average  # uniform terms

    def test_reason_shows_the_computation(self):
        assert any(r.startswith("Cả năm: ĐTBcn = 87,9/11 = 8,0") for r in run(FILE, "L4")["reasons"])


class TestR58Hl1Table:
    @pytest.mark.parametrize(
        ("vector", "raw", "level"),
        [
            ("L3", G, G),
            ("L5", K, K),  # neither Toán nor Văn >= 8,0 under TT58
            ("L5-TT26", G, G),  # Ngoại ngữ 8,1 is a core subject under TT26
            ("L8", KEM, KEM),
        ],
    )
    def test_vectors(self, vector, raw, level):
        result = run(FILE, vector)
        assert (result["learning_raw"]["year"], result["learning"]["year"]) == (raw, level)

    @pytest.mark.parametrize(
        ("scores", "expected"),
        [
            (["8.0"] + ["8.0"] * 10, G),
            (["6.5"] * 11, K),
            (["6.5"] * 10 + ["4.9"], TB),
            (["5.0"] * 11, TB),
            (["5.0"] * 10 + ["3.4"], Y),
            (["3.5"] * 11, Y),
            (["3.5"] * 10 + ["1.9"], KEM),
            (["3.4"] * 11, KEM),
        ],
    )
    def test_thresholds(self, scores, expected):
        assert rank(scores)[0] == expected

    def test_core_condition(self):
        # average 8,0 and everything >= 6,5, but Toán and Văn below 8,0
        scores = ["7.9", "8.5", "8.5", "8.5", "7.9", "8.0", "8.0", "8.0", "8.0", "7.5", "7.6"]
        assert rank(scores)[0] == K
        # TT26: Ngoại ngữ (8,0) counts
        assert rank(scores, rule_set=TT26)[0] == G
        # the contract's core_subjects overrides the default
        assert rank(scores, core_subjects=frozenset({"vat_li"}))[0] == G

    def test_specialist_subject(self):
        assert rank(["8.5"] * 11)[0] == G
        scores = ["8.5"] * 10 + ["7.0"]
        assert rank(scores, specialist_subject="tin")[0] == K

    def test_comment_cd_blocks_g_k_tb(self):
        assert rank(["9.0"] * 11, comments={"am_nhac": "CĐ"})[0] == Y


class TestR58Hl2Adjustment:
    def test_the_table(self):
        assert {(a.label, b.label): c.label for (a, b), c in ADJUSTMENT.items()} == {
            (G, TB): K,
            (G, Y): TB,
            (K, Y): TB,
            (K, KEM): Y,
        }

    @pytest.mark.parametrize(
        ("vector", "raw", "adjusted"),
        [
            ("L4", TB, K),  # (G, TB) => K: average 8,0 (rounded), Hóa 4,6
            ("L6", Y, TB),  # (K, Y) => TB: Thể dục CĐ is the culprit
        ],
    )
    def test_vectors(self, vector, raw, adjusted):
        result = run(FILE, vector)
        assert (result["learning_raw"]["year"], result["learning"]["year"]) == (raw, adjusted)

    @pytest.mark.parametrize(
        ("scores", "raw", "adjusted"),
        [
            (["9.0"] * 10 + ["3.0"], Y, TB),  # (G, Y) => TB: ĐTB 93/11 = 8,5
            (["7.5"] * 10 + ["1.5"], KEM, Y),  # (K, Kém) => Y: ĐTB 76,5/11 = 7,0
            (["9.5"] * 10 + ["1.0"], KEM, Y),  # Giỏi pair (G, Kém) absent: continue to Khá
            (["9.0"] * 9 + ["3.0", "3.0"], Y, Y),  # two culprits
            (["9.0"] * 10 + ["6.0"], K, K),  # one-level drop: not in the table
        ],
    )
    def test_table_entries(self, scores, raw, adjusted):
        assert rank(scores) == (raw, adjusted)

    def test_parameter_u16_average_only(self):
        # Toán 7,9, Văn 7,5 (core < 8,0), Hóa 4,6; ĐTB = 88,3/11 = 8,0
        scores = ["7.9", "8.0", "4.6", "8.2", "7.5", "8.5", "8.3", "7.9", "9.3", "8.6", "9.5"]
        assert rank(scores) == (TB, TB)  # Giỏi not reached with the core condition
        relaxed = TT58.with_parameters(adjust_requires_core=False)
        assert rank(scores, rule_set=relaxed) == (TB, K)

    def test_reason(self):
        assert any("điều chỉnh thành Khá" in r and "Điều 13 khoản 6" in r for r in run(FILE, "L4")["reasons"])


class TestR58Hk2YearConduct:
    def test_prefilled_with_term_two(self):
        result = TT58.evaluate(old_student(["8.0"] * 11, conduct=("Tốt", "Khá")))
        assert result.conduct.year is HanhKiem58.KHA and not result.conduct.year_confirmed
        assert any(w.rule == "R58-HK-2" for w in result.warnings)

    def test_entered_by_the_homeroom_teacher(self):
        result = run(FILE, "L3", conduct={"term1": "Tốt", "term2": "Khá", "year": "Tốt"})
        assert result["conduct"]["year"] == "Tốt"
        assert result["title"] == "Học sinh giỏi"


class TestR58Hon1Titles:
    def test_l11_per_term(self):
        result = run(FILE, "L11-gioi")  # HK Tốt/Khá, HL Giỏi
        assert result["title_terms"] == {"term1": "Học sinh giỏi", "term2": "Học sinh tiên tiến"}
        result = run(FILE, "L11-gioi-tb")  # HK Trung bình/Tốt, HL Giỏi
        assert result["title_terms"] == {"term1": None, "term2": "Học sinh giỏi"}
        result = run(FILE, "L11-kha")  # HK Tốt, HL Khá
        assert result["title_terms"] == {
            "term1": "Học sinh tiên tiến",
            "term2": "Học sinh tiên tiến",
        }
        assert result["title"] == "Học sinh tiên tiến"

    def test_l14_titles_computed_and_flagged(self):
        result = run(FILE, "L14")
        assert result["outcome"] == "RETAINED"
        assert result["title"] == "Học sinh giỏi"
        assert result["title_terms"] == {"term1": "Học sinh giỏi", "term2": "Học sinh giỏi"}
        assert any("nghỉ quá 45 buổi" in w for w in result["warnings"])
        withheld = run(FILE, "L14", parameters={"titles_over_absence_limit": "withhold"})
        assert withheld["title"] is None
        assert withheld["title_terms"] == {"term1": None, "term2": None}


class TestR58YePromotion:
    @pytest.mark.parametrize(
        ("vector", "outcome"),
        [
            ("L3", "PROMOTED"),
            ("L6", "PROMOTED"),  # adjusted Trung bình
            ("L8", "RETAINED"),  # Kém: no re-test
            ("L10", "RETAINED"),  # Yếu + Yếu: no remedy
            ("L14", "RETAINED"),  # absences 46
        ],
    )
    def test_r58_ye_1_and_2(self, vector, outcome):
        assert run(FILE, vector)["outcome"] == outcome

    def test_absence_boundary(self):
        assert run(FILE, "L3", absences=45)["outcome"] == "PROMOTED"
        assert run(FILE, "L3", absences=46)["outcome"] == "RETAINED"

    def test_completion_grade(self):
        assert run(FILE, "L3", grade=9)["outcome"] == "COMPLETED_PROGRAMME"

    def test_both_yeu_with_the_tt22_policy(self):
        result = run(FILE, "L10", parameters={"both_failed_policy": "train_then_reassess"})
        assert result["outcome"] == "SUMMER_BOTH"


class TestR58Ye3Retest:
    def test_l7(self):
        result = run(FILE, "L7")
        assert result["learning"]["year"] == Y
        assert result["outcome"] == "SUMMER_REASSESSMENT"
        # the student chooses among the subjects < 5,0 (NN, and may also take Toán, Hóa)
        assert result["retest_subjects"] == ["toan", "hoa_hoc", "anh"]

    def test_l7a(self):
        result = run(FILE, "L7a")
        assert result["subjects"]["anh"]["final_year"] == "5.0"
        assert result["overall_average"]["after_retest"] == "5.6"  # 61,4/11 = 5,5818
        assert result["learning"]["after_retest"] == TB
        assert result["outcome"] == "PROMOTED_AFTER_SUMMER"

    def test_l7b(self):
        result = run(FILE, "L7b")
        assert result["overall_average"]["after_retest"] == "5.4"  # 59,8/11 = 5,436
        assert result["learning"]["after_retest"] == Y
        assert result["outcome"] == "RETAINED"


class TestR58Ye4SummerTraining:
    @pytest.mark.parametrize(
        ("vector", "after", "outcome"),
        [
            ("L9", None, "SUMMER_TRAINING"),
            ("L9-trained", TB, "PROMOTED_AFTER_SUMMER"),
            ("L9-not-certified", None, "RETAINED"),
        ],
    )
    def test_l9(self, vector, after, outcome):
        result = run(FILE, vector)
        assert (result["learning"]["year"], result["conduct"]["year"]) == (TB, Y)
        assert result["summer_training"] is True
        assert result["conduct"]["after_summer"] == after
        assert result["outcome"] == outcome

    def test_still_yeu_after_training(self):
        result = run(FILE, "L9", conduct={"term1": "Khá", "term2": "Yếu", "summer": "Yếu"})
        assert result["outcome"] == "RETAINED"


class TestHocLucOrdering:
    def test_levels_compare_by_rank(self):
        assert HocLuc58.GIOI > HocLuc58.KHA > HocLuc58.TRUNG_BINH > HocLuc58.YEU > HocLuc58.KEM
        assert Period.TERM1.label == "Học kì I"
