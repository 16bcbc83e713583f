"""Attendance after a lock: a direct write is refused; minutes approved by the principal change the
marks they list (corrections' attendance target → attendance.services.attendance_record_many with
the minutes as ``correction``), with the minutes in the history, and the lock stays in force; a mark
that moved after the minutes were drawn up refuses the whole batch."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from attendance.models import AttendanceMark
from attendance.services import CellChange, attendance_month_complete, attendance_record_many
from corrections import services
from corrections.models import Correction
from corrections.targets import Cell, Change, StaleCells, target_for
from schools.locks import LockMap
from schools.models import BookLock
from tests.corrections.conftest import lock, make_book, pdf_upload

pytestmark = pytest.mark.django_db

DAY = date(2026, 11, 2)
OTHER_DAY = date(2026, 11, 3)
COLUMN = f"{DAY.isoformat()}/all"
OTHER_COLUMN = f"{OTHER_DAY.isoformat()}/all"


@pytest.fixture
def locked():
    book = make_book()
    class_group = book.cs.class_group
    attendance_record_many(
        class_group=class_group,
        changes=[
            CellChange(book.enrolments[0].pk, DAY, "all", "K", 0),
            CellChange(book.enrolments[1].pk, OTHER_DAY, "all", "P", 0),
        ],
        actor=book.homeroom,
    )
    lock(book, scope=BookLock.Scope.CLASS, class_group=class_group, column="attendance")
    return book


def _mark(enrolment, day=DAY):
    return AttendanceMark.objects.filter(enrolment=enrolment, date=day, session="all").first()


def _draft(book, lines):
    correction = services.correction_create(
        actor=book.homeroom, kind="attendance", term=book.term, class_group=book.cs.class_group
    )
    for index, column, value in lines:
        services.correction_line_add(
            actor=book.homeroom,
            correction=correction,
            enrolment=book.enrolments[index],
            column=column,
            new_value=value,
            reason_code="entry_error",
            reason_text="Học sinh có đơn xin phép của cha mẹ",
        )
    # One document is enough for attendance (a parent's leave letter); scores need two kinds.
    services.evidence_add(actor=book.homeroom, correction=correction, upload=pdf_upload("don.pdf"), kind="other")
    return correction


def _approve(book, correction):
    correction = services.correction_submit(actor=book.homeroom, correction=correction)
    return services.correction_decide(actor=book.principal, correction=correction, approve=True, comment="Đồng ý")


def test_attendance_is_a_wired_kind_of_minutes():
    assert target_for("attendance").is_wired()


def test_a_direct_write_to_a_locked_mark_is_refused(locked):
    book = locked
    with pytest.raises(ValidationError, match="Khóa sổ sau hạn nhập điểm"):
        attendance_record_many(
            class_group=book.cs.class_group,
            changes=[CellChange(book.enrolments[0].pk, DAY, "all", "P", 1)],
            actor=book.homeroom,
        )
    assert _mark(book.enrolments[0]).code == "K"


def test_approved_minutes_change_a_locked_mark_and_the_lock_stays(locked):
    book = locked
    correction = _draft(book, [(0, COLUMN, "p"), (2, COLUMN, "M")])
    line_values = sorted((line.old_value, line.new_value) for line in correction.lines.all())
    assert line_values == [("", "M"), ("K", "P")]  # the system filled in the current codes
    correction = _approve(book, correction)
    services.correction_confirm(actor=book.homeroom, correction=correction)
    correction = services.correction_confirm(actor=book.admin, correction=correction)
    assert correction.status == Correction.Status.APPLIED

    changed = _mark(book.enrolments[0])
    assert (changed.code, changed.version) == ("P", 2)
    created = _mark(book.enrolments[2])
    assert (created.code, created.version) == ("M", 1)
    last = changed.history.first()
    assert last.history_user == book.admin
    assert last.history_change_reason.startswith(f"Sửa chữa theo biên bản số {correction.reference}")
    assert created.history.first().history_change_reason.startswith("Sửa chữa theo biên bản số")
    # Everything else stays locked: the same mark cannot be changed directly afterwards.
    assert LockMap(book.cs.class_group, book.term).state(column="attendance").locked
    with pytest.raises(ValidationError):
        attendance_record_many(
            class_group=book.cs.class_group,
            changes=[CellChange(book.enrolments[0].pk, DAY, "all", "K", 2)],
            actor=book.homeroom,
        )
    assert _mark(book.enrolments[0]).code == "P"


def test_minutes_pass_a_completed_month_which_stays_completed():
    book = make_book()
    class_group = book.cs.class_group
    attendance_record_many(
        class_group=class_group, changes=[CellChange(book.enrolments[0].pk, DAY, "all", "K", 0)], actor=book.homeroom
    )
    attendance_month_complete(class_group=class_group, year=2026, month=11, actor=book.homeroom)
    with pytest.raises(ValidationError, match="tháng"):
        attendance_record_many(
            class_group=class_group,
            changes=[CellChange(book.enrolments[0].pk, DAY, "all", "P", 1)],
            actor=book.homeroom,
        )
    attendance_record_many(
        class_group=class_group,
        changes=[CellChange(book.enrolments[0].pk, DAY, "all", "P", 1)],
        actor=book.admin,
        reason="Hiệu trưởng duyệt",
        correction="01/BB-SĐ 2026-2027",
    )
    mark = _mark(book.enrolments[0])
    assert mark.code == "P"
    assert (
        mark.history.first().history_change_reason == "Sửa chữa theo biên bản số 01/BB-SĐ 2026-2027: Hiệu trưởng duyệt"
    )
    assert class_group.attendance_months.filter(year=2026, month=11).exists()


def test_a_mark_changed_after_approval_applies_nothing(locked):
    book = locked
    correction = _approve(book, _draft(book, [(0, COLUMN, "P"), (1, OTHER_COLUMN, "")]))
    # Another approved route changes one of the listed marks before these minutes are carried out.
    attendance_record_many(
        class_group=book.cs.class_group,
        changes=[CellChange(book.enrolments[1].pk, OTHER_DAY, "all", "K", 1)],
        actor=book.admin,
        correction="99/BB-SĐ",
    )
    services.correction_confirm(actor=book.homeroom, correction=correction)
    with pytest.raises(ValidationError):
        services.correction_confirm(actor=book.admin, correction=correction)
    correction.refresh_from_db()
    assert correction.status != Correction.Status.APPLIED
    assert _mark(book.enrolments[0]).code == "K"  # the unchanged line was not applied either
    assert _mark(book.enrolments[1], OTHER_DAY).code == "K"


def test_the_target_refuses_stale_cells_itself(locked):
    book = locked
    correction = Correction(
        school_year=book.world.year, term=book.term, kind="attendance", class_group=book.cs.class_group
    )
    with pytest.raises(StaleCells):
        target_for("attendance").apply(
            correction=correction,
            changes=[
                Change(Cell(book.enrolments[0].pk, COLUMN), "K", "P", ""),
                Change(Cell(book.enrolments[1].pk, OTHER_COLUMN), "", "K", ""),  # it is "P" now
            ],
            actor=book.admin,
        )
    assert _mark(book.enrolments[0]).code == "K"
    assert _mark(book.enrolments[1], OTHER_DAY).code == "P"


def test_the_printed_attendance_minutes_name_days_and_codes(locked):
    import io

    from pypdf import PdfReader

    from corrections.pdf import minutes_pdf

    book = locked
    correction = _approve(book, _draft(book, [(0, COLUMN, "p")]))
    reader = PdfReader(io.BytesIO(minutes_pdf(correction)))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    for expected in (
        "BIÊN BẢN SỬA CHỮA SỐ LIỆU ĐIỂM DANH (CHUYÊN CẦN)",
        "Ngày học",
        "02/11/2026",
        "P: vắng có phép; K: vắng không phép; M: đi muộn",
    ):
        assert expected in text
    assert "SỬA CHỮA ĐIỂM, SỬA CHỮA MỨC ĐÁNH GIÁ" not in text
