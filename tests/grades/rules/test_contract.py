"""The JSON contract of shared/docs/rules-contract.md: shape, formats, errors, extensions."""

import json
from decimal import Decimal

import pytest

from grades.rules import RulesInputError, evaluate, evaluate_many

from .helpers import CASES_DIR, run, spec_case

OUTPUT_KEYS = [
    "rule_set",
    "rule_set_version",
    "subjects",
    "overall_average",
    "learning",
    "learning_raw",
    "conduct",
    "title",
    "title_terms",
    "retest_subjects",
    "summer_training",
    "outcome",
    "reasons",
    "warnings",  # extension: review flags
    "provisional",  # extension: "tạm tính" values, never official
]
OUTCOMES = {
    "PROMOTED",
    "PROMOTED_AFTER_SUMMER",
    "SUMMER_REASSESSMENT",
    "SUMMER_TRAINING",
    "SUMMER_BOTH",
    "RETAINED",
    "COMPLETED_PROGRAMME",
    "PENDING",
}

# The contract's own input example (rules-contract.md, "Input").
CONTRACT_EXAMPLE = {
    "rule_set": "tt22_2021",
    "grade": 7,
    "subjects": [
        {
            "code": "toan",
            "kind": "score",
            "periods": 140,
            "term1": {"regular": [8, 7.5, 9, 6], "midterm": 7, "final": 8.5},
            "term2": {"regular": [9, 8, 8, 7], "midterm": 8, "final": 9},
            "retest": None,
        },
        {
            "code": "gdtc",
            "kind": "comment",
            "periods": 70,
            "term1": {"regular": ["Đ", "Đ"], "midterm": "Đ", "final": "Đ"},
            "term2": {"regular": ["Đ", "CĐ"], "midterm": "Đ", "final": "Đ"},
            "retest": None,
        },
    ],
    "conduct": {"term1": "Tốt", "term2": "Khá", "summer": None},
    "absences": 3,
    "core_subjects": ["toan", "van"],
}


def all_cases():
    for path in sorted(CASES_DIR.glob("*.json")):
        yield from json.loads(path.read_text(encoding="utf-8"))


class TestOutputShape:
    @pytest.mark.parametrize("case", list(all_cases()), ids=lambda case: case["id"])
    def test_every_spec_case(self, case):
        result = evaluate(case)
        assert list(result) == ["id", *OUTPUT_KEYS]
        assert result["id"] == case["id"]
        assert result["rule_set"] == case["rule_set"]
        assert set(result["subjects"]) == {subject["code"] for subject in case["subjects"]}
        for values in result["subjects"].values():
            assert list(values) == ["term1", "term2", "year", "final_year"]
            for value in values.values():
                assert value is None or value in ("Đ", "CĐ") or _one_decimal(value)
        assert list(result["learning"]) == ["term1", "term2", "year", "after_retest"]
        assert list(result["learning_raw"]) == ["term1", "term2", "year"]
        assert list(result["conduct"]) == ["term1", "term2", "year", "after_summer"]
        assert list(result["title_terms"]) == ["term1", "term2"]
        assert result["outcome"] in OUTCOMES
        assert all(isinstance(reason, str) and reason for reason in result["reasons"])
        assert all(reason.endswith(").") for reason in result["reasons"])  # names the clause
        json.dumps(result)  # plain JSON types only

    def test_contract_example(self):
        result = evaluate(CONTRACT_EXAMPLE)
        # (8 + 7,5 + 9 + 6) + 2 x 7 + 3 x 8,5 = 70; 70/9 = 7,78 -> 7,8
        # (the contract's illustrative output shows 7.7 for term1; the formula gives 7,8)
        assert result["subjects"]["toan"] == {
            "term1": "7.8",
            "term2": "8.3",
            "year": "8.1",
            "final_year": "8.1",
        }
        assert result["subjects"]["gdtc"] == {
            "term1": "Đ",
            "term2": "CĐ",
            "year": "CĐ",
            "final_year": "CĐ",
        }
        assert result["conduct"]["year"] == "Khá"
        assert result["rule_set_version"] == "2026.1"
        assert "id" not in result

    def test_numbers_as_strings_and_decimals(self):
        case = json.loads(json.dumps(CONTRACT_EXAMPLE), parse_float=Decimal)
        assert evaluate(case)["subjects"]["toan"]["term1"] == "7.8"
        case["subjects"][0]["term1"] = {
            "regular": ["8", "7,5", "9.0", "6"],
            "midterm": "7",
            "final": "8.5",
        }
        assert evaluate(case)["subjects"]["toan"]["term1"] == "7.8"

    def test_list_of_cases(self):
        results = evaluate_many([spec_case("tt22_learning.json", "V1"), CONTRACT_EXAMPLE])
        assert [result.get("id") for result in results] == ["V1", None]


