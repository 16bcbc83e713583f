"""The register's pages and the grid's save run the same number of queries for 10 and 50 students."""

import json
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from tests.attendance.helpers import enrolments, mark
from tests.factories import make_world

pytestmark = pytest.mark.django_db


def with_marks(size: int):
    world = make_world(classes=1, students_per_class=size)
    cls, teacher = world.classes[0], world.users["homeroom"]
    studs = enrolments(cls)
    # Every student has marks, one has left, one arrived late: every branch of the page is drawn.
    mark(cls, teacher, *[(e, date(2026, 10, 5 + i % 5), "PKM"[i % 3]) for i, e in enumerate(studs)])
    from schools.services import enrolment_leave

    enrolment_leave(enrolment=studs[0], status="dropped_out", left_on=date(2026, 10, 20), actor=teacher)
    return world


def count(client, user, url, method="get", **kwargs) -> int:
    client.force_login(user)
    with CaptureQueriesContext(connection) as ctx:
        response = getattr(client, method)(url, **kwargs)
    assert response.status_code in (200, 302), response.status_code
    return len(ctx.captured_queries)


@pytest.mark.parametrize("who", ["homeroom", Role.PRINCIPAL])
@pytest.mark.parametrize("page", ["attendance:register", "attendance:grid", "attendance:summary", "attendance:profile"])
def test_pages_do_not_grow_with_the_class(client, page, who):
    counts = []
    for size in (10, 50):
        world = with_marks(size)
        cls = world.classes[0]
        args = {
            "attendance:register": [cls.pk],
            "attendance:grid": [cls.pk, 2026, 10],
            "attendance:summary": [cls.pk],
            "attendance:profile": [cls.pk, enrolments(cls)[1].pk],
        }[page]
        counts.append(count(client, world.users[who], reverse(page, args=args)))
    assert counts[0] == counts[1]


def test_saving_a_whole_day_does_not_grow_with_the_class(client):
    counts = []
    for size in (10, 50):
        world = with_marks(size)
        cls = world.classes[0]
        studs = enrolments(cls)
        # Most cells are new, some change an existing mark. (Beyond ~75 cells SQLite splits the
        # history insert into batches of 999 parameters: batching, not a query per cell.)
        cells = [
            {"enrolment": e.pk, "date": "2026-10-05", "session": "all", "code": "K", "version": 1 if i % 5 == 0 else 0}
            for i, e in enumerate(studs)
        ]
        url = reverse("attendance:save", args=[cls.pk, 2026, 10])
        body = json.dumps({"cells": cells})
        counts.append(count(client, world.users["homeroom"], url, "post", data=body, content_type="application/json"))
    assert counts[0] == counts[1]
