"""The write services: versions, history, all-or-nothing batches, locks, departures, corrections."""

from datetime import date, timedelta
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from grades import services
from grades.grid import entry_deadline
from grades.models import AssessmentDate, CellState, ScoreCell, SubjectComment
from grades.selectors import cell_history, row_averages_now
from grades.services import ConflictError, EntriesRefused, Entry
from schools import services as school_services
from schools.models import BookLock, Enrolment

pytestmark = pytest.mark.django_db


def record(grid, enrolment, column, text, version=0, term=None, **extra):
    return services.score_record(
        actor=grid.teacher,
        class_subject=grid.class_subject,
        enrolment_id=enrolment.pk,
        term_id=(term or grid.term1).pk,
        column=column,
        text=text,
        version=version,
        spec=grid.spec,
        **extra,
    )


def lock(grid, *, column="", scope=BookLock.Scope.CLASS_SUBJECT, reason="Khóa sổ học kì I"):
    principal = grid.world.users["principal"]
    return BookLock.objects.create(
        school_year=grid.world.year,
        term=grid.term1,
        action=BookLock.Action.LOCK,
        scope=scope,
        class_group=grid.class_subject.class_group,
        class_subject=grid.class_subject if scope >= BookLock.Scope.CLASS_SUBJECT else None,
        column=column,
        starts_at=timezone.now() - timedelta(hours=1),
        reason=reason,
        decided_by=principal,
        executed_by=principal,
        executed_at=timezone.now() - timedelta(hours=1),
    )


def test_a_typed_score_is_stored_with_its_version_user_and_history(grid):
    student = grid.enrolments[0]
    written = record(grid, student, "regular_1", "8,5")
    assert (written.status, written.display, written.version) == ("new", "8,5", 1)
    cell = ScoreCell.objects.get(enrolment=student, column="regular_1")
    assert (cell.value, cell.version, cell.updated_by) == (Decimal("8.5"), 1, grid.teacher)
    written = record(grid, student, "regular_1", "9", version=1)
    assert (written.status, written.display, written.version) == ("changed", "9,0", 2)
    written = record(grid, student, "regular_1", "9,0", version=2)
    assert (written.status, written.version) == ("unchanged", 2)
    written = record(grid, student, "regular_1", "", version=2)
    assert (written.status, written.display, written.version) == ("cleared", "", 3)
    history = list(ScoreCell.history.filter(id=cell.pk).order_by("history_date", "history_id"))
    assert [(h.value, h.version, h.history_user, h.history_change_reason) for h in history] == [
        (Decimal("8.5"), 1, grid.teacher, services.REASON_GRID),
        (Decimal("9.0"), 2, grid.teacher, services.REASON_GRID),
        (None, 3, grid.teacher, services.REASON_GRID),
    ]
    lines = cell_history(grid.spec, enrolment_id=student.pk, term_id=grid.term1.pk, column="regular_1")
    assert [(line.old, line.new) for line in lines] == [("", "8,5"), ("8,5", "9,0"), ("9,0", "")]


def test_a_stale_version_is_a_conflict_and_nothing_is_overwritten(grid):
    student = grid.enrolments[1]
    record(grid, student, "midterm", "7")
    with pytest.raises(ConflictError) as exc:
        record(grid, student, "midterm", "4", version=0)  # the second browser still saw an empty cell
    conflict = exc.value.conflicts[0]
    assert (conflict.theirs, conflict.version, conflict.by) == ("7,0", 1, grid.teacher.full_name)
    assert ScoreCell.objects.get(enrolment=student, column="midterm").value == Decimal("7.0")
    assert ScoreCell.history.filter(enrolment=student, column="midterm").count() == 1
    # Choosing to keep one's own value is a new save against the version now shown.
    assert record(grid, student, "midterm", "4", version=1).display == "4,0"


@pytest.mark.parametrize("text", ["abc", "11", "-1", "8,55", "x" * 3000, "Đ"])
def test_bad_input_stores_nothing(grid, text):
    with pytest.raises(EntriesRefused) as exc:
        record(grid, grid.enrolments[0], "regular_1", text)
    assert exc.value.refusals[0].message
    assert not ScoreCell.objects.exists()
    assert not ScoreCell.history.exists()


