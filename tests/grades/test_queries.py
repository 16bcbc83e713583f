"""The grid page and a whole-grid save run a number of queries that does not grow with the class
or the number of columns (performance-and-reliability.md G1, G3)."""

import json

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


# --- G1 and G3 at their goals: exact counts at two sizes ------------------------------------------
#
# The rule sets allow 4 to 6 score columns a term (2 to 4 regular assessments by the subject's
# periods, mid-term, end-of-term) plus the comment: the column sizes compared are the fewest and
# the most a grid can have.

FEWEST_COLUMNS = 35  # periods a year: 2 regular + mid-term + end-of-term
MOST_COLUMNS = 140  # 4 regular + mid-term + end-of-term

# The page: session, user, the user's roles, the class's subjects the user may read with the right
# to enter each (one query), the grid's definition (terms with rule set and periods), students,
# score cells, comments (term view only), test dates, locks of every term shown.
GRID_PAGE_QUERIES = {"grades:grid": 10, "grades:grid_year": 9}


def _grid_of(students: int, periods: int):
    grid = filled_grid(students, periods=periods)
    expected = 2 if periods == FEWEST_COLUMNS else 4
    assert sum(key.startswith("regular_") for key in grid.spec.column_keys) == expected
    return grid


@pytest.mark.parametrize("url_name", ["grades:grid", "grades:grid_year"])
@pytest.mark.parametrize(
    ("students", "periods"),
    [(5, FEWEST_COLUMNS), (45, FEWEST_COLUMNS), (5, MOST_COLUMNS), (45, MOST_COLUMNS)],
)
def test_the_grid_page_meets_g1_at_every_size(client, django_assert_num_queries, url_name, students, periods):
    grid = _grid_of(students, periods)
    client.force_login(grid.teacher)
    url = reverse(url_name, args=[grid.class_subject.pk, 1] if url_name == "grades:grid" else [grid.class_subject.pk])
    client.get(url)  # warm the per-process caches (content types, translations)
    with django_assert_num_queries(GRID_PAGE_QUERIES[url_name]):
        response = client.get(url)
    assert response.status_code == 200
    # Every student and every cell is on the page, editable by the subject's teacher.
    html = response.content.decode()
    terms = 1 if url_name == "grades:grid" else 2
    comments = 1 if url_name == "grades:grid" else 0
    assert html.count('<input class="cell') == students * terms * (len(grid.spec.column_keys) + comments)
    assert " readonly" not in html.split("<tbody>")[1]
    assert GRID_PAGE_QUERIES[url_name] <= 10


def _whole_grid(grid, text: str, comment: str, versions: dict) -> list[Entry]:
    entries = []
    for term in (grid.term1, grid.term2):
        for enrolment in grid.enrolments:
            for key in (*grid.spec.column_keys, "comment"):
                value = comment if key == "comment" else text
                entries.append(
                    Entry(enrolment.pk, term.pk, key, value, version=versions.get((enrolment.pk, term.pk, key), 0))
                )
    return entries


# A whole-grid save, checks and writes (the grid's definition is the caller's, as every view has it):
# the students named (one query), the locks of the terms named (one), then one transaction (BEGIN,
# COMMIT) that locks the stored score cells and comments (two) and writes each table and its
# history (four): 8 statements, plus the transaction's BEGIN and COMMIT.
WHOLE_GRID_SAVE_QUERIES = 10
G3_STATEMENTS = 8
TRANSACTION_CONTROL = ("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT")


