"""TT22 year end: promotion R22-YE-1, absences R22-YE-2/3, summer re-assessment R22-YE-4, summer
training R22-YE-5, both failed R22-YE-6, the decision procedure R22-YE-8 (vectors Y1-Y6)."""

import pytest

from grades.rules import YearOutcome, get_rule_set

from .helpers import run, spec_case, thcs_student

FILE = "tt22_year_end.json"
TT22 = get_rule_set("tt22_2021")


class TestR22Ye1Promotion:
    def test_y4_promoted_at_exactly_45(self):
        result = run(FILE, "Y4")
        assert (result["conduct"]["year"], result["learning"]["year"]) == ("Tốt", "Đạt")
        assert result["outcome"] == "PROMOTED"
        assert result["retest_subjects"] == [] and result["summer_training"] is False

    @pytest.mark.parametrize(("grade", "outcome"), [(9, "COMPLETED_PROGRAMME"), (8, "PROMOTED")])
    def test_y6_completion_of_the_programme(self, grade, outcome):
        result = run(FILE, "Y6" if grade == 9 else "Y6-grade-8")
        assert result["outcome"] == outcome
        if grade == 9:
            assert any("được công nhận hoàn thành chương trình trung học cơ sở" in r for r in result["reasons"])

    def test_grade_12_completes_upper_secondary(self):
        result = TT22.evaluate(thcs_student(["7.0"] * 8, grade=12))
        assert result.outcome is YearOutcome.COMPLETED_PROGRAMME
        assert any("trung học phổ thông" in reason.text for reason in result.reasons)

    def test_pending_until_results_are_complete(self):
        case = spec_case(FILE, "Y4")
        case["subjects"][0]["term2"]["final"] = None
        result = run(FILE, "Y4", subjects=case["subjects"])
        assert result["learning"]["year"] is None
        assert result["outcome"] == "PENDING"

    def test_pending_without_absences(self):
        assert run(FILE, "Y4", absences=None)["outcome"] == "PENDING"


class TestR22Ye2AbsenceLimit:
    @pytest.mark.parametrize(
        ("vector", "outcome"),
        [("Y4", "PROMOTED"), ("Y4-46", "RETAINED"), ("Y3-45", "PROMOTED"), ("Y3", "RETAINED")],
    )
    def test_45_promotes_46_retains(self, vector, outcome):
        assert run(FILE, vector)["outcome"] == outcome

    def test_parameter(self):
        assert run(FILE, "Y4-46", parameters={"absence_limit": 50})["outcome"] == "PROMOTED"


class TestR22Ye3Retention:
    def test_y3_absences_have_no_summer_remedy(self):
        result = run(FILE, "Y3")
        assert result["outcome"] == "RETAINED"
        assert result["retest_subjects"] == [] and result["summer_training"] is False
        assert (
            "Nghỉ 46 buổi, quá 45 buổi trong năm học (tính cả nghỉ có phép và không phép): không "
            "được lên lớp, không có kiểm tra, đánh giá lại hay rèn luyện trong kì nghỉ hè "
            "(Điều 12 khoản 1 điểm c, khoản 3 Thông tư 22/2021/TT-BGDĐT)."
        ) in result["reasons"]

    def test_absences_over_the_limit_with_failing_results(self):
        result = run(FILE, "Y5", absences=46)
        assert result["outcome"] == "RETAINED" and result["retest_subjects"] == []


