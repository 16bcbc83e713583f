"""Lock decisions: the principal decides, the admin board carries out, the audit trail keeps both."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from corrections import services
from schools.locks import LockMap
from schools.models import BookLock
from tests.corrections.conftest import make_book

pytestmark = pytest.mark.django_db


@pytest.fixture
def book(db):
    return make_book(classes=2)


def decide(book, **kw):
    kw.setdefault("action", BookLock.Action.LOCK)
    kw.setdefault("scope", BookLock.Scope.SCHOOL)
    kw.setdefault("reason", "Khóa sổ học kì I")
    kw.setdefault("term", book.term)
    return services.lock_decide(actor=kw.pop("actor", book.principal), school_year=book.world.year, **kw)


def locked(book, *, column="regular_1", class_subject=None, moment=None, class_group=None):
    class_group = class_group or book.cs.class_group
    cs = class_subject if class_subject is not None else book.cs
    return LockMap(class_group, book.term, moment).state(class_subject_id=cs.pk if cs else None, column=column).locked


def test_a_decision_locks_nothing_until_the_admin_board_carries_it_out(book):
    rows = decide(book)
    assert not locked(book)
    executed = services.lock_execute(actor=book.admin, lock=rows[0])
    assert locked(book)
    row = BookLock.objects.get(pk=executed[0].pk)
    assert row.decided_by == book.principal and row.executed_by == book.admin
    assert row.decision_reference == "QĐ-KS 01/2026-2027"
    history = list(row.history.order_by("history_id"))
    assert [h.history_user for h in history] == [book.principal, book.admin]
    assert history[0].history_change_reason == "Quyết định QĐ-KS 01/2026-2027: Khóa sổ học kì I"
    assert history[1].history_change_reason == "Thực hiện quyết định QĐ-KS 01/2026-2027"


def test_only_the_principal_decides_and_only_the_admin_board_carries_out(book):
    for who in (book.admin, book.teacher, book.world.users["vice_principal"]):
        with pytest.raises(PermissionDenied):
            decide(book, actor=who)
    rows = decide(book)
    for who in (book.principal, book.teacher):
        with pytest.raises(PermissionDenied):
            services.lock_execute(actor=who, lock=rows[0])
    assert BookLock.objects.filter(executed_at__isnull=False).count() == 0


def test_a_principal_of_another_school_cannot_decide_for_this_one(book):
    other = make_book()
    with pytest.raises(PermissionDenied):
        services.lock_decide(
            actor=other.principal,
            school_year=book.world.year,
            action="lock",
            scope=BookLock.Scope.SCHOOL,
            reason="x",
            term=book.term,
        )
    assert not BookLock.objects.filter(school_year=book.world.year).exists()


def test_a_decision_is_carried_out_once(book):
    rows = decide(book)
    services.lock_execute(actor=book.admin, lock=rows[0])
    with pytest.raises(ValidationError, match="đã được thực hiện"):
        services.lock_execute(actor=book.admin, lock=rows[0])


@pytest.mark.parametrize(
    ("kw", "message"),
    [
        ({"action": "unlock", "ends_at": None}, "Mở sổ phải có thời điểm kết thúc"),
        ({"reason": "   "}, "Ghi lí do"),
        ({"scope": BookLock.Scope.COLUMN}, "Chọn một môn"),
        ({"scope": BookLock.Scope.GRADE, "grade_level": 11}, "Chọn một khối lớp"),
        ({"column": "tx1"}, "Không có cột"),
        ({"term": None}, "kết quả cả năm"),
        ({"column": "summer"}, "thuộc về cả năm"),
    ],
)
def test_bad_decisions_are_refused_with_a_message_and_nothing_stored(book, kw, message):
    with pytest.raises(ValidationError, match=message):
        decide(book, **kw)
    assert not BookLock.objects.exists()


def test_times_are_checked(book):
    now = timezone.now()
    with pytest.raises(ValidationError, match="thời điểm đã qua"):
        decide(book, starts_at=now - timedelta(days=1))
    with pytest.raises(ValidationError, match="phải sau thời điểm bắt đầu"):
        decide(book, starts_at=now + timedelta(hours=2), ends_at=now + timedelta(hours=1))
    assert not BookLock.objects.exists()


def test_a_column_lock_needs_a_column_and_locks_only_it(book):
    with pytest.raises(ValidationError, match="Chọn cột"):
        decide(book, scope=BookLock.Scope.COLUMN, class_subject=book.cs)
    rows = decide(book, scope=BookLock.Scope.COLUMN, class_subject=book.cs, column="midterm")
    services.lock_execute(actor=book.admin, lock=rows[0])
    assert locked(book, column="midterm")
    assert not locked(book, column="regular_1")
    assert rows[0].class_group == book.cs.class_group


def test_a_lock_scheduled_for_the_entry_deadline_starts_then(book):
    term = book.term
    term.regular_entry_deadline = timezone.localdate() + timedelta(days=3)
    term.save()
    starts = services.deadline_moment(term.regular_entry_deadline)
    rows = decide(book, starts_at=starts, reason="Hết hạn nhập điểm thường xuyên")
    services.lock_execute(actor=book.admin, lock=rows[0])
    assert not locked(book)
    assert not locked(book, moment=starts - timedelta(seconds=1))
    assert locked(book, moment=starts)
    assert timezone.localtime(starts).date() == term.regular_entry_deadline + timedelta(days=1)
    assert timezone.localtime(starts).hour == 0


def test_an_unlock_opens_a_window_and_the_book_locks_again_after_it(book):
    services.lock_execute(actor=book.admin, lock=decide(book)[0])
    ends = timezone.now() + timedelta(days=2)
    unlock = decide(
        book, action="unlock", scope=BookLock.Scope.CLASS, class_group=book.cs.class_group, ends_at=ends, reason="Mở"
    )
    assert locked(book)  # decided, not carried out yet
    services.lock_execute(actor=book.admin, lock=unlock[0])
    assert not locked(book)
    assert locked(book, class_group=book.world.classes[1], class_subject=False)
    assert locked(book, moment=ends)


def test_locking_the_year_results_locks_both_terms_as_well(book):
    rows = decide(book, term=None, column="results", scope=BookLock.Scope.GRADE, grade_level=6)
    assert len(rows) == 3 and {r.column for r in rows} == {"results", ""}
    assert len({r.decision_reference for r in rows}) == 1
    services.lock_execute(actor=book.admin, lock=rows[0])
    assert BookLock.objects.filter(executed_by=book.admin).count() == 3
    assert LockMap(book.cs.class_group, None).state(column="results").locked
    term2 = book.world.year.terms.get(number=2)
    for term in (book.term, term2):
        locks = LockMap(book.cs.class_group, term)
        assert locks.state(class_subject_id=book.cs.pk, column="final").locked
        assert locks.state(column="conduct").locked
        assert locks.state(column="attendance").locked


def test_the_summer_results_lock_and_unlock_on_their_own(book):
    class_group = book.cs.class_group
    rows = decide(book, term=None, column="summer", scope=BookLock.Scope.CLASS, class_group=class_group)
    assert [(r.term, r.column) for r in rows] == [(None, "summer")]  # the terms are not locked with it
    services.lock_execute(actor=book.admin, lock=rows[0])
    assert LockMap(class_group, None).state(column="summer").locked
    assert not LockMap(class_group, None).state(column="results").locked
    assert not locked(book)
    now = timezone.now()
    unlock = decide(
        book,
        action=BookLock.Action.UNLOCK,
        term=None,
        column="summer",
        scope=BookLock.Scope.CLASS,
        class_group=class_group,
        reason="Mở để ghi kết quả kiểm tra lại",
        ends_at=now + timedelta(days=2),
    )
    services.lock_execute(actor=book.admin, lock=unlock[0])
    assert not LockMap(class_group, None).state(column="summer").locked
    assert LockMap(class_group, None, now + timedelta(days=3)).state(column="summer").locked


def test_a_term_lock_covers_the_averages_and_results_derived_from_it(book):
    services.lock_execute(actor=book.admin, lock=decide(book)[0])
    assert LockMap(book.cs.class_group, book.term).state(column="results").locked


def test_a_decision_not_in_force_can_be_withdrawn_and_the_trail_keeps_it(book):
    rows = decide(book)
    with pytest.raises(ValidationError, match="lí do"):
        services.lock_withdraw(actor=book.principal, lock=rows[0], reason="")
    assert services.lock_withdraw(actor=book.principal, lock=rows[0], reason="Nhầm phạm vi") == 1
    assert not BookLock.objects.exists()
    deleted = BookLock.history.get(history_type="-")
    assert deleted.history_user == book.principal
    assert "Nhầm phạm vi" in deleted.history_change_reason


def test_a_decision_in_force_cannot_be_withdrawn(book):
    rows = services.lock_execute(actor=book.admin, lock=decide(book)[0])
    with pytest.raises(ValidationError, match="đã có hiệu lực"):
        services.lock_withdraw(actor=book.principal, lock=rows[0], reason="Đổi ý")
    assert BookLock.objects.count() == 1


def test_a_decision_whose_period_is_over_cannot_be_carried_out(book):
    now = timezone.now()
    rows = decide(book, action="unlock", ends_at=now + timedelta(hours=1), reason="Mở một giờ")
    with pytest.raises(ValidationError, match="đã qua"):
        services.lock_execute(actor=book.admin, lock=rows[0], now=now + timedelta(hours=2))
    assert BookLock.objects.get().executed_at is None