@pytest.mark.parametrize("students", [5, 45])
def test_a_whole_grid_save_meets_g3(django_assert_num_queries, django_assert_max_num_queries, students):
    world = make_world(classes=1, students_per_class=students, subjects=1)
    SubjectOffering.objects.filter(school_year=world.year).update(periods_per_year=MOST_COLUMNS)
    grid = build_grid(world)
    cs, spec, teacher = grid.class_subject, grid.spec, grid.teacher
    cells = students * 2 * (len(spec.column_keys) + 1)
    # SQLite caps the parameters of a statement at 999, so Django splits a large bulk write into a
    # few statements there; PostgreSQL takes the whole grid in one statement a table.
    batched = connection.vendor != "postgresql" and students > 5

    def counted():
        if batched:  # the reads and the transaction as on PostgreSQL; the writes in a few batches
            return django_assert_max_num_queries(WHOLE_GRID_SAVE_QUERIES + 16)
        return django_assert_num_queries(WHOLE_GRID_SAVE_QUERIES)

    versions: dict = {}
    with counted() as created:
        written = services.score_record_many(
            actor=teacher,
            class_subject=cs,
            entries=_whole_grid(grid, "7,5", "Chăm học", versions),
            reason="a",
            spec=spec,
        )
    assert len(written) == cells and {w.status for w in written} == {"new"}
    versions = {w.entry.key: w.version for w in written}
    with counted() as changed:
        written = services.score_record_many(
            actor=teacher, class_subject=cs, entries=_whole_grid(grid, "8", "Rất tốt", versions), reason="b", spec=spec
        )
    assert {w.status for w in written} == {"changed"} and {w.version for w in written} == {2}
    for captured in (created, changed):
        statements = [q["sql"] for q in captured.captured_queries if not q["sql"].startswith(TRANSACTION_CONTROL)]
        # One transaction (in a test, a savepoint inside the test's own transaction).
        assert len(captured) - len(statements) == 2
        # Students, locks, the stored cells and comments: four reads whatever the size.
        assert len([sql for sql in statements if not sql.startswith(("INSERT", "UPDATE"))]) == 4
        if not batched:
            assert len(statements) == G3_STATEMENTS
    # Every cell and its history row, with the user and the reason.
    assert ScoreCell.objects.filter(class_subject=cs, value=8).count() == students * 2 * len(spec.column_keys)
    assert SubjectComment.objects.filter(class_subject=cs, text="Rất tốt").count() == students * 2
    for model in (ScoreCell, SubjectComment):
        history = model.history.filter(class_subject_id=cs.pk)
        assert history.filter(history_type="+", history_change_reason="a", history_user=teacher).count() == (
            model.objects.filter(class_subject=cs).count()
        )
        assert history.filter(history_type="~", history_change_reason="b", history_user=teacher).count() == (
            model.objects.filter(class_subject=cs).count()
        )
        assert not history.exclude(history_user=teacher).exists()


@pytest.mark.parametrize("students", [5, 45])
def test_a_whole_grid_paste_is_all_or_nothing_and_does_not_grow_with_the_class(client, students):
    """The grid's JSON save of the whole grid: a fixed number of queries, the answer's averages
    included (one query for every row), and one bad cell refuses the whole grid."""
    world = make_world(classes=1, students_per_class=students, subjects=1)
    SubjectOffering.objects.filter(school_year=world.year).update(periods_per_year=MOST_COLUMNS)
    grid = build_grid(world)
    client.force_login(grid.teacher)
    url = reverse("grades:paste_apply", args=[grid.class_subject.pk])

    def body(entries):
        rows = [
            {"hs": e.enrolment_id, "term": e.term_id, "col": e.column, "value": e.text, "version": e.version}
            for e in entries
        ]
        return json.dumps({"entries": rows})

    entries = _whole_grid(grid, "7,5", "Chăm học", {})
    bad = list(entries)
    bad[-2] = Entry(bad[-2].enrolment_id, bad[-2].term_id, bad[-2].column, "11", version=0)
    response = client.post(url, body(bad), content_type="application/json")
    assert response.status_code == 400
    assert len(response.json()["errors"]) == 1
    assert not ScoreCell.objects.filter(class_subject=grid.class_subject).exists()
    assert not SubjectComment.objects.filter(class_subject=grid.class_subject).exists()

    with CaptureQueriesContext(connection) as captured:
        response = client.post(url, body(entries), content_type="application/json")
    assert response.status_code == 200
    data = response.json()
    assert len(data["cells"]) == len(entries)
    assert len(data["averages"]) == students
    assert all(row[str(grid.term1.pk)]["display"] == "7,5" for row in data["averages"].values())
    reads = [q for q in captured.captured_queries if not q["sql"].startswith(("INSERT", "UPDATE"))]
    # Session, user, roles, the subject with the right to enter, the grid's definition, students,
    # locks, BEGIN, the stored cells and comments, COMMIT, the rows' averages.
    assert len(reads) == 12
    if connection.vendor == "postgresql":
        assert len(captured) == 16