def test_a_batch_is_all_or_nothing_and_bulk_writes_one_history_row_per_changed_cell(grid):
    entries = [Entry(e.pk, grid.term1.pk, "regular_1", "7") for e in grid.enrolments]
    bad = [*entries[:4], Entry(grid.enrolments[4].pk, grid.term1.pk, "regular_1", "12")]
    with pytest.raises(EntriesRefused) as exc:
        services.score_record_many(
            actor=grid.teacher, class_subject=grid.class_subject, entries=bad, reason=services.REASON_PASTE
        )
    assert [r.index for r in exc.value.refusals] == [4]
    assert not ScoreCell.objects.exists()

    written = services.score_record_many(
        actor=grid.teacher, class_subject=grid.class_subject, entries=entries, reason=services.REASON_PASTE
    )
    assert {w.status for w in written} == {"new"}
    assert ScoreCell.history.filter(history_change_reason=services.REASON_PASTE, history_type="+").count() == 5
    # Two changed, three unchanged: two history rows, and only those two versions move.
    again = [
        Entry(e.pk, grid.term1.pk, "regular_1", "8" if i < 2 else "7", version=1) for i, e in enumerate(grid.enrolments)
    ]
    written = services.score_record_many(
        actor=grid.teacher, class_subject=grid.class_subject, entries=again, reason=services.REASON_IMPORT
    )
    assert [w.status for w in written] == ["changed", "changed", "unchanged", "unchanged", "unchanged"]
    assert ScoreCell.history.filter(history_change_reason=services.REASON_IMPORT).count() == 2
    assert sorted(ScoreCell.objects.values_list("version", flat=True)) == [1, 1, 1, 2, 2]
    assert all(h.history_user_id == grid.teacher.pk for h in ScoreCell.history.all())


def test_a_batch_with_one_stale_cell_writes_nothing(grid):
    first = grid.enrolments[0]
    record(grid, first, "final", "6")
    entries = [Entry(e.pk, grid.term1.pk, "final", "9", version=0) for e in grid.enrolments]
    with pytest.raises(ConflictError) as exc:
        services.score_record_many(
            actor=grid.teacher, class_subject=grid.class_subject, entries=entries, reason=services.REASON_PASTE
        )
    assert [c.entry.enrolment_id for c in exc.value.conflicts] == [first.pk]
    assert ScoreCell.objects.count() == 1


def test_ids_that_are_not_the_grids_are_refused(grid):
    other_class = Enrolment.objects.exclude(class_group=grid.class_subject.class_group).first()
    other_year_term = grid.world.year.terms.none()
    cases = [
        Entry(other_class.pk, grid.term1.pk, "regular_1", "8", version=0),
        Entry(grid.enrolments[0].pk, 999_999, "regular_1", "8", version=0),
        Entry(grid.enrolments[0].pk, grid.term1.pk, "regular_7", "8", version=0),
    ]
    assert not other_year_term.exists()
    for entry in cases:
        with pytest.raises(EntriesRefused) as exc:
            services.score_record_many(
                actor=grid.teacher, class_subject=grid.class_subject, entries=[entry], reason="x"
            )
        assert exc.value.refusals[0].code == "unknown"
    duplicate = [Entry(grid.enrolments[0].pk, grid.term1.pk, "regular_1", "8")] * 2
    with pytest.raises(EntriesRefused):
        services.score_record_many(actor=grid.teacher, class_subject=grid.class_subject, entries=duplicate, reason="x")
    assert not ScoreCell.objects.exists()


def test_a_locked_column_is_refused_and_a_correction_passes_checking_the_old_value(grid):
    student = grid.enrolments[0]
    record(grid, student, "midterm", "5")
    lock(grid, column="midterm", scope=BookLock.Scope.COLUMN)
    with pytest.raises(services.CellLocked) as exc:
        record(grid, student, "midterm", "6", version=1)
    assert "Khóa sổ học kì I" in str(exc.value)
    record(grid, student, "regular_1", "6")  # another column of the grid stays open
    # An approved correction passes the lock, but only if the cell still holds the recorded old value.
    with pytest.raises(ConflictError):
        record(grid, student, "midterm", "6", version=None, correction="BB-01/2026", expected_text="4,5")
    written = record(grid, student, "midterm", "6", version=None, correction="BB-01/2026", expected_text="5")
    assert written.display == "6,0"
    last = ScoreCell.history.filter(column="midterm").latest("history_date")
    assert last.history_change_reason.startswith("Sửa chữa theo biên bản số BB-01/2026")
    with pytest.raises(ValidationError):
        services.score_record_many(
            actor=grid.teacher,
            class_subject=grid.class_subject,
            entries=[Entry(student.pk, grid.term1.pk, "midterm", "7")],
            reason="x",
            correction="BB-02/2026",
        )