class TestR22Ye4SummerReassessment:
    def test_y1_every_subject_below_5_is_reassessed(self):
        result = run(FILE, "Y1")
        assert result["learning_raw"]["year"] == "Chưa đạt"  # NN1 3,2 < 3,5
        assert result["learning"]["year"] == "Chưa đạt"  # two subjects < 5,0: no adjustment
        assert result["outcome"] == "SUMMER_REASSESSMENT"
        assert result["retest_subjects"] == ["anh", "khtn"]
        assert result["learning"]["after_retest"] is None

    def test_y1a_replaced_values_and_recomputed_level(self):
        result = run(FILE, "Y1a")
        assert result["subjects"]["anh"]["year"] == "3.2"  # the record keeps the original
        assert result["subjects"]["anh"]["final_year"] == "5.0"
        assert result["subjects"]["khtn"]["year"] == "4.5"
        assert result["subjects"]["khtn"]["final_year"] == "4.0"  # replaced even when lower
        assert result["learning"]["year"] == "Chưa đạt"
        assert result["learning"]["after_retest"] == "Đạt"  # seven >= 5,0, none < 3,5
        assert result["outcome"] == "PROMOTED_AFTER_SUMMER"

    def test_y1b_still_below_3_5(self):
        result = run(FILE, "Y1b")
        assert result["subjects"]["anh"]["final_year"] == "3.0"
        assert result["learning"]["after_retest"] == "Chưa đạt"
        assert result["outcome"] == "RETAINED"

    def test_partial_reassessment_is_still_pending(self):
        case = spec_case(FILE, "Y1a")
        for subject in case["subjects"]:
            if subject["code"] == "khtn":
                subject["retest"] = None
        result = run(FILE, "Y1a", subjects=case["subjects"])
        assert result["outcome"] == "SUMMER_REASSESSMENT"
        assert result["learning"]["after_retest"] is None

    def test_a_comment_subject_at_cd_is_reassessed(self):
        result = run("tt22_learning.json", "V7")  # GDTC and Nghệ thuật CĐ -> Chưa đạt
        assert result["retest_subjects"] == ["gdtc", "nghe_thuat"]
        case = spec_case("tt22_learning.json", "V7")
        for subject in case["subjects"]:
            if subject["code"] in ("gdtc", "nghe_thuat"):
                subject["retest"] = "Đ"
        result = run("tt22_learning.json", "V7", subjects=case["subjects"])
        assert result["subjects"]["gdtc"]["final_year"] == "Đ"
        assert result["learning"]["after_retest"] == "Tốt"
        assert result["outcome"] == "PROMOTED_AFTER_SUMMER"

    def test_parameter_keep_the_higher_result(self):
        result = run(FILE, "Y1a", parameters={"reassessment_replaces_even_if_lower": False})
        assert result["subjects"]["khtn"]["final_year"] == "4.5"

    def test_retest_of_a_promoted_student_is_not_used(self):
        case = spec_case(FILE, "Y4")
        case["subjects"][0]["retest"] = "9.0"
        result = run(FILE, "Y4", subjects=case["subjects"])
        assert result["subjects"]["van"]["final_year"] == result["subjects"]["van"]["year"]
        assert any("không thuộc diện đánh giá lại" in w for w in result["warnings"])


class TestR22Ye5SummerTraining:
    @pytest.mark.parametrize(
        ("vector", "after_summer", "outcome"),
        [
            ("Y2", None, "SUMMER_TRAINING"),
            ("Y2-trained", "Đạt", "PROMOTED_AFTER_SUMMER"),
            ("Y2-not-trained", "Chưa đạt", "RETAINED"),
            ("Y2-no-report", None, "RETAINED"),  # no parent-signed report
        ],
    )
    def test_y2(self, vector, after_summer, outcome):
        result = run(FILE, vector)
        assert result["conduct"]["year"] == "Chưa đạt"
        assert result["learning"]["year"] == "Khá"
        assert result["summer_training"] is True
        assert result["conduct"]["after_summer"] == after_summer
        assert result["outcome"] == outcome

    def test_summer_level_of_a_student_without_training_is_not_used(self):
        result = run(FILE, "Y4", conduct={"term1": "Tốt", "term2": "Tốt", "summer": "Đạt"})
        assert result["conduct"]["after_summer"] is None
        assert any("không thuộc diện rèn luyện" in w for w in result["warnings"])


class TestR22Ye6BothFailed:
    @pytest.mark.parametrize(
        ("vector", "outcome"),
        [
            ("Y5", "SUMMER_BOTH"),
            ("Y5-both-passed", "PROMOTED_AFTER_SUMMER"),
            ("Y5-training-failed", "RETAINED"),  # re-assessment does not count
            ("Y5-reassessment-failed", "RETAINED"),
            ("Y5-retain", "RETAINED"),  # both_failed_policy = retain
        ],
    )
    def test_y5(self, vector, outcome):
        result = run(FILE, vector)
        assert result["conduct"]["year"] == "Chưa đạt"
        assert result["learning"]["year"] == "Chưa đạt"
        assert result["outcome"] == outcome

    def test_y5_lists_both_procedures(self):
        result = run(FILE, "Y5")
        assert result["summer_training"] is True
        assert result["retest_subjects"] == ["anh", "khtn"]

    def test_training_done_reassessment_outstanding(self):
        case = spec_case(FILE, "Y5-both-passed")
        for subject in case["subjects"]:
            subject["retest"] = None
        result = run(FILE, "Y5-both-passed", subjects=case["subjects"])
        assert result["outcome"] == "SUMMER_REASSESSMENT"

    def test_reassessment_done_training_outstanding(self):
        result = run(
            FILE,
            "Y5-both-passed",
            conduct={"term1": "Khá", "term2": "Chưa đạt", "summer": None},
        )
        assert result["outcome"] == "SUMMER_TRAINING"


class TestR22Asm8StudentsWithAnIndividualPlan:
    def test_results_are_advisory(self):
        result = run(FILE, "Y4", disability_iep=True)
        assert result["outcome"] == "PROMOTED"  # the proposal, computed normally
        assert any("kế hoạch giáo dục cá nhân" in w and "Hiệu trưởng quyết định" in w for w in result["warnings"])
