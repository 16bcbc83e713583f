"""The kinds of cell a correction changes: scores and conduct are wired to the grades services,
attendance to the attendance service; year results are not a kind minutes can change."""

from datetime import date

import pytest
from django.core.exceptions import ValidationError

from attendance.services import CellChange, attendance_record_many
from corrections.models import Correction
from corrections.targets import Cell, target_for, wired_kinds
from tests.corrections.conftest import make_book

pytestmark = pytest.mark.django_db


def test_which_kinds_are_wired():
    assert sorted(wired_kinds()) == ["attendance", "conduct", "score"]
    with pytest.raises(ValidationError, match="chưa hỗ trợ"):
        target_for("results").parse(None, "results", "Tốt")


def test_the_score_target_reads_and_parses_like_the_grid(book):
    correction = Correction(
        school_year=book.world.year,
        term=book.term,
        kind="score",
        class_group=book.cs.class_group,
        class_subject=book.cs,
    )
    target = target_for("score")
    assert [key for key, _label in target.columns(correction)] == [
        "regular_1",
        "regular_2",
        "regular_3",
        "midterm",
        "final",
    ]
    cells = [Cell(book.enrolments[0].pk, "regular_1"), Cell(book.enrolments[2].pk, "regular_1")]
    assert target.read(correction, cells) == {cells[0]: "7,0", cells[1]: ""}
    assert target.parse(correction, "midterm", " 8.5 ") == "8,5"
    assert target.parse(correction, "midterm", "v") == "V"
    with pytest.raises(ValidationError, match="một chữ số thập phân"):
        target.parse(correction, "midterm", "8,25")
    assert target.windowed("regular_1") and not target.windowed("final")


def test_the_attendance_target_reads_and_parses_marks(db):
    book = make_book()
    day = date(2026, 11, 2)
    attendance_record_many(
        class_group=book.cs.class_group,
        changes=[CellChange(book.enrolments[0].pk, day, "all", "K", 0)],
        actor=book.homeroom,
    )
    correction = Correction(
        school_year=book.world.year, term=book.term, kind="attendance", class_group=book.cs.class_group
    )
    target = target_for("attendance")
    column = f"{day.isoformat()}/all"
    assert column in dict(target.columns(correction))
    cells = [Cell(book.enrolments[0].pk, column), Cell(book.enrolments[1].pk, column)]
    assert target.read(correction, cells) == {cells[0]: "K", cells[1]: ""}
    assert target.parse(correction, column, " p ") == "P"
    assert target.display(correction, column, "") == "có mặt"
    with pytest.raises(ValidationError, match="vắng có phép"):
        target.parse(correction, column, "X")
    assert target.lock_column(correction, column) == (None, "attendance")
