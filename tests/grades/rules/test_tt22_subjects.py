"""TT22 subjects and subject results: R22-SUB-*, R22-ASM-*, R22-SR-*, vectors T1-T12, Y7."""

from decimal import Decimal

import pytest

from grades.rules import (
    ColumnKind,
    CommentMark,
    Period,
    RulesInputError,
    SubjectInput,
    SubjectKind,
    TermScores,
    evaluate,
    get_rule_set,
)

from .helpers import THCS_COMMENT, run, spec_case, thcs_student, uniform_term

TT22 = get_rule_set("tt22_2021")
FILE = "tt22_subject_results.json"
D, CD = CommentMark.DAT, CommentMark.CHUA_DAT


class TestR22Sub1CommentSubjects:
    @pytest.mark.parametrize("code", ["gdtc", "nghe_thuat", "am_nhac", "mi_thuat", "gddp", "hdtn"])
    def test_comment_assessed(self, code):
        assert TT22.is_comment_subject(code)

    @pytest.mark.parametrize(
        "code",
        [
            "van",
            "toan",
            "anh",
            "gdcd",
            "lsdl",
            "khtn",
            "cong_nghe",
            "tin",
            "gdqpan",
            "vat_li",
            "tieng_dan_toc",
            "ngoai_ngu_2",
        ],
    )
    def test_every_other_subject_is_scored(self, code):  # R22-SUB-2
        assert not TT22.is_comment_subject(code)

    def test_kind_contradicting_the_rule_set_is_refused(self):
        case = spec_case(FILE, "T1")
        case["subjects"][0]["kind"] = "comment"
        with pytest.raises(RulesInputError, match="Theo Thông tư 22, môn này được đánh giá bằng điểm số"):
            evaluate(case)

    def test_an_unknown_subject_code_keeps_its_declared_kind(self):
        case = spec_case(FILE, "T11")
        case["subjects"][0]["code"] = "my_thuat_dia_phuong"
        assert evaluate(case)["subjects"]["my_thuat_dia_phuong"]["year"] == "Đ"


class TestR22Asm2RegularCount:
    # vector T8: periods/year 35, 52, 70, 105, 140 -> 2, 3, 3, 4, 4; denominators 7, 8, 8, 9, 9
    @pytest.mark.parametrize(
        ("periods", "count", "denominator"),
        [(35, 2, 7), (52, 3, 8), (70, 3, 8), (105, 4, 9), (140, 4, 9)],
    )
    def test_vector_t8(self, periods, count, denominator):
        assert TT22.regular_count(SubjectKind.SCORE, periods) == count
        columns = TT22.columns(SubjectKind.SCORE, periods)
        assert columns.regular_count == count
        assert not columns.regular_count_is_minimum
        assert sum(column.weight for column in columns.columns) == denominator

    @pytest.mark.parametrize("periods", [35, 70, 105])
    def test_comment_subjects_always_two(self, periods):
        assert TT22.regular_count(SubjectKind.COMMENT, periods) == 2

    def test_topic_cluster_adds_one(self):  # [U4] default +1
        assert TT22.regular_count(SubjectKind.SCORE, 70, topic_cluster=True) == 4
        assert TT22.regular_count(SubjectKind.COMMENT, 105, topic_cluster=True) == 3

    def test_columns_for_the_grid(self):
        columns = TT22.columns(SubjectKind.SCORE, 140).columns
        assert [(c.key, c.label, c.weight, c.kind) for c in columns] == [
            ("regular_1", "ĐĐGtx 1", 1, ColumnKind.REGULAR),
            ("regular_2", "ĐĐGtx 2", 1, ColumnKind.REGULAR),
            ("regular_3", "ĐĐGtx 3", 1, ColumnKind.REGULAR),
            ("regular_4", "ĐĐGtx 4", 1, ColumnKind.REGULAR),
            ("midterm", "ĐĐGgk", 2, ColumnKind.MIDTERM),
            ("final", "ĐĐGck", 3, ColumnKind.FINAL),
        ]
        assert [(c.contract_field, c.index) for c in columns][:2] == [
            ("regular", 0),
            ("regular", 1),
        ]
        comment = TT22.columns(SubjectKind.COMMENT, 70).columns
        assert len(comment) == 4 and {c.subject_kind for c in comment} == {SubjectKind.COMMENT}
        with pytest.raises(ValueError, match="no KT-form columns"):
            TT22.columns(SubjectKind.SCORE, 140, kt_form=True)


class TestR22Asm3And4PeriodicAssessmentsAndRequiredCells:
    @pytest.mark.parametrize(
        ("kind", "periods", "cells"),
        [(SubjectKind.SCORE, 35, 4), (SubjectKind.SCORE, 140, 6), (SubjectKind.COMMENT, 70, 4)],
    )
    def test_one_midterm_one_final(self, kind, periods, cells):
        columns = TT22.columns(kind, periods).columns
        assert len(columns) == cells  # n_tx + 2 (comment: 2 + 2)
        assert [c.kind for c in columns].count(ColumnKind.MIDTERM) == 1
        assert [c.kind for c in columns].count(ColumnKind.FINAL) == 1


