"""Pasting a block copied from a spreadsheet: mapped from the focused cell in the grid's order,
previewed cell by cell, applied in one transaction or not at all."""

import json

import pytest
from django.urls import reverse

from grades.models import ScoreCell, SubjectComment

pytestmark = pytest.mark.django_db


def preview(client, grid, text, row=0, col="regular_1", mode="term", term=None):
    client.force_login(grid.teacher)
    body = {"mode": mode, "hs": grid.enrolments[row].pk, "term": (term or grid.term1).pk, "col": col, "text": text}
    return client.post(
        reverse("grades:paste_preview", args=[grid.class_subject.pk]), json.dumps(body), content_type="application/json"
    )


def apply(client, grid, lines):
    entries = [line["entry"] for line in lines if line["entry"]]
    return client.post(
        reverse("grades:paste_apply", args=[grid.class_subject.pk]),
        json.dumps({"entries": entries}),
        content_type="application/json",
    )


BLOCK = "8\t7,5\t9\r\n6.5\t7\t8\r\n5\t5\t5\r\n10\t9,5\t9\r\n7\t7\t7\r\n"


def test_a_five_by_three_block_fills_the_grid_from_the_focused_cell(client, grid):
    data = preview(client, grid, BLOCK).json()
    assert data["counts"] == {"new": 15, "changed": 0, "cleared": 0, "unchanged": 0, "refused": 0}
    first = data["lines"][0]
    assert (first["student"], first["column"], first["new"]) == (grid.enrolments[0].student.full_name, "ĐĐGtx 1", "8,0")
    assert not ScoreCell.objects.exists()  # a preview writes nothing
    response = apply(client, grid, data["lines"])
    assert response.status_code == 200
    assert len(response.json()["cells"]) == 15
    assert ScoreCell.objects.count() == 15
    assert ScoreCell.history.filter(history_change_reason="Dán từ bảng tính").count() == 15
    by_cell = {(c.enrolment_id, c.column): str(c.value) for c in ScoreCell.objects.all()}
    assert by_cell[(grid.enrolments[1].pk, "regular_1")] == "6.5"
    assert by_cell[(grid.enrolments[3].pk, "regular_2")] == "9.5"
    averages = response.json()["averages"][str(grid.enrolments[0].pk)]
    assert averages[str(grid.term1.pk)] == {"display": "8,2", "provisional": True}  # (8 + 7,5 + 9) / 3


def test_values_outside_the_grid_or_the_scale_are_listed_as_refused(client, grid):
    text = "Điểm 1\tĐiểm 2\n8\t11\n7\t7,25\n6\t6\n5\t5\n4\t4\n"  # a header row, then 5 rows: one too many
    data = preview(client, grid, text, col="midterm").json()
    refused = [line for line in data["lines"] if line["status"] == "refused"]
    messages = " ".join(line["message"] for line in refused)
    assert "Điểm không hợp lệ" in messages
    assert "không được lớn hơn 10" in messages and "Ý thầy/cô là 7,3?" in messages
    assert "Nằm ngoài bảng điểm" in messages
    assert data["counts"] == {"new": 6, "changed": 0, "cleared": 0, "unchanged": 0, "refused": 2 + 1 + 1 + 2}
    # A block's last column may land in the comment column, where text is welcome.
    data = preview(client, grid, "8\tChăm chỉ", col="final").json()
    assert [(line["column"], line["status"]) for line in data["lines"]] == [("ĐĐGck", "new"), ("Nhận xét", "new")]


def test_an_empty_pasted_cell_clears_and_a_comment_keeps_its_line_break(client, grid):
    apply(client, grid, preview(client, grid, "8\t9").json()["lines"])
    data = preview(client, grid, '\t9\t\t\t\t"Chăm chỉ\nlễ phép"').json()
    statuses = [line["status"] for line in data["lines"]]
    assert statuses == ["cleared", "unchanged", "unchanged", "unchanged", "unchanged", "new"]
    apply(client, grid, data["lines"])
    assert ScoreCell.objects.get(column="regular_1").value is None
    assert SubjectComment.objects.get().text == "Chăm chỉ\nlễ phép"


def test_a_paste_applied_over_a_changed_cell_writes_nothing(client, grid):
    data = preview(client, grid, BLOCK).json()
    apply(client, grid, preview(client, grid, "4", row=2, col="regular_2").json()["lines"])  # another tab
    response = apply(client, grid, data["lines"])
    assert response.status_code == 409
    conflict = response.json()["conflicts"][0]
    assert (conflict["hs"], conflict["col"], conflict["theirs"]) == (grid.enrolments[2].pk, "regular_2", "4,0")
    assert ScoreCell.objects.count() == 1


def test_the_year_view_pastes_across_both_terms(client, grid):
    data = preview(client, grid, "6\t7\t8", col="final", mode="year").json()
    columns = [line["column"] for line in data["lines"]]
    assert columns == ["ĐĐGck (Học kì I)", "ĐĐGtx 1 (Học kì II)", "ĐĐGtx 2 (Học kì II)"]


def test_an_empty_or_huge_paste_is_refused(client, grid):
    assert preview(client, grid, "").status_code == 400
    assert preview(client, grid, "\n\n").status_code == 400
    huge = "\n".join(["1"] * 300)
    response = preview(client, grid, huge)
    assert response.status_code == 400 and "quá lớn" in response.json()["error"]