def _one_decimal(value: str) -> bool:
    whole, _, decimals = value.partition(".")
    return whole.isdigit() and len(decimals) == 1 and decimals.isdigit()


class TestInputErrors:
    @pytest.mark.parametrize(
        ("change", "message"),
        [
            ({"rule_set": "tt99"}, "Bộ quy tắc không tồn tại"),
            ({"grade": 13}, "Khối lớp phải từ 6 đến 12"),
            ({"grade": "7"}, "Khối lớp phải là số nguyên"),
            ({"absences": -1}, "Số buổi nghỉ không được âm"),
            ({"conduct": {"term1": "Giỏi", "term2": "Khá"}}, "Mức phải là một trong"),
            ({"unknown": 1}, "Khóa không hợp lệ: 'unknown'"),
            ({"parameters": {"nope": 1}}, "Tham số không tồn tại: nope"),
            ({"parameters": {"absence_limit": "45"}}, "Giá trị phải có kiểu int"),
        ],
    )
    def test_case_level(self, change, message):
        case = {**CONTRACT_EXAMPLE, **change}
        with pytest.raises(RulesInputError, match=message):
            evaluate(case)

    def test_missing_absences_key(self):
        case = dict(CONTRACT_EXAMPLE)
        del case["absences"]
        with pytest.raises(RulesInputError, match="Thiếu số buổi nghỉ"):
            evaluate(case)

    @pytest.mark.parametrize(
        ("value", "message"),
        [
            (6.35, "Điểm phải lấy đến một chữ số thập phân. Ý thầy/cô là 6,4?"),
            ("7,25", "Điểm phải lấy đến một chữ số thập phân. Ý thầy/cô là 7,3?"),
            (10.5, "Điểm không được lớn hơn 10"),
            ("8,a", "Điểm không hợp lệ"),
            (True, "Điểm phải là một số"),
            ("Đ", "Môn học đánh giá bằng điểm số"),
        ],
    )
    def test_cell_values(self, value, message):
        case = json.loads(json.dumps(CONTRACT_EXAMPLE))
        case["subjects"][0]["term1"]["final"] = value
        with pytest.raises(RulesInputError, match=message):
            evaluate(case)

    def test_error_lists_every_problem_with_its_place(self):
        case = json.loads(json.dumps(CONTRACT_EXAMPLE))
        case["subjects"][0]["term1"]["regular"][0] = "abc"
        case["subjects"][1]["term2"]["final"] = 8
        with pytest.raises(RulesInputError) as caught:
            evaluate(case)
        assert [issue.location for issue in caught.value.issues] == [
            "toan.term1.regular[0]",
            "gdtc.term2.final",
        ]

    def test_tt22_has_no_periodic_tests_and_tt58_no_midterm(self):
        case = json.loads(json.dumps(CONTRACT_EXAMPLE))
        case["subjects"][0]["term1"]["periodic"] = [7]
        with pytest.raises(RulesInputError, match="không có cột này"):
            evaluate(case)
        case = spec_case("tt58.json", "L1")
        case["subjects"][0]["term1"]["midterm"] = 7
        with pytest.raises(RulesInputError, match="dùng periodic, không có midterm"):
            evaluate(case)


class TestExtensions:
    def test_parameters_change_the_version(self):
        result = run("tt22_learning.json", "V5", parameters={"adjust_target": "wouldbe_minus_one"})
        assert result["rule_set_version"].startswith("2026.1+")

    def test_frozenset_parameters_take_lists(self):
        result = run("tt58.json", "L5", parameters={"core_subjects": ["toan", "van", "anh", "tin"]})
        assert result["learning"]["year"] == "Giỏi"  # Tin 9,5 >= 8,0 now counts

    def test_exemption_as_year(self):
        case = spec_case("tt58.json", "L3")
        case["subjects"][-1]["exempt"] = "year"
        assert evaluate(case)["subjects"]["mi_thuat"]["year"] is None


def test_every_worked_example_is_a_case_file():
    """Section 12 vectors; T8 (counts) and T10 (grid input) are tested in test_tt22_subjects.py
    and test_validation.py."""
    ids = {case["id"].split("-")[0] for case in all_cases()}
    ids |= {case["id"].rstrip("abc") for case in all_cases()}
    expected = {f"T{n}" for n in range(1, 13)} - {"T8", "T10"}
    expected |= {f"V{n}" for n in range(1, 15)}
    expected |= {f"Y{n}" for n in range(1, 8)} | {"Y1a", "Y1b"}
    expected |= {f"L{n}" for n in range(1, 15)} | {"L7a", "L7b"}
    assert expected <= ids | {case["id"] for case in all_cases()}
