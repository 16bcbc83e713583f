"""Lock resolution: the most specific row in force decides; scheduled and unexecuted rows do not."""

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.models import Role
from schools.locks import LockMap, lock_state
from schools.models import BookLock, ClassSubject
from tests.factories import make_world

pytestmark = pytest.mark.django_db


@pytest.fixture
def setup():
    world = make_world(classes=2, students_per_class=1, subjects=2)
    term = world.year.terms.get(number=1)
    principal = world.users[Role.PRINCIPAL]
    admin = world.users[Role.ADMIN_BOARD]
    now = timezone.now()

    def add(action, scope, *, start=-1, end=None, executed=True, **where):
        return BookLock.objects.create(
            school_year=world.year,
            term=where.pop("term", term),
            action=action,
            scope=scope,
            starts_at=now + timedelta(hours=start),
            ends_at=None if end is None else now + timedelta(hours=end),
            reason=where.pop("reason", "Khóa sổ cuối học kì"),
            decided_by=principal,
            executed_by=admin if executed else None,
            executed_at=now if executed else None,
            **where,
        )

    return world, term, add


def test_nothing_is_locked_by_default(setup):
    world, term, _add = setup
    cs = ClassSubject.objects.filter(class_group=world.classes[0]).first()
    assert not lock_state(class_group=world.classes[0], term=term, column="gk", class_subject=cs).locked


def test_a_school_lock_locks_every_column_of_every_class(setup):
    world, term, add = setup
    add(BookLock.Action.LOCK, BookLock.Scope.SCHOOL)
    for class_group in world.classes:
        locks = LockMap(class_group, term)
        for cs in ClassSubject.objects.filter(class_group=class_group):
            state = locks.state(class_subject_id=cs.pk, column="tx1")
            assert state.locked and "Khóa sổ cuối học kì" in state.message
        assert locks.state(column="attendance").locked


def test_a_narrower_unlock_opens_a_window_and_the_lock_returns_after_it(setup):
    world, term, add = setup
    add(BookLock.Action.LOCK, BookLock.Scope.SCHOOL)
    cs_a, cs_b = ClassSubject.objects.filter(class_group=world.classes[0]).order_by("pk")
    add(BookLock.Action.UNLOCK, BookLock.Scope.CLASS_SUBJECT, class_subject=cs_a, end=24, reason="Mở để sửa")
    locks = LockMap(world.classes[0], term)
    assert not locks.state(class_subject_id=cs_a.pk, column="gk").locked
    assert locks.state(class_subject_id=cs_b.pk, column="gk").locked
    later = timezone.now() + timedelta(hours=25)
    assert LockMap(world.classes[0], term, later).state(class_subject_id=cs_a.pk, column="gk").locked


def test_a_column_lock_locks_only_that_column(setup):
    world, term, add = setup
    cs = ClassSubject.objects.filter(class_group=world.classes[0]).first()
    add(BookLock.Action.LOCK, BookLock.Scope.COLUMN, class_subject=cs, column="gk", reason="Hạn nhập điểm giữa kì")
    locks = LockMap(world.classes[0], term)
    assert locks.state(class_subject_id=cs.pk, column="gk").locked
    assert not locks.state(class_subject_id=cs.pk, column="tx1").locked
    assert not LockMap(world.classes[1], term).state(class_subject_id=cs.pk, column="gk").locked


def test_a_scheduled_lock_is_not_in_force_before_its_time(setup):
    world, term, add = setup
    add(BookLock.Action.LOCK, BookLock.Scope.CLASS, class_group=world.classes[0], start=2)
    assert not LockMap(world.classes[0], term).state(column="conduct").locked
    soon = timezone.now() + timedelta(hours=3)
    assert LockMap(world.classes[0], term, soon).state(column="conduct").locked


def test_a_decision_not_yet_carried_out_locks_nothing(setup):
    world, term, add = setup
    add(BookLock.Action.LOCK, BookLock.Scope.GRADE, grade_level=6, executed=False)
    assert not LockMap(world.classes[0], term).state(column="gk").locked


def test_a_grade_lock_and_the_year_results(setup):
    world, term, add = setup
    add(BookLock.Action.LOCK, BookLock.Scope.GRADE, grade_level=6, term=None, column="results")
    assert LockMap(world.classes[0], None).state(column="results").locked
    assert not LockMap(world.classes[0], term).state(column="gk").locked


def test_the_map_reads_once_whatever_the_number_of_columns(setup, django_assert_num_queries):
    world, term, add = setup
    add(BookLock.Action.LOCK, BookLock.Scope.SCHOOL)
    with django_assert_num_queries(1):
        locks = LockMap(world.classes[0], term)
        for column in ("tx1", "tx2", "tx3", "gk", "ck", "comment", "conduct"):
            assert locks.state(class_subject_id=None, column=column).locked