class TestR22Sr1TermAverage:
    @pytest.mark.parametrize(
        ("vector", "subject", "expected"),
        [
            ("T1", "toan", "7.7"),  # 69,5/9 = 7,7222
            ("T2", "cong_nghe", "6.5"),  # 51,6/8 = 6,45 exactly -> 6,5
            ("T3", "cong_nghe", "6.4"),  # 50,8/8 = 6,35 -> 6,4 (float round gives 6,3)
            ("T4", "cong_nghe", "8.3"),  # 66/8 = 8,25 -> 8,3 (round(8.25, 1) gives 8,2)
        ],
    )
    def test_vectors(self, vector, subject, expected):
        assert run(FILE, vector)["subjects"][subject]["term1"] == expected

    def test_t2_crosses_the_tot_floor(self):
        # 6,45 rounds to 6,5, which meets the 6,5 floor of Tốt (R-NUM-6: compare rounded values).
        scores = ["8.0", "8.3", "9.0", "8.0", "8.5", "8.1", "6.5", "7.9"]
        student = thcs_student(scores)
        subjects = list(student.subjects)
        t2 = TermScores(
            regular=(Decimal("6.0"), Decimal("7.0"), Decimal("6.0")),
            midterm=Decimal("7.0"),
            final=Decimal("6.2"),
        )
        subjects[6] = SubjectInput(code="cong_nghe", periods=52, term1=t2, term2=t2)
        from dataclasses import replace

        result = TT22.evaluate(replace(student, subjects=tuple(subjects)))
        assert result.subject("cong_nghe").year == Decimal("6.5")
        assert result.learning_year.adjusted.label == "Tốt"


class TestR22Sr2YearAverageFromRoundedTerms:
    @pytest.mark.parametrize(
        ("vector", "term1", "term2", "year"),
        [
            ("T5", "6.1", "6.6", "6.4"),  # 19,3/3; not 6,5 from the unrounded 6,125 and 6,625
            ("T6", "6.0", "6.7", "6.5"),
            ("T7", "7.0", "8.0", "7.7"),
        ],
    )
    def test_vectors(self, vector, term1, term2, year):
        subject = run(FILE, vector)["subjects"]["cong_nghe"]
        assert (subject["term1"], subject["term2"], subject["year"]) == (term1, term2, year)

    def test_alternative_reading_u2_from_unrounded_terms(self):
        # year_average_from_rounded_terms = false: 19,375/3 = 6,4583 -> 6,5 (T5 "must not be used"
        # by default; kept as the [U2] alternative).
        result = run(FILE, "T5", parameters={"year_average_from_rounded_terms": False})
        assert result["subjects"]["cong_nghe"]["year"] == "6.5"
        assert result["rule_set_version"] != "2026.1"


class TestR22Asm5MissingAssessments:
    def test_t9_no_official_average_until_resolved(self):
        result = run(FILE, "T9-pending")
        subject = result["subjects"]["cong_nghe"]
        assert subject == {"term1": None, "term2": None, "year": None, "final_year": None}
        # provisional over the present cells: (21 + 22,5)/6 = 7,25 -> 7,3, labelled as such
        assert result["provisional"]["cong_nghe"]["term1"] == "7.3"
        assert result["learning"]["term1"] is None
        assert result["outcome"] == "PENDING"
        assert any(
            reason.startswith("Môn Công nghệ, học kì i: còn thiếu ĐĐGgk; chưa có điểm trung bình")
            and "tạm tính 7,3" in reason
            for reason in result["reasons"]
        )

    @pytest.mark.parametrize(
        ("vector", "expected"),
        [("T9-zero", "5.4"), ("T9-makeup", "7.1")],  # 43,5/8 = 5,4375; 56,5/8 = 7,0625
    )
    def test_t9_resolved(self, vector, expected):
        result = run(FILE, vector)
        assert result["subjects"]["cong_nghe"]["term1"] == expected
        assert result["provisional"] == {}

    def test_missing_regular_slot_counts_as_missing(self):
        case = spec_case(FILE, "T1")
        case["subjects"][0]["term2"]["regular"] = [8, 7, 9]  # one ĐĐGtx of four not recorded
        result = evaluate(case)
        assert result["subjects"]["toan"]["term2"] is None
        assert result["provisional"]["toan"]["term2"] == "7.9"  # (24 + 15 + 24)/8 = 7,875

    def test_typed_result_lists_the_missing_cells(self):
        term = TT22.subject_result(
            SubjectInput(
                code="toan",
                periods=140,
                term1=TermScores(regular=(Decimal(8), None, Decimal(9)), final=Decimal(7)),
                term2=None,
            )
        ).term1
        assert term.value is None
        assert term.missing == ("regular_2", "regular_4", "midterm")


