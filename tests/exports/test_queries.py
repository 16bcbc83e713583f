"""The rows adapter reads a fixed number of queries whatever the number of students: eight before
the rows, then a fixed number per class (approved or computed now)."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from exports.selectors import approved_lines, results_source, statistics
from grades import results_selectors
from tests.exports.conftest import approve_term1, make_export_world

pytestmark = pytest.mark.django_db


def _count(world, period: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        source = results_source(world.year, period)
        rows = list(source.rows())
    assert len(rows) == source.student_count
    return len(queries), len(rows)


@pytest.mark.parametrize("period", ["term1", "year"])
def test_the_same_queries_for_more_students_approved_or_not(period):
    counts = []
    for students in (2, 6):
        world = make_export_world(students=students)
        approve_term1(world, world.classes[1])  # 6B approved for term I, 6A computed now
        counts.append(_count(world, period))
    assert counts[0][0] == counts[1][0]
    assert counts[0][1] < counts[1][1]


def test_the_statistics_add_no_query():
    world = make_export_world()
    source = results_source(world.year, "term1")
    with CaptureQueriesContext(connection) as rows_only:
        list(source.rows())
    with CaptureQueriesContext(connection) as with_stats:
        statistics(source)
    assert len(with_stats) == len(rows_only)


@pytest.mark.parametrize("period", ["term1", "term2"])
def test_the_approved_lines_are_the_results_apps_approved_results(period):
    """The export reads the approved rows as values (speed, G11): the same rows and fields as
    ``grades.results_selectors.approved_results``, the one reader of official results."""
    world = make_export_world()
    class_group = world.classes[1]
    approve_term1(world, class_group)
    official = results_selectors.approved_results(class_group, period)
    lines = approved_lines(class_group, period)
    assert {r.enrolment_id for r in official} == set(lines)
    assert bool(lines) == (period == "term1")
    for result in official:
        line = lines[result.enrolment_id]
        assert (line.subjects, line.learning, line.conduct, line.title, line.outcome) == (
            result.subjects, result.learning, result.conduct, result.title, result.outcome,
        )  # fmt: skip
    assert approved_lines(world.classes[0], period) == {}
