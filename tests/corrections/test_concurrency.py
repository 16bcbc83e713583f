"""Two people press their button at the same moment: the minutes' row lock makes one wait for the
other, so the correction is applied exactly once (real transactions, one connection per thread).
Meaningful on PostgreSQL (``SELECT … FOR UPDATE``), so marked ``services``: ``make test-services``
runs it there (SQLite's in-memory test database refuses two writing threads outright)."""

import threading

import pytest
from django.db import connections

from corrections import services
from corrections.models import Correction
from grades.models import ScoreCell
from tests.corrections.conftest import approved, enter_scores, lock, make_book

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.services]


def test_the_teacher_and_the_admin_confirming_together_apply_the_correction_once(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    book = make_book()
    enter_scores(book, {(0, "regular_1"): "7"})
    lock(book)
    correction = approved(book)
    barrier = threading.Barrier(2)
    errors: list[BaseException] = []

    def confirm(user):
        try:
            barrier.wait(timeout=10)
            services.correction_confirm(actor=user, correction=Correction.objects.get(pk=correction.pk))
        except BaseException as exc:  # collected and asserted below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(user,)) for user in (book.teacher, book.admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert errors == []
    done = Correction.objects.get(pk=correction.pk)
    assert done.status == Correction.Status.APPLIED
    assert done.teacher_applied_at and done.admin_applied_at
    cell = ScoreCell.objects.get(enrolment=book.enrolments[0], column="regular_1")
    assert cell.display == "9,0" and cell.version == 2
    assert cell.history.count() == 2  # entered once, corrected once


def test_two_administrators_confirming_together_record_one_confirmation(settings, tmp_path):
    from accounts.models import Role
    from tests.factories import make_user

    settings.MEDIA_ROOT = tmp_path
    book = make_book()
    enter_scores(book, {(0, "regular_1"): "7"})
    lock(book)
    correction = approved(book)
    second_admin = make_user(book.world.school, Role.ADMIN_BOARD)
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def confirm(user):
        try:
            barrier.wait(timeout=10)
            services.correction_confirm(actor=user, correction=Correction.objects.get(pk=correction.pk))
            outcomes.append("ok")
        except services.ValidationError as exc:
            outcomes.append(" ".join(exc.messages))
        finally:
            connections.close_all()

    threads = [threading.Thread(target=confirm, args=(user,)) for user in (book.admin, second_admin)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert sorted(outcomes)[1] == "ok"
    assert "đã xác nhận" in sorted(outcomes)[0]
    done = Correction.objects.get(pk=correction.pk)
    assert done.status == Correction.Status.APPROVED and done.admin_applied_by in (book.admin, second_admin)
    assert ScoreCell.objects.get(enrolment=book.enrolments[0], column="regular_1").display == "7,0"
