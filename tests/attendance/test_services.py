"""Recording attendance: cells checked one by one, the whole batch refused on any bad cell,
versions against lost updates, history on every change, locks and completed months honoured."""

from datetime import date, timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role
from attendance.models import AttendanceMark, MonthCompletion
from attendance.services import (
    AttendanceConflict,
    CellChange,
    attendance_month_complete,
    attendance_month_reopen,
    attendance_record_many,
)
from schools.models import BookLock
from schools.services import calendar_day_set, enrolment_leave
from tests.attendance.helpers import enrolments, mark
from tests.factories import make_world

pytestmark = pytest.mark.django_db

MON = date(2026, 10, 5)  # a Monday of term I
LATER = date(2027, 6, 30)


@pytest.fixture
def setup(world):
    return world, world.classes[0], world.users["homeroom"], enrolments(world.classes[0])


def record(class_group, actor, changes, today=LATER):
    return attendance_record_many(class_group=class_group, changes=changes, actor=actor, today=today)


def test_recording_cells_writes_one_history_row_per_cell_with_the_user_and_reason(setup):
    _world, cls, teacher, studs = setup
    record(
        cls,
        teacher,
        [CellChange(studs[0].pk, MON, "all", "P", 0), CellChange(studs[1].pk, MON, "all", "K", 0)],
    )
    marks = AttendanceMark.objects.order_by("enrolment_id")
    assert [(m.code, m.version, m.updated_by_id) for m in marks] == [("P", 1, teacher.pk), ("K", 1, teacher.pk)]
    history = AttendanceMark.history.all()
    assert history.count() == 2
    assert {h.history_user_id for h in history} == {teacher.pk}
    assert {h.history_change_reason for h in history} == {"Điểm danh tháng 10/2026"}


def test_changing_and_clearing_a_cell_bumps_its_version_and_keeps_the_trail(setup):
    _world, cls, teacher, studs = setup
    record(cls, teacher, [CellChange(studs[0].pk, MON, "all", "P", 0)])
    record(cls, teacher, [CellChange(studs[0].pk, MON, "all", "K", 1)])
    record(cls, teacher, [CellChange(studs[0].pk, MON, "all", "", 2)])
    cell = AttendanceMark.objects.get()
    assert (cell.code, cell.version) == ("", 3)
    assert list(cell.history.order_by("history_date").values_list("code", flat=True)) == ["P", "K", ""]


def test_an_unchanged_cell_writes_nothing(setup):
    _world, cls, teacher, studs = setup
    record(cls, teacher, [CellChange(studs[0].pk, MON, "all", "P", 0)])
    assert record(cls, teacher, [CellChange(studs[0].pk, MON, "all", "P", 1)]) == []
    assert record(cls, teacher, [CellChange(studs[1].pk, MON, "all", "", 0)]) == []
    assert AttendanceMark.history.count() == 1


def test_a_cell_changed_by_someone_else_since_loading_is_a_conflict_and_nothing_is_written(setup):
    _world, cls, teacher, studs = setup
    record(cls, teacher, [CellChange(studs[0].pk, MON, "all", "P", 0)])
    # A second tab loaded the page before the first save: it still believes the cell is empty.
    with pytest.raises(AttendanceConflict) as caught:
        record(
            cls,
            teacher,
            [CellChange(studs[1].pk, MON, "all", "M", 0), CellChange(studs[0].pk, MON, "all", "K", 0)],
        )
    conflict = caught.value.conflicts[0]
    assert (conflict.enrolment_id, conflict.code, conflict.version) == (studs[0].pk, "P", 1)
    assert teacher.full_name in caught.value.message and "không lưu" in caught.value.message
    assert list(AttendanceMark.objects.values_list("enrolment_id", "code")) == [(studs[0].pk, "P")]


def test_a_stale_version_of_an_existing_cell_is_a_conflict(setup):
    _world, cls, teacher, studs = setup
    record(cls, teacher, [CellChange(studs[0].pk, MON, "all", "P", 0)])
    record(cls, teacher, [CellChange(studs[0].pk, MON, "all", "K", 1)])
    with pytest.raises(AttendanceConflict):
        record(cls, teacher, [CellChange(studs[0].pk, MON, "all", "M", 1)])
    assert AttendanceMark.objects.get().code == "K"


def refused(cls, teacher, changes, today=LATER) -> str:
    with pytest.raises(ValidationError) as caught:
        record(cls, teacher, changes, today=today)
    return " ".join(caught.value.messages)


def test_days_that_are_not_school_days_are_refused(setup):
    _world, cls, teacher, studs = setup
    e = studs[0].pk
    assert "không phải ngày học" in refused(cls, teacher, [CellChange(e, date(2026, 10, 4), "all", "P", 0)])  # Sunday
    assert "không phải ngày học" in refused(cls, teacher, [CellChange(e, date(2026, 11, 24), "all", "P", 0)])  # holiday
    assert "không phải ngày học" in refused(
        cls, teacher, [CellChange(e, date(2026, 9, 4), "all", "P", 0)]
    )  # before year
    calendar_day_set(school=cls.school_year.school, day=MON, is_school_day=False, reason="Bão số 3", actor=teacher)
    assert "không phải ngày học" in refused(cls, teacher, [CellChange(e, MON, "all", "P", 0)])
    assert AttendanceMark.objects.count() == 0


