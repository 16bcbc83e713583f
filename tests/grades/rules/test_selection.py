"""R-SEL-1, R-SEL-2: which rule set applies to a (school year, grade); the registry."""

import pytest

from grades.rules import RULE_SETS, get_rule_set, rule_set_code_for, rule_set_for

T58, T26, T22 = "tt58_2011", "tt58_tt26_2020", "tt22_2021"

# The table of R-SEL-1, row by row (school year start -> grades 6..12).
SELECTION_TABLE = {
    2019: [T58, T58, T58, T58, T58, T58, T58],  # "<= 2019-2020"
    2020: [T26, T26, T26, T26, T26, T26, T26],
    2021: [T22, T26, T26, T26, T26, T26, T26],
    2022: [T22, T22, T26, T26, T22, T26, T26],
    2023: [T22, T22, T22, T26, T22, T22, T26],
    2024: [T22, T22, T22, T22, T22, T22, T22],  # ">= 2024-2025"
}


class TestRSel1RuleSetBySchoolYearAndGrade:
    @pytest.mark.parametrize(
        ("year", "grade", "expected"),
        [(year, grade, codes[grade - 6]) for year, codes in SELECTION_TABLE.items() for grade in range(6, 13)],
    )
    def test_every_cell_of_the_table(self, year, grade, expected):
        assert rule_set_code_for(year, grade) == expected
        assert rule_set_for(year, grade).code == expected

    @pytest.mark.parametrize("year", [2011, 2015, 2018])
    def test_earlier_years_are_pure_tt58(self, year):
        assert {rule_set_code_for(year, grade) for grade in range(6, 13)} == {T58}

    @pytest.mark.parametrize("year", [2025, 2026, 2030])
    def test_later_years_are_tt22(self, year):
        assert {rule_set_code_for(year, grade) for grade in range(6, 13)} == {T22}

    @pytest.mark.parametrize("grade", [5, 13, 0])
    def test_grade_outside_secondary_school(self, grade):
        with pytest.raises(ValueError, match="Khối lớp phải từ 6 đến 12"):
            rule_set_code_for(2024, grade)

    def test_before_tt58(self):
        with pytest.raises(ValueError, match="Quyết định 40/2006"):
            rule_set_code_for(2010, 6)


class TestRSel2Registry:
    def test_codes(self):
        assert sorted(RULE_SETS) == [T22, T58, T26]

    @pytest.mark.parametrize("code", [T22, T58, T26])
    def test_each_rule_set_has_its_code_and_a_version(self, code):
        rule_set = get_rule_set(code)
        assert rule_set.code == code
        assert rule_set.version == "2026.1"

    def test_unknown_code(self):
        with pytest.raises(ValueError, match="Bộ quy tắc không tồn tại: 'tt99'"):
            get_rule_set("tt99")

    def test_changed_parameters_change_the_version(self):
        base = get_rule_set(T22)
        variant = base.with_parameters(adjust_target="wouldbe_minus_one")
        assert variant.parameters.adjust_target == "wouldbe_minus_one"
        assert variant.version.startswith("2026.1+") and len(variant.version) == len("2026.1+") + 8
        assert base.parameters.adjust_target == "raw_plus_one"  # the registry is untouched
        # the same change gives the same version (results stay comparable)
        assert base.with_parameters(adjust_target="wouldbe_minus_one").version == variant.version
        assert base.with_parameters(adjust_target="raw_plus_one").version == "2026.1"

    def test_parameters_are_frozen(self):
        import dataclasses

        with pytest.raises(dataclasses.FrozenInstanceError):
            get_rule_set(T22).parameters.absence_limit = 50  # type: ignore[misc]
