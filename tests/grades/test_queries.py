"""The grid page and a whole-grid save run a number of queries that does not grow with the class
or the number of columns (performance-and-reliability.md G1, G3)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from grades import services
from grades.models import ScoreCell, SubjectComment
from grades.services import Entry
from schools.models import SubjectOffering
from tests.factories import make_world
from tests.grades.conftest import build_grid

pytestmark = pytest.mark.django_db


def filled_grid(students: int, periods: int = 70):
    world = make_world(classes=1, students_per_class=students, subjects=1)
    SubjectOffering.objects.filter(school_year=world.year).update(periods_per_year=periods)
    grid = build_grid(world)
    entries = []
    for term in (grid.term1, grid.term2):
        for enrolment in grid.enrolments:
            entries.extend(Entry(enrolment.pk, term.pk, key, "7,5") for key in grid.spec.column_keys)
            entries.append(Entry(enrolment.pk, term.pk, "comment", "Chăm học"))
    services.score_record_many(actor=grid.teacher, class_subject=grid.class_subject, entries=entries, reason="x")
    return grid


def page_queries(client, grid, url_name: str, *args) -> int:
    client.force_login(grid.teacher)
    url = reverse(url_name, args=[grid.class_subject.pk, *args])
    client.get(url)  # warm the per-process caches (content types, translations)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    ("url_name", "args"), [("grades:grid", (1,)), ("grades:grid_year", ()), ("grades:xlsx_download", (1,))]
)
def test_the_grid_page_does_not_grow_with_the_class(client, url_name, args):
    small = page_queries(client, filled_grid(10), url_name, *args)
    large = page_queries(client, filled_grid(50), url_name, *args)
    assert small == large
    assert large <= 20


def test_the_grid_page_does_not_grow_with_the_columns(client):
    few = page_queries(client, filled_grid(10, periods=35), "grades:grid", 1)  # 2 regular columns
    many = page_queries(client, filled_grid(10, periods=140), "grades:grid", 1)  # 4 regular columns
    assert few == many


def _split(queries) -> tuple[int, int]:
    """(reads and locks, batched writes) of a captured run."""
    writes = [q for q in queries.captured_queries if q["sql"].lstrip().upper().startswith(("INSERT", "UPDATE"))]
    return len(queries) - len(writes), len(writes)


def save_queries(students: int) -> tuple[tuple[int, int], tuple[int, int]]:
    world = make_world(classes=1, students_per_class=students, subjects=1)
    grid = build_grid(world)
    first = [Entry(e.pk, grid.term1.pk, key, "6") for e in grid.enrolments for key in grid.spec.column_keys]
    first += [Entry(e.pk, grid.term1.pk, "comment", "Tốt") for e in grid.enrolments]
    with CaptureQueriesContext(connection) as create:
        services.score_record_many(actor=grid.teacher, class_subject=grid.class_subject, entries=first, reason="x")
    again = [
        Entry(e.enrolment_id, e.term_id, e.column, "8" if e.column != "comment" else "Rất tốt", version=1)
        for e in first
    ]
    with CaptureQueriesContext(connection) as update:
        services.score_record_many(actor=grid.teacher, class_subject=grid.class_subject, entries=again, reason="y")
    # One history row per changed cell, written in the same transaction by the bulk helpers.
    mine = {"history_change_reason": "y", "class_subject_id": grid.class_subject.pk}
    assert ScoreCell.history.filter(**mine).count() == students * len(grid.spec.column_keys)
    assert SubjectComment.history.filter(**mine).count() == students
    return _split(create), _split(update)


def test_saving_a_whole_grid_is_a_fixed_number_of_queries():
    (small_create, small_update) = save_queries(10)
    (large_create, large_update) = save_queries(50)
    # Reads, row locks and transaction control do not depend on the size of the grid.
    assert (small_create[0], small_update[0]) == (large_create[0], large_update[0])
    if connection.vendor == "postgresql":
        # One INSERT or UPDATE per table and one history INSERT per table, whatever the size.
        assert (small_create[1], small_update[1]) == (large_create[1], large_update[1])
    else:
        # SQLite caps the parameters of one statement, so Django splits a bulk write into a few
        # batches: still a handful of statements for 300 cells, never one per cell.
        assert large_create[1] <= 12 and large_update[1] <= 12
    assert large_create[0] <= 10 and large_update[0] <= 10
