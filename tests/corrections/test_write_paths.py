"""Every write path is refused on a locked cell, with the lock's reason, and writes nothing:
the grid, a paste, an xlsx import, attendance (script and form). An approved correction is the one
way through, and even it is refused whole when a cell moved after the approval."""

import io
import json
from datetime import date

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from attendance.models import AttendanceMark
from corrections import services
from grades.models import ScoreCell
from schools.models import BookLock
from tests.corrections.conftest import enter_scores, lock, make_book

pytestmark = pytest.mark.django_db

LOCK_REASON = "Khóa sổ sau hạn nhập điểm"


@pytest.fixture
def open_book(db):
    book = make_book()
    enter_scores(book, {(0, "regular_1"): "7"})
    return book


def scores(book):
    return sorted(
        ScoreCell.objects.filter(class_subject=book.cs).values_list("enrolment_id", "column", "value", "version")
    )


def test_the_grid_refuses_a_locked_cell(client, open_book):
    book = open_book
    lock(book)
    before = scores(book)
    client.force_login(book.teacher)
    url = reverse("grades:cell_save", args=[book.cs.pk])
    body = {"hs": book.enrolments[0].pk, "term": book.term.pk, "col": "regular_1", "value": "9", "version": 1}
    response = client.post(url, json.dumps(body), content_type="application/json")
    assert response.status_code == 403
    assert LOCK_REASON in response.json()["error"]
    assert scores(book) == before


def test_a_paste_is_refused_whole_when_one_cell_is_locked(client, open_book):
    book = open_book
    lock(book, scope=BookLock.Scope.COLUMN, column="midterm")
    before = scores(book)
    client.force_login(book.teacher)
    entries = [
        {"hs": book.enrolments[1].pk, "term": book.term.pk, "col": "regular_1", "value": "8", "version": 0},
        {"hs": book.enrolments[1].pk, "term": book.term.pk, "col": "midterm", "value": "6", "version": 0},
    ]
    response = client.post(
        reverse("grades:paste_apply", args=[book.cs.pk]),
        json.dumps({"entries": entries}),
        content_type="application/json",
    )
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert [e["col"] for e in errors] == ["midterm"] and LOCK_REASON in errors[0]["message"]
    assert scores(book) == before  # the open regular_1 cell was not written either


def test_an_import_confirmed_after_the_lock_is_refused(client, open_book):
    book = open_book
    client.force_login(book.teacher)
    template = client.get(reverse("grades:xlsx_download", args=[book.cs.pk, 1]))
    assert template.status_code == 200
    workbook = load_workbook(io.BytesIO(template.content))
    sheet = workbook.active
    target = None
    for row in sheet.iter_rows():
        for cell in row:
            if cell.value in (7, 7.0, "7,0", "7"):
                target = cell
    assert target is not None, "the template shows the entered 7,0"
    target.value = 9
    buffer = io.BytesIO()
    workbook.save(buffer)
    buffer.seek(0)
    buffer.name = "diem.xlsx"
    preview = client.post(reverse("grades:xlsx_upload", args=[book.cs.pk, 1]), {"file": buffer})
    assert preview.status_code == 200
    token = preview.context["token"]
    lock(book)  # the principal's lock lands between the preview and the confirmation
    before = scores(book)
    response = client.post(reverse("grades:xlsx_confirm", args=[book.cs.pk, 1]), {"token": token}, follow=True)
    text = " ".join(str(m) for m in response.context["messages"])
    assert "Không nhập được ô nào" in text or LOCK_REASON in text
    assert LOCK_REASON in text
    assert scores(book) == before


def _attendance_lock(book):
    return lock(book, scope=BookLock.Scope.CLASS, class_group=book.cs.class_group, column="attendance")


def test_attendance_refuses_a_locked_term(client, open_book):
    book = open_book
    _attendance_lock(book)
    client.force_login(book.homeroom)
    day = date(2026, 11, 2)
    url = reverse("attendance:save", args=[book.cs.class_group.pk, 2026, 11])
    cells = [{"enrolment": book.enrolments[0].pk, "date": day.isoformat(), "session": "all", "code": "K", "version": 0}]
    response = client.post(url, json.dumps({"cells": cells}), content_type="application/json")
    assert response.status_code == 400
    assert LOCK_REASON in response.json()["message"]
    assert not AttendanceMark.objects.exists()


def test_attendance_form_path_refuses_a_locked_term(client, open_book):
    book = open_book
    _attendance_lock(book)
    client.force_login(book.homeroom)
    url = reverse("attendance:grid", args=[book.cs.class_group.pk, 2026, 11])
    name = f"c-{book.enrolments[0].pk}-20261102-all-0-_"
    response = client.post(url, {name: "P"})
    assert response.status_code == 409  # the attendance page answers a refused month with 409
    assert LOCK_REASON in response.content.decode()
    assert not AttendanceMark.objects.exists()


def test_an_attendance_lock_leaves_scores_open_and_a_score_lock_leaves_attendance_open(open_book):
    from attendance.services import CellChange, attendance_record_many

    book = open_book
    lock(book)  # the subject's scores only
    attendance_record_many(
        class_group=book.cs.class_group,
        changes=[CellChange(book.enrolments[0].pk, date(2026, 11, 2), "all", "P", 0)],
        actor=book.homeroom,
    )
    assert AttendanceMark.objects.get().code == "P"


def test_a_correction_is_the_one_way_through_and_it_applies_nothing_half_way(open_book):
    from tests.corrections.conftest import approved

    book = open_book
    enter_scores(book, {(1, "regular_1"): "5", (2, "regular_1"): "6"})
    lock(book)
    first = approved(book, [(0, "regular_1", "9"), (1, "regular_1", "9"), (2, "regular_1", "9")])
    # Second minutes on one of the same cells are carried out while the first wait.
    second = approved(book, [(2, "regular_1", "8")])
    services.correction_confirm(actor=book.teacher, correction=second)
    services.correction_confirm(actor=book.admin, correction=second)
    before = scores(book)
    services.correction_confirm(actor=book.teacher, correction=first)
    with pytest.raises(services.ValidationError, match="hiện là “8,0”, không còn là “6,0”"):
        services.correction_confirm(actor=book.admin, correction=first)
    assert scores(book) == before
    assert [c.display for c in ScoreCell.objects.filter(column="regular_1").order_by("enrolment_id")] == [
        "7,0",
        "5,0",
        "8,0",
    ]
