"""The homeroom teacher's register in the real browser: a month's attendance typed with the
keyboard and saved, a profile edited, a class list with one bad row refused, and a cell changed in
another tab reported instead of overwritten."""

import re
from datetime import date

import pytest
from playwright.sync_api import expect

from attendance.models import AttendanceMark
from schools.models import Enrolment, Student
from tests.attendance.helpers import student_row, xlsx
from tests.browser.conftest import login
from tests.factories import PASSWORD, make_world

pytestmark = pytest.mark.django_db(transaction=True)


def saved(page):
    expect(page.locator("#save-status")).to_have_attribute("data-state", "saved", timeout=10_000)


def test_marking_a_month_with_the_keyboard(new_page, tmp_path):
    world = make_world(classes=1, students_per_class=4, subjects=1)
    cls = world.classes[0]
    first, second, third = list(Enrolment.objects.filter(class_group=cls).order_by("pk"))[:3]
    page = new_page()
    login(page, world.users["homeroom"].username, PASSWORD)
    page.locator("#homeroom a", has_text="6A").click()
    page.get_by_role("link", name="Điểm danh hằng tháng").click()
    page.locator(".month-nav a", has_text="Tháng 10").click()
    expect(page.locator("#attendance h2")).to_contain_text("Tháng 10/2026")

    # Monday 5 October, first student: P, then the cursor is on the second student: K.
    page.locator(f'input[name^="c-{first.pk}-20261005-"]').click()
    page.keyboard.press("p")
    page.keyboard.press("K")
    # Right to Tuesday on the third row, then an invalid letter is refused, then M.
    page.keyboard.press("ArrowRight")
    page.keyboard.press("x")
    expect(page.locator("#save-status")).to_contain_text("Chỉ nhập P, K hoặc M")
    page.keyboard.press("m")
    saved(page)
    marks = {(m.enrolment_id, m.date): m.code for m in AttendanceMark.objects.filter(enrolment__class_group=cls)}
    assert marks == {
        (first.pk, date(2026, 10, 5)): "P",
        (second.pk, date(2026, 10, 5)): "K",
        (third.pk, date(2026, 10, 6)): "M",
    }
    # The totals follow without a reload.
    expect(page.locator(f'[data-total="{first.pk}:month:TS"]')).to_have_text("1")
    expect(page.locator('[data-total="class:month:TS"]')).to_have_text("2")
    expect(page.locator('[data-total="class:month:M"]')).to_have_text("1")

    # Clearing a cell with Delete is saved too, and a reload shows the stored state.
    page.locator(f'input[name^="c-{second.pk}-20261005-"]').click()
    page.keyboard.press("Delete")
    saved(page)
    page.reload()
    expect(page.locator(f'input[name^="c-{first.pk}-20261005-"]')).to_have_value("P")
    expect(page.locator(f'input[name^="c-{second.pk}-20261005-"]')).to_have_value("")
    assert AttendanceMark.objects.get(enrolment=second).code == ""
    page.screenshot(path=str(tmp_path / "attendance-grid.png"))


def test_a_cell_changed_in_another_tab_is_reported_not_overwritten(new_page):
    world = make_world(classes=1, students_per_class=2, subjects=1)
    cls = world.classes[0]
    first = Enrolment.objects.filter(class_group=cls).order_by("pk").first()
    cell = f'input[name^="c-{first.pk}-20261007-"]'
    url = f"/chu-nhiem/lop/{cls.pk}/diem-danh/2026/10/"
    pages = []
    for _ in range(2):
        page = new_page()
        login(page, world.users["homeroom"].username, PASSWORD)
        page.goto(url)
        pages.append(page)
    a, b = pages
    a.locator(cell).click()
    a.keyboard.press("P")
    saved(a)
    b.locator(cell).click()
    b.keyboard.press("K")
    expect(b.locator("#save-status")).to_have_attribute("data-state", "conflict", timeout=10_000)
    expect(b.locator("#save-status")).to_contain_text("Người khác đã sửa")
    expect(b.locator(cell)).to_have_value("P")
    expect(b.locator(cell)).to_have_class(re.compile("conflict"))
    assert AttendanceMark.objects.get(enrolment=first).code == "P"


