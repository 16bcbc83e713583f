"""Correction signals for the leadership (LC Đ4.4): corrections per teacher and per class this term,
and the teachers whose cells changed many times."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Role
from corrections import services
from corrections.models import CorrectionPolicy
from corrections.selectors import correction_signals
from tests.corrections.conftest import approved, draft, enter_scores, lock, make_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def busy(db):
    book = make_book(students=4)
    enter_scores(book, {(i, "regular_1"): "5" for i in range(4)})
    for value in ("6", "7", "8"):  # the teacher changes the same cells again and again
        enter_scores(book, {(i, "regular_1"): value for i in range(4)})
    lock(book)
    services.correction_submit(
        actor=book.teacher, correction=draft(book, [(0, "regular_1", "9"), (1, "regular_1", "9")])
    )
    draft(book, [(2, "regular_1", "9")])  # a draft is not counted
    return book


def test_counts_per_teacher_and_class_and_the_flag(busy):
    book = busy
    CorrectionPolicy.objects.create(school=book.world.school, many_changes_threshold=10)
    data = correction_signals(book.world.year, book.term)
    row = next(r for r in data.by_teacher if r.name == book.teacher.full_name)
    assert (row.minutes, row.lines, row.pending, row.cell_changes) == (1, 2, 1, 12)
    assert row.flagged and [r.name for r in data.flagged] == [book.teacher.full_name]
    klass = next(r for r in data.by_class if r.name == book.cs.class_group.name)
    assert (klass.minutes, klass.lines, klass.cell_changes) == (1, 2, 12)


def test_below_the_threshold_nobody_is_flagged(busy):
    CorrectionPolicy.objects.create(school=busy.world.school, many_changes_threshold=50)
    assert correction_signals(busy.world.year, busy.term).flagged == []


def test_an_applied_correction_counts_as_minutes_of_the_teacher_not_as_changes_of_the_admin(db):
    book = make_book()
    enter_scores(book, {(0, "regular_1"): "5"})
    lock(book)
    correction = approved(book)
    services.correction_confirm(actor=book.teacher, correction=correction)
    services.correction_confirm(actor=book.admin, correction=correction)
    data = correction_signals(book.world.year, book.term)
    assert [r.name for r in data.by_teacher] == [book.teacher.full_name]
    teacher = data.by_teacher[0]
    assert (teacher.minutes, teacher.lines, teacher.pending, teacher.cell_changes) == (1, 1, 0, 0)


@pytest.mark.parametrize(
    ("who", "status"),
    [("principal", 200), ("vice_principal", 200), ("admin", 403), ("teacher", 403), ("office", 403)],
)
def test_the_signals_page(client, busy, who, status):
    users = {
        "principal": busy.principal,
        "vice_principal": busy.world.users[Role.VICE_PRINCIPAL],
        "admin": busy.admin,
        "teacher": busy.teacher,
        "office": busy.world.users[Role.OFFICE],
    }
    client.force_login(users[who])
    response = client.get(reverse("corrections:signals"), {"term": busy.term.pk})
    assert response.status_code == status
    if status == 200:
        body = response.content.decode()
        assert "Giáo viên sửa điểm nhiều lần" in body
        assert f"<strong>{busy.teacher.full_name}</strong>: 12 lần sửa ô điểm, 2 ô trong biên bản sửa điểm" in body


def test_the_signals_cost_the_same_whatever_the_school_size(db):
    counts = []
    for classes in (1, 4):
        book = make_book(classes=classes, students=3)
        enter_scores(book, {(i, "regular_1"): "5" for i in range(3)})
        enter_scores(book, {(i, "regular_1"): "6" for i in range(3)})
        lock(book)
        services.correction_submit(actor=book.teacher, correction=draft(book))
        with CaptureQueriesContext(connection) as ctx:
            correction_signals(book.world.year, book.term)
        counts.append(len(ctx.captured_queries))
    assert counts[0] == counts[1]
