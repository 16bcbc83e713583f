"""The subject teacher's grid in Debian's Chromium: keyboard entry, a pasted block, the averages,
a reload that finds everything saved; two browsers on one cell; a network drop."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from grades.models import ScoreCell, SubjectComment
from tests.browser.conftest import login
from tests.factories import PASSWORD, make_world
from tests.grades.conftest import build_grid

pytestmark = pytest.mark.django_db(transaction=True)

SAVED = "Đã lưu tất cả"
PASTE = "6\t7\t8\r\n5,5\t6,5\t7,5\r\n9\t9\t9\r\n4\t5\t6\r\n7\t8\t9\r\n"


def open_grid(new_page, grid, width=1366, height=768):
    page = new_page(width, height)
    login(page, grid.teacher.username, PASSWORD)
    page.goto(reverse("grades:grid", args=[grid.class_subject.pk, 1]))
    expect(page.locator("#save-status")).to_have_text(SAVED)
    return page


def cell(page, row: int, column: str):
    return page.locator(f"#grid tbody tr:nth-child({row + 1}) input.cell[data-col='{column}']")


def average(page, row: int, grid):
    return page.locator(f"#grid tbody tr:nth-child({row + 1}) td[data-avg='{grid.term1.pk}']")


def wait_saved(page):
    expect(page.locator("#save-status")).to_have_text(SAVED, timeout=15_000)
    expect(page.locator("#save-status")).to_have_class(re.compile("is-saved"))


def paste(page, text: str) -> None:
    page.evaluate(
        """(text) => {
            const data = new DataTransfer();
            data.setData("text/plain", text);
            document.activeElement.dispatchEvent(
                new ClipboardEvent("paste", {clipboardData: data, bubbles: true, cancelable: true}));
        }""",
        text,
    )


def test_a_teacher_types_pastes_sees_the_averages_and_finds_everything_after_a_reload(new_page):
    grid = build_grid(make_world(classes=1, students_per_class=6, subjects=1))
    page = open_grid(new_page, grid)
    keyboard = page.keyboard

    # Row 1 with the keyboard only: Tab moves right, the comment ends the row, Tab wraps to row 2.
    cell(page, 0, "regular_1").focus()
    for value in ["8", "7,5", "9", "7", "8.5"]:
        keyboard.type(value)
        keyboard.press("Tab")
    keyboard.type("Chăm chỉ, tiến bộ")
    keyboard.press("Tab")
    expect(cell(page, 1, "regular_1")).to_be_focused()
    # A refused value stays in its cell with the message, is not saved, and Esc takes it back.
    keyboard.type("11")
    keyboard.press("Enter")
    expect(cell(page, 1, "regular_1")).to_have_attribute("data-save", "error")
    expect(page.locator("#cell-info .what")).to_contain_text("không được lớn hơn 10")
    expect(cell(page, 1, "regular_1")).to_be_focused()
    keyboard.type("8,55")
    keyboard.press("Enter")
    expect(page.locator("#cell-info .what")).to_contain_text("Ý thầy/cô là 8,6?")
    keyboard.press("Escape")
    expect(cell(page, 1, "regular_1")).to_have_value("")
    # Row 2's mid-term and end-of-term with the arrows and Enter (moves down by default).
    keyboard.press("ArrowRight")
    keyboard.press("ArrowRight")
    keyboard.press("ArrowRight")
    keyboard.type("6")
    keyboard.press("ArrowRight")
    keyboard.type("6,6")
    keyboard.press("Enter")
    expect(cell(page, 2, "final")).to_be_focused()
    # Delete clears a cell; typing replaces what is there.
    keyboard.press("ArrowUp")
    keyboard.press("Delete")
    keyboard.type("7")
    keyboard.press("ArrowLeft")

    # A 5 × 3 block from a spreadsheet, pasted into row 2's first regular column.
    cell(page, 1, "regular_1").focus()
    paste(page, PASTE)
    dialog = page.locator("#paste-dialog")
    expect(dialog).to_be_visible()
    expect(dialog.locator("tbody tr")).to_have_count(15)
    expect(page.locator("#paste-apply")).to_have_text("Áp dụng 15 thay đổi")
    page.locator("#paste-apply").click()
    expect(dialog).to_be_hidden()
    wait_saved(page)

    # Averages: row 1 complete (8 + 7,5 + 9 + 2·7 + 3·8,5) / 8 = 8,0; row 2 (6+7+8+2·6+3·7)/8 = 6,75 → 6,8.
    expect(average(page, 0, grid).locator(".v")).to_have_text("8,0")
    expect(average(page, 0, grid)).not_to_have_class(re.compile("is-provisional"))
    expect(average(page, 1, grid).locator(".v")).to_have_text("6,8")
    expect(average(page, 3, grid).locator(".v")).to_have_text("9,0")
    expect(average(page, 3, grid)).to_have_class(re.compile("is-provisional"))

    page.reload()
    expect(page.locator("#save-status")).to_have_text(SAVED)
    expect(cell(page, 0, "regular_2")).to_have_value("7,5")
    expect(cell(page, 0, "final")).to_have_value("8,5")
    expect(cell(page, 0, "comment")).to_have_value("Chăm chỉ, tiến bộ")
    expect(cell(page, 1, "final")).to_have_value("7,0")
    expect(cell(page, 5, "regular_3")).to_have_value("9,0")
    expect(average(page, 0, grid).locator(".v")).to_have_text("8,0")
    first = grid.enrolments[0]
    stored = {c.column: c.value for c in ScoreCell.objects.filter(enrolment=first)}
    assert stored == {
        "regular_1": Decimal("8.0"),
        "regular_2": Decimal("7.5"),
        "regular_3": Decimal("9.0"),
        "midterm": Decimal("7.0"),
        "final": Decimal("8.5"),
    }
    assert SubjectComment.objects.get(enrolment=first).text == "Chăm chỉ, tiến bộ"
    assert ScoreCell.objects.count() == 5 + 2 + 15
    assert ScoreCell.history.filter(history_change_reason="Dán từ bảng tính").count() == 15


def test_two_browsers_on_one_cell_get_a_conflict_not_an_overwrite(new_page):
    grid = build_grid(make_world(classes=1, students_per_class=3, subjects=1))
    first = open_grid(new_page, grid)
    second = open_grid(new_page, grid)

    cell(first, 0, "midterm").focus()
    first.keyboard.type("6")
    first.keyboard.press("Enter")
    wait_saved(first)

    cell(second, 0, "midterm").focus()  # this page still shows the cell empty (version 0)
    second.keyboard.type("9")
    second.keyboard.press("Enter")
    expect(cell(second, 0, "midterm")).to_have_attribute("data-save", "conflict")
    conflicts = second.locator("#conflicts")
    expect(conflicts).to_contain_text("thầy/cô nhập “9,0”")
    expect(conflicts).to_contain_text("đã lưu “6,0”")
    assert ScoreCell.objects.get(column="midterm").value == Decimal("6.0")

    # The teacher chooses: keep the saved value. Nothing was overwritten, and the page says so.
    conflicts.get_by_role("button", name=re.compile("Dùng giá trị đã lưu")).click()
    expect(cell(second, 0, "midterm")).to_have_value("6,0")
    wait_saved(second)
    assert ScoreCell.objects.get(column="midterm").version == 1

    # The other choice, on the other cell: keep mine, deliberately over the value now seen.
    cell(first, 0, "final").focus()
    first.keyboard.type("5")
    first.keyboard.press("Enter")
    wait_saved(first)
    cell(second, 0, "final").focus()
    second.keyboard.type("7")
    second.keyboard.press("Enter")
    expect(second.locator("#conflicts")).to_contain_text("đã lưu “5,0”")
    second.locator("#conflicts").get_by_role("button", name=re.compile("Giữ giá trị của tôi")).click()
    wait_saved(second)
    final = ScoreCell.objects.get(column="final")
    assert (final.value, final.version) == (Decimal("7.0"), 2)


def test_nothing_typed_is_lost_when_the_network_drops(new_page):
    grid = build_grid(make_world(classes=1, students_per_class=2, subjects=1))
    page = open_grid(new_page, grid, width=1024, height=768)  # a tablet's screen
    page.context.set_offline(True)
    cell(page, 0, "regular_1").focus()
    page.keyboard.type("8")
    page.keyboard.press("Enter")
    expect(page.locator("#save-status")).to_contain_text("Mất kết nối")
    assert not ScoreCell.objects.exists()
    # Leaving now would lose the cell: the page asks first.
    assert page.evaluate(
        "() => { const e = new Event('beforeunload', {cancelable: true}); "
        "window.dispatchEvent(e); return e.defaultPrevented; }"
    )
    page.context.set_offline(False)
    wait_saved(page)
    assert ScoreCell.objects.get().value == Decimal("8.0")


def test_the_principal_reads_the_grid_without_editing(new_page):
    world = make_world(classes=1, students_per_class=2, subjects=1)
    grid = build_grid(world)
    page = new_page()
    login(page, world.users["principal"].username, PASSWORD)
    page.goto(reverse("grades:grid", args=[grid.class_subject.pk, 1]))
    expect(page.locator(".readonly-note")).to_be_visible()
    cell(page, 0, "regular_1").focus()
    page.keyboard.type("9")
    page.keyboard.press("Enter")
    expect(cell(page, 0, "regular_1")).to_have_value("")
    wait_saved(page)
    assert not ScoreCell.objects.exists()