def test_one_bad_cell_refuses_the_whole_batch(setup):
    _world, cls, teacher, studs = setup
    message = refused(
        cls,
        teacher,
        [
            CellChange(studs[0].pk, MON, "all", "P", 0),
            CellChange(studs[1].pk, MON, "all", "X", 0),
            CellChange(studs[2].pk, date(2026, 10, 3), "all", "K", 0),
        ],
    )
    assert "“X” không phải mã điểm danh" in message
    assert studs[1].student.full_name in message and "03/10/2026" in message
    assert AttendanceMark.objects.count() == 0


def test_a_student_of_another_class_is_refused(setup):
    _world, cls, teacher, _studs = setup
    other = make_world(classes=1, students_per_class=1)
    stranger = enrolments(other.classes[0])[0]
    message = refused(cls, teacher, [CellChange(stranger.pk, MON, "all", "P", 0)])
    assert "không thuộc lớp 6A" in message
    assert AttendanceMark.objects.count() == 0


def test_days_before_arrival_and_after_leaving_are_refused(setup):
    _world, cls, teacher, studs = setup
    enrolment_leave(enrolment=studs[0], status="transferred_out", left_on=date(2026, 10, 15), actor=teacher)
    studs[1].enrolled_on = date(2026, 10, 12)
    studs[1].save()
    assert "không có trong lớp" in refused(cls, teacher, [CellChange(studs[0].pk, date(2026, 10, 15), "all", "P", 0)])
    assert "không có trong lớp" in refused(cls, teacher, [CellChange(studs[1].pk, date(2026, 10, 9), "all", "P", 0)])
    record(cls, teacher, [CellChange(studs[0].pk, date(2026, 10, 14), "all", "P", 0)])
    record(cls, teacher, [CellChange(studs[1].pk, date(2026, 10, 12), "all", "P", 0)])
    assert AttendanceMark.objects.count() == 2


def test_the_session_must_match_the_school(setup):
    _world, cls, teacher, studs = setup
    assert "không ghi buổi" in refused(cls, teacher, [CellChange(studs[0].pk, MON, "am", "P", 0)])
    school = cls.school_year.school
    school.two_sessions = True
    school.save()
    assert "không ghi buổi" in refused(cls, teacher, [CellChange(studs[0].pk, MON, "all", "P", 0)])
    record(cls, teacher, [CellChange(studs[0].pk, MON, "am", "P", 0), CellChange(studs[0].pk, MON, "pm", "K", 0)])
    assert AttendanceMark.objects.count() == 2


def test_only_leave_can_be_recorded_ahead_of_the_day(setup):
    _world, cls, teacher, studs = setup
    message = refused(cls, teacher, [CellChange(studs[0].pk, MON, "all", "K", 0)], today=MON - timedelta(days=3))
    assert "nghỉ có phép (P)" in message
    record(cls, teacher, [CellChange(studs[0].pk, MON, "all", "P", 0)], today=MON - timedelta(days=3))
    assert AttendanceMark.objects.get().code == "P"


def test_a_locked_term_refuses_attendance(setup):
    world, cls, teacher, studs = setup
    term = world.year.terms.get(number=1)
    BookLock.objects.create(
        school_year=world.year,
        term=term,
        action=BookLock.Action.LOCK,
        scope=BookLock.Scope.CLASS,
        class_group=cls,
        column="attendance",
        starts_at=timezone.now() - timedelta(hours=1),
        reason="Khóa điểm danh học kì I",
        decided_by=world.users[Role.PRINCIPAL],
        executed_by=world.users[Role.ADMIN_BOARD],
        executed_at=timezone.now(),
    )
    assert "Khóa điểm danh học kì I" in refused(cls, teacher, [CellChange(studs[0].pk, MON, "all", "P", 0)])
    # Term II is not locked.
    record(cls, teacher, [CellChange(studs[0].pk, date(2027, 3, 1), "all", "P", 0)])
    assert AttendanceMark.objects.count() == 1


def test_a_completed_month_is_read_only_until_reopened_with_a_reason(setup):
    _world, cls, teacher, studs = setup
    mark(cls, teacher, (studs[0], MON, "P"))
    completion = attendance_month_complete(class_group=cls, year=2026, month=10, actor=teacher, today=LATER)
    assert completion.history.get().history_user_id == teacher.pk
    assert "hoàn thành" in refused(cls, teacher, [CellChange(studs[1].pk, MON, "all", "K", 0)])
    with pytest.raises(ValidationError):
        attendance_month_reopen(class_group=cls, year=2026, month=10, actor=teacher, reason="  ")
    attendance_month_reopen(class_group=cls, year=2026, month=10, actor=teacher, reason="Nhập thiếu một buổi")
    assert not MonthCompletion.objects.exists()
    deleted = MonthCompletion.history.filter(history_type="-").get()
    assert (deleted.history_user_id, deleted.history_change_reason) == (teacher.pk, "Nhập thiếu một buổi")
    mark(cls, teacher, (studs[1], MON, "K"))
    assert AttendanceMark.objects.count() == 2


def test_a_month_can_be_completed_only_once_and_only_after_its_last_school_day(setup):
    _world, cls, teacher, _studs = setup
    with pytest.raises(ValidationError) as caught:
        attendance_month_complete(class_group=cls, year=2026, month=10, actor=teacher, today=date(2026, 10, 29))
    assert "30/10/2026" in caught.value.messages[0]
    attendance_month_complete(class_group=cls, year=2026, month=10, actor=teacher, today=date(2026, 10, 30))
    with pytest.raises(ValidationError):
        attendance_month_complete(class_group=cls, year=2026, month=10, actor=teacher, today=LATER)
    with pytest.raises(ValidationError):
        attendance_month_complete(class_group=cls, year=2026, month=7, actor=teacher, today=LATER)
    assert MonthCompletion.objects.count() == 1
