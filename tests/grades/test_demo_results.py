"""The demo's last year: conduct rated, every result decided through the services, the summer
passed by everyone sent to it (they are all in the next grade this year)."""

import pytest

from demo.results import seed_results
from grades.models import SUMMER, YEAR, ConductRating, ResultBatch, StudentResult
from schools.locks import LockMap
from tests.grades.results_world import fill_term, make_results_world

pytestmark = pytest.mark.django_db


def test_last_years_results_are_decided_and_everyone_passes_the_summer():
    world = make_results_world("tt22_2021", students=4, grade=8, start_year=2025)
    weak = lambda i, code: "Đ" if code == "gdtc" else (3 if i == 3 and code in ("toan", "anh") else 7.5)  # noqa: E731
    fill_term(world, 1, weak)
    fill_term(world, 2, weak)
    stored = seed_results(world.year)
    assert stored == 4 * 3 + 1  # term I, term II and the year for everyone, the summer for the weak student
    assert set(ResultBatch.objects.values_list("period", "status")) == {
        ("term1", "approved"),
        ("term2", "approved"),
        ("year", "approved"),
        ("summer", "approved"),
    }
    assert ConductRating.objects.filter(period="term1").count() == 4
    weakest = world.enrolments[3]
    assert StudentResult.objects.get(enrolment=weakest, period=YEAR).outcome == "SUMMER_REASSESSMENT"
    assert StudentResult.objects.get(enrolment=weakest, period=SUMMER).outcome == "PROMOTED_AFTER_SUMMER"
    assert LockMap(world.class_group, None).state(column="results").locked
    assert ResultBatch.objects.get(period=YEAR).decided_by.full_name  # approved by the principal
