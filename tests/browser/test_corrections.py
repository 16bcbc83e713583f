"""The whole correction of a locked score, by three people in three browsers: the teacher drafts
and submits minutes with an evidence file, the principal approves, the teacher and the admin carry
it out, all three sign; the grid then shows the new value and its history names the minutes."""

import os

import pytest

from corrections.models import Correction, CorrectionPolicy
from grades.models import ScoreCell
from tests.browser.conftest import login
from tests.corrections.conftest import PDF_BYTES, enter_scores, lock, make_book
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

SHOTS = os.environ.get("CORRECTIONS_SCREENSHOTS", "")


def shot(page, name: str) -> None:
    """Screenshots for a person checking the pages by eye (CORRECTIONS_SCREENSHOTS=/some/dir)."""
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_three_people_correct_a_locked_score(new_page, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path / "media"
    book = make_book(students=3)
    enter_scores(book, {(0, "regular_1"): "7", (1, "regular_1"): "8"})
    lock(book)
    # This school skips the homeroom teacher's confirmation (P-COR-3 setting): three people.
    CorrectionPolicy.objects.create(school=book.world.school, homeroom_confirms=False)
    student = book.enrolments[0].student
    evidence = tmp_path / "so-ca-nhan-va-bai-kiem-tra.pdf"
    evidence.write_bytes(PDF_BYTES)

    # The teacher sees the locked cell on the grid, then draws up the minutes.
    teacher = new_page()
    login(teacher, book.teacher.username, PASSWORD)
    teacher.goto(f"/diem/mon/{book.cs.pk}/hoc-ki-1/")
    locked_cell = teacher.locator(f'input.cell[data-hs="{book.enrolments[0].pk}"][data-col="regular_1"]')
    assert locked_cell.input_value() == "7,0"
    assert "Khóa sổ sau hạn nhập điểm" in (locked_cell.get_attribute("data-lock") or "")
    teacher.goto("/khoa-so/bien-ban/moi/")
    teacher.get_by_label("Biên bản về").select_option(f"cs:{book.cs.pk}")
    teacher.get_by_label("Địa điểm").fill("Phòng hội đồng")
    teacher.get_by_role("button", name="Lập biên bản").click()
    teacher.wait_for_url("**/khoa-so/bien-ban/*/")
    correction = Correction.objects.get()
    line_form = teacher.locator("#line-form")
    line_form.get_by_label("Học sinh").select_option(str(book.enrolments[0].pk))
    line_form.get_by_label("Cột").select_option("regular_1")
    line_form.get_by_label("Giá trị mới").fill("9")
    line_form.get_by_label("Lí do").select_option("entry_error")
    line_form.get_by_label("Giải thích").fill("Nhập nhầm so với sổ cá nhân")
    line_form.get_by_role("button", name="Thêm ô").click()
    teacher.wait_for_load_state()
    assert teacher.locator("#lines tbody tr").first.locator("td").all_inner_texts()[1:5] == [
        student.full_name,
        "ĐĐGtx 1",
        "7,0",
        "9,0",
    ]
    evidence_form = teacher.locator("#evidence-form")
    evidence_form.get_by_label("Loại minh chứng").select_option("both")
    evidence_form.locator("input[type=file]").set_input_files(str(evidence))
    evidence_form.get_by_role("button", name="Đính kèm").click()
    teacher.wait_for_load_state()
    assert teacher.locator("#evidence a", has_text="so-ca-nhan-va-bai-kiem-tra.pdf").is_visible()
    shot(teacher, "1-draft")
    teacher.get_by_role("button", name="Trình biên bản").click()
    teacher.locator("#status", has_text="Chờ Hiệu trưởng duyệt").wait_for()

    # The principal, in another browser, reads the minutes and the evidence, and approves.
    principal = new_page()
    login(principal, book.principal.username, PASSWORD)
    principal.goto("/khoa-so/bien-ban/")
    principal.get_by_role("link", name="01/BB-SĐ 2026-2027").click()
    with principal.expect_download() as download:
        principal.locator("#evidence a", has_text="so-ca-nhan-va-bai-kiem-tra.pdf").click()
    assert download.value.suggested_filename == "so-ca-nhan-va-bai-kiem-tra.pdf"
    principal.get_by_label("Ý kiến (bắt buộc khi không duyệt)").fill("Đồng ý sửa")
    principal.get_by_role("button", name="Phê duyệt").click()
    principal.locator("#status", has_text="Đã duyệt, chờ thực hiện").wait_for()
    shot(principal, "2-approved")

    # The teacher and the admin carry it out together.
    teacher.reload()
    teacher.get_by_role("button", name="Giáo viên xác nhận và thực hiện sửa").click()
    teacher.locator(".messages", has_text="Đã ghi nhận xác nhận").wait_for()
    assert ScoreCell.objects.get(enrolment=book.enrolments[0], column="regular_1").display == "7,0"
    admin = new_page()
    login(admin, book.admin.username, PASSWORD)
    admin.goto(f"/khoa-so/bien-ban/{correction.pk}/")
    admin.get_by_role("button", name="Quản trị xác nhận và thực hiện sửa").click()
    admin.locator("#status", has_text="Đã sửa, chờ kí biên bản").wait_for()
    assert "Đã sửa điểm và khóa lại các ô" in admin.locator(".messages").inner_text()

    # All three sign, each with their own account.
    admin.get_by_role("button", name="Kí (cán bộ quản trị)").click()
    admin.locator(".messages", has_text="Đã kí").wait_for()
    teacher.reload()
    teacher.get_by_role("button", name="Kí (giáo viên)").click()
    teacher.locator(".messages", has_text="Đã kí").wait_for()
    principal.reload()
    principal.get_by_role("button", name="Kí (Hiệu trưởng)").click()
    principal.locator("#status", has_text="Đã kí").wait_for()
    assert principal.locator("#signatures").inner_text().count("✓") == 3
    shot(principal, "3-signed")
    signed = Correction.objects.get()
    assert signed.status == "signed"
    assert (signed.principal_signed_by, signed.admin_applied_by, signed.requested_by) == (
        book.principal,
        book.admin,
        book.teacher,
    )

    # The grid shows the new value, still locked, and its history points at the minutes.
    teacher.goto(f"/diem/mon/{book.cs.pk}/hoc-ki-1/")
    cell = teacher.locator(f'input.cell[data-hs="{book.enrolments[0].pk}"][data-col="regular_1"]')
    assert cell.input_value() == "9,0"
    assert cell.get_attribute("readonly") is not None
    cell.focus()
    teacher.locator("#history-button").click()
    dialog = teacher.locator("#history-dialog")
    dialog.locator("td", has_text="Sửa chữa theo biên bản số 01/BB-SĐ 2026-2027").wait_for()
    assert book.admin.full_name in dialog.inner_text()
    shot(teacher, "4-grid-history")
