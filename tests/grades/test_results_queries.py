"""The class overview, the conduct page, the results page and the engine's inputs run the same
number of queries for a class of 10 and a class of 40 students (no N+1)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from grades.class_inputs import class_inputs
from grades.models import TERM1, YEAR
from grades.results_selectors import approved_results
from grades.results_services import results_compute
from tests.grades.results_world import complete_months, fill_term, make_results_world, rate

pytestmark = pytest.mark.django_db


def filled(students):
    world = make_results_world("tt22_2021", students=students, grade=6)
    values = lambda i, code: "Đ" if code == "gdtc" else 5 + i % 5  # noqa: E731
    fill_term(world, 1, values)
    fill_term(world, 2, values)
    rate(world, TERM1, "Tốt")
    rate(world, "term2", "Khá")
    complete_months(world)
    results_compute(actor=world.homeroom, class_group=world.class_group, period=TERM1)
    results_compute(actor=world.homeroom, class_group=world.class_group, period=YEAR)
    return world


@pytest.fixture
def worlds():
    return filled(10), filled(40)


def count(fn) -> int:
    with CaptureQueriesContext(connection) as ctx:
        fn()
    return len(ctx.captured_queries)


def test_the_engine_inputs_of_a_class_take_a_fixed_number_of_queries(worlds):
    small, large = worlds
    counts = [count(lambda w=w: class_inputs(w.class_group)) for w in worlds]
    assert counts[0] == counts[1] == 9
    assert len(class_inputs(large.class_group).students) == 40 and small


@pytest.mark.parametrize(
    "url_name", ["grades:overview", "grades:results", "grades:conduct"], ids=["overview", "results", "conduct"]
)
@pytest.mark.parametrize("slug", ["hoc-ki-1", "ca-nam"])
def test_the_pages_take_a_fixed_number_of_queries(client, worlds, url_name, slug):
    counts = []
    for world in worlds:
        client.force_login(world.users[Role.PRINCIPAL])
        url = reverse(url_name, args=[world.class_group.pk, slug])
        client.get(url)  # warm the session and the caches of the first request
        with CaptureQueriesContext(connection) as ctx:
            response = client.get(url)
        assert response.status_code == 200
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1], counts
    assert counts[0] <= 17  # overview 14, conduct 15-16, results 17 (5 of them: session, user, roles, access)


def test_computing_the_results_takes_a_fixed_number_of_queries(worlds):
    counts = [
        count(lambda w=w: results_compute(actor=w.homeroom, class_group=w.class_group, period=YEAR, reason="lại"))
        for w in worlds
    ]
    assert counts[0] == counts[1], counts


def test_approved_results_is_two_queries(worlds):
    small, _large = worlds
    assert count(lambda: approved_results(small.class_group, YEAR)) == 1  # none approved yet: one query