def test_a_student_who_left_is_not_edited_after_the_date(grid):
    leaver = grid.enrolments[2]
    school_services.enrolment_leave(
        enrolment=leaver,
        status=Enrolment.Status.TRANSFERRED_OUT,
        left_on=timezone.localdate() - timedelta(days=1),
        actor=grid.teacher,
    )
    with pytest.raises(services.CellLocked) as exc:
        record(grid, Enrolment.objects.get(pk=leaver.pk), "regular_1", "8")
    assert "đã rời lớp" in str(exc.value)
    assert not ScoreCell.objects.exists()


def test_absent_make_up_and_no_make_up(grid):
    student = grid.enrolments[3]
    assert record(grid, student, "regular_2", "V").state == CellState.ABSENT
    averages = row_averages_now(grid.spec, student.pk)
    assert averages[str(grid.term1.pk)]["display"] == ""
    makeup = record(grid, student, "regular_2", "7,5", version=1)
    assert (makeup.state, makeup.display) == (CellState.MAKEUP, "7,5")
    record(grid, student, "regular_1", "V")
    zero = record(grid, student, "regular_1", "", version=1, no_makeup=True)
    assert (zero.state, zero.display) == (CellState.NO_MAKEUP, "0,0")


def test_averages_come_from_the_rules_engine(grid):
    # Vector T4: 3 ĐĐGtx 8; 8; 8 — gk 9 — ck 8 → 66/8 = 8,25 → 8,3 (never 8,2).
    student = grid.enrolments[0]
    for column, text in [("regular_1", "8"), ("regular_2", "8"), ("regular_3", "8"), ("midterm", "9")]:
        record(grid, student, column, text)
    provisional = row_averages_now(grid.spec, student.pk)[str(grid.term1.pk)]
    assert provisional == {"display": "8,4", "provisional": True}  # (24 + 18) / 5 = 8,4
    record(grid, student, "final", "8")
    assert row_averages_now(grid.spec, student.pk)[str(grid.term1.pk)] == {"display": "8,3", "provisional": False}


def test_comments_have_their_own_versions_and_history(grid):
    student = grid.enrolments[0]
    written = record(grid, student, "comment", "  Chăm chỉ, tiến bộ. ")
    assert (written.display, written.version) == ("Chăm chỉ, tiến bộ.", 1)
    with pytest.raises(ConflictError):
        record(grid, student, "comment", "Khác", version=0)
    record(grid, student, "comment", '=HYPERLINK("x")', version=1)
    assert SubjectComment.objects.get().text == '=HYPERLINK("x")'
    assert SubjectComment.history.count() == 2


def test_test_dates_give_the_deadlines(grid):
    test_day = date(2026, 11, 2)  # Monday
    row = services.assessment_date_set(
        actor=grid.teacher, class_subject=grid.class_subject, term=grid.term1, column="midterm", test_date=test_day
    )
    assert row.test_date == test_day and AssessmentDate.history.count() == 1
    school = grid.world.school
    midterm = grid.spec.column("midterm")
    final = grid.spec.column("final")
    assert entry_deadline(school, grid.term1, midterm, test_day) == date(2026, 11, 16)  # 10 working days
    assert entry_deadline(school, grid.term1, final, test_day) == date(2026, 11, 20)  # 14 working days
    with pytest.raises(ValidationError):
        services.assessment_date_set(
            actor=grid.teacher,
            class_subject=grid.class_subject,
            term=grid.term1,
            column="regular_1",
            test_date=test_day,
        )
    with pytest.raises(ValidationError):
        services.assessment_date_set(
            actor=grid.teacher,
            class_subject=grid.class_subject,
            term=grid.term1,
            column="final",
            test_date=date(2027, 3, 1),
        )
    lock(grid, column="final", scope=BookLock.Scope.COLUMN)
    with pytest.raises(services.CellLocked):
        services.assessment_date_set(
            actor=grid.teacher, class_subject=grid.class_subject, term=grid.term1, column="final", test_date=test_day
        )


def test_the_database_refuses_what_the_service_would(grid):
    base = {
        "enrolment": grid.enrolments[0],
        "class_subject": grid.class_subject,
        "term": grid.term1,
        "updated_at": timezone.now(),
    }
    for bad in (
        {"column": "regular_1", "value": Decimal("10.5")},
        {"column": "regular_1", "value": Decimal("-1")},
        {"column": "regular_1", "value": Decimal(5), "mark": "Đ"},
        {"column": "comment", "value": Decimal(5)},
        {"column": "regular_1", "state": CellState.ABSENT, "value": Decimal(5)},
    ):
        with pytest.raises(IntegrityError), transaction.atomic():
            ScoreCell.objects.create(**base, **bad)
    ScoreCell.objects.create(**base, column="regular_1", value=Decimal(5))
    with pytest.raises(IntegrityError), transaction.atomic():
        ScoreCell.objects.create(**base, column="regular_1", value=Decimal(6))