class TestR22Sr3CommentTermAndR22Sr4CommentYear:
    def test_t11(self):
        assert run(FILE, "T11")["subjects"]["gdtc"] == {
            "term1": "CĐ",
            "term2": "Đ",
            "year": "Đ",
            "final_year": "Đ",
        }

    def test_t12_missing_resolved_as_cd(self):
        assert run(FILE, "T12")["subjects"]["gdtc"] == {
            "term1": "Đ",
            "term2": "CĐ",
            "year": "CĐ",
            "final_year": "CĐ",
        }

    def test_t12_missing_not_yet_resolved(self):
        result = run(FILE, "T12-pending")
        assert result["subjects"]["gdtc"]["term2"] is None
        assert result["subjects"]["gdtc"]["year"] is None
        assert result["provisional"]["gdtc"]["term2"] == "Đ"

    @pytest.mark.parametrize(
        ("cells", "expected"),
        [
            ((D, D, D, D), D),
            ((CD, D, D, D), CD),
            ((D, CD, D, D), CD),
            ((D, D, CD, D), CD),
            ((D, D, D, CD), CD),
        ],
    )
    def test_every_assessment_must_be_dat(self, cells, expected):
        scores = TermScores(regular=cells[:2], midterm=cells[2], final=cells[3])
        result = TT22.subject_result(SubjectInput(code="gdtc", periods=70, term1=scores, term2=scores))
        assert result.term1.value is expected and result.year is expected


class TestR22Sr5SingleTermSubject:
    def test_taught_in_term_one_only(self):
        case = spec_case(FILE, "T5")
        case["subjects"][0]["term2"] = None
        result = evaluate(case)
        assert result["subjects"]["cong_nghe"] == {
            "term1": "6.1",
            "term2": None,
            "year": "6.1",
            "final_year": "6.1",
        }
        assert any("kết quả học kì i là kết quả cả năm" in r for r in result["reasons"])

    def test_comment_taught_in_term_one_only(self):
        case = spec_case(FILE, "T11")
        case["subjects"][0]["term2"] = None
        assert evaluate(case)["subjects"]["gdtc"]["year"] == "CĐ"


class TestR22Asm6PracticalPartExemption:
    def test_y7(self):
        result = run("tt22_year_end.json", "Y7")
        # GDTC keeps 2 tx + gk + ck in HKII (theory), year mark = HKII mark, counts normally
        assert result["subjects"]["gdtc"]["term2"] == "Đ"
        assert result["subjects"]["gdtc"]["year"] == "Đ"
        assert result["learning"]["year"] == "Tốt"
        assert any("miễn phần thực hành" in reason for reason in result["reasons"])
        typed = TT22.subject_result(
            SubjectInput(
                code="gdtc",
                periods=70,
                term1=uniform_term(70, D, comment=True),
                term2=uniform_term(70, D, comment=True),
                practical_exempt_terms=frozenset({Period.TERM2}),
            )
        )
        assert typed.term2.practical_exempt and typed.term2.counted

    def test_practical_exemption_of_another_subject_is_flagged(self):
        case = spec_case("tt22_year_end.json", "Y7")
        for subject in case["subjects"]:
            if subject["code"] == "toan":
                subject["practical_exempt"] = ["term1"]
        assert any("Điều 10 chỉ cho miễn phần thực hành" in w for w in evaluate(case)["warnings"])


class TestR22Asm7WholeSubjectExemptionLegacy:
    def test_subject_left_out_with_a_warning(self):
        student = thcs_student(["8.0", "8.3", "9.0", "8.0", "8.5", "8.1", "6.5", "7.9"])
        from dataclasses import replace

        subjects = [
            replace(s, exempt_terms=frozenset({Period.TERM1, Period.TERM2}), term2=None) if s.code == "gdtc" else s
            for s in student.subjects
        ]
        result = TT22.evaluate(replace(student, subjects=tuple(subjects)))
        assert result.subject("gdtc").year is None and not result.subject("gdtc").counted_in_year
        assert any(w.rule == "R22-ASM-7" for w in result.warnings)
        assert result.learning_year.adjusted.label == "Tốt"


class TestR22Sub4ArtsAsOneSubject:
    def test_separate_strands_at_thcs_are_flagged(self):
        case = spec_case("tt22_learning.json", "V1")
        for subject in case["subjects"]:
            if subject["code"] == "nghe_thuat":
                subject["code"] = "am_nhac"
        result = evaluate(case)
        assert any("Nghệ thuật được tính là một môn" in w for w in result["warnings"])
        assert len(THCS_COMMENT) == 4