def test_editing_a_profile(new_page):
    world = make_world(classes=1, students_per_class=2, subjects=1)
    cls = world.classes[0]
    enrolment = Enrolment.objects.filter(class_group=cls).select_related("student").order_by("pk").first()
    page = new_page()
    login(page, world.users["homeroom"].username, PASSWORD)
    page.goto(f"/chu-nhiem/lop/{cls.pk}/")
    page.get_by_role("link", name=enrolment.student.full_name).click()
    page.get_by_label("Họ tên mẹ").fill("Trần Thị Hoa")
    page.get_by_label("Điện thoại của mẹ").fill("0987 654 321")
    page.get_by_label("Điện thoại liên hệ").fill("12345")
    page.get_by_role("button", name="Lưu hồ sơ").click()
    expect(page.locator(".field-error")).to_contain_text("Số điện thoại gồm 10 chữ số")
    assert Student.objects.get(pk=enrolment.student_id).mother_name == ""
    page.get_by_label("Điện thoại liên hệ").fill("0912 345 678")
    page.get_by_label("Lí do sửa đổi").fill("Bổ sung thông tin mẹ")
    page.get_by_role("button", name="Lưu hồ sơ").click()
    expect(page.locator(".messages")).to_contain_text(f"Đã lưu hồ sơ của {enrolment.student.full_name}")
    student = Student.objects.get(pk=enrolment.student_id)
    assert (student.mother_name, student.mother_phone) == ("Trần Thị Hoa", "0987654321")
    assert student.history.latest().history_change_reason == "Bổ sung thông tin mẹ"


def test_importing_a_class_list_with_one_bad_row_refused(new_page, tmp_path):
    world = make_world(classes=1, students_per_class=0, subjects=1)
    cls = world.classes[0]
    bad = tmp_path / "lop-6a-loi.xlsx"
    bad.write_bytes(
        xlsx(
            [
                student_row(),
                student_row(student_code="HS900002", given_name="Lan", contact_phone="0912"),
                student_row(student_code="HS900003", given_name="Cúc", date_of_birth="12/12/2015"),
            ]
        )
    )
    page = new_page()
    login(page, world.users["homeroom"].username, PASSWORD)
    page.goto(f"/chu-nhiem/lop/{cls.pk}/")
    page.get_by_role("link", name="Nhập danh sách lớp (xlsx)").click()
    page.get_by_label("Danh sách lớp (tệp xlsx)").set_input_files(str(bad))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    expect(page.locator("#import-counts")).to_contain_text("2 học sinh mới")
    expect(page.locator("#import-counts")).to_contain_text("1 dòng lỗi")
    expect(page.locator('tr[data-row="3"]')).to_contain_text("Số điện thoại gồm 10 chữ số")
    expect(page.get_by_role("button", name="Xác nhận và áp dụng danh sách")).to_have_count(0)
    assert Enrolment.objects.filter(class_group=cls).count() == 0

    good = tmp_path / "lop-6a.xlsx"
    good.write_bytes(
        xlsx([student_row(), student_row(student_code="HS900002", given_name="Lan", date_of_birth="12/12/2015")])
    )
    page.get_by_role("link", name="Tải lên tệp khác").click()
    page.get_by_label("Danh sách lớp (tệp xlsx)").set_input_files(str(good))
    page.get_by_role("button", name="Kiểm tra tệp").click()
    page.get_by_role("button", name="Xác nhận và áp dụng danh sách").click()
    expect(page.locator(".messages")).to_contain_text("Đã xếp 2 học sinh vào lớp")
    expect(page.locator("#class-list")).to_contain_text("Trần Thị Lan")
    assert Enrolment.objects.filter(class_group=cls).count() == 2
