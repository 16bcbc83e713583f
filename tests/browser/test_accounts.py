"""The admin board creates an account in the real browser, grants it a role, and the new person
logs in with the one-time password, chooses their own and lands on a teacher's home page."""

import os

import pytest
from playwright.sync_api import expect

from accounts.models import Role, RoleGrant, User
from tests.browser.conftest import login
from tests.factories import PASSWORD, make_world

pytestmark = pytest.mark.django_db(transaction=True)
SHOTS = os.environ.get("SCREENSHOT_DIR")


def shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, name), full_page=True)


def test_create_an_account_grant_a_role_and_log_in_as_the_new_person(new_page):
    world = make_world(classes=2, students_per_class=2, subjects=2)
    admin = world.users[Role.ADMIN_BOARD]

    page = new_page()
    login(page, admin.username, PASSWORD)
    page.locator(".topnav").get_by_role("link", name="Tài khoản").click()
    expect(page.get_by_role("heading", name="Tài khoản của trường")).to_be_visible()
    expect(page.locator("#accounts tbody tr")).to_have_count(User.objects.filter(school=world.school).count())

    page.get_by_role("link", name="Tạo tài khoản").click()
    page.get_by_label("Họ và tên").fill("Nguyễn Thị Lan")
    page.get_by_label("Tên đăng nhập").fill(admin.username)
    page.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.locator("[data-field=username] [role=alert]")).to_contain_text(
        f"Tên đăng nhập “{admin.username}” đã có người dùng. Tên còn trống: “lannt”."
    )
    expect(page.locator("#suggestion")).to_contain_text("lannt")
    shot(page, "account_create_error.png")
    page.get_by_label("Tên đăng nhập").fill("")
    page.get_by_role("button", name="Tạo tài khoản").click()
    expect(page.get_by_role("heading", name="Đã tạo tài khoản")).to_be_visible()
    expect(page.locator("#new-username")).to_have_text("lannt")
    password = page.locator("#new-password").inner_text().strip()
    assert len(password) == 14
    shot(page, "account_password.png")

    page.get_by_role("link", name="Đến trang tài khoản (vai trò)").click()
    form = page.locator("#role-add")
    form.get_by_label("Vai trò").select_option("teacher")
    form.get_by_label("Lí do / quyết định").fill("QĐ 15/QĐ-THCS ngày 01/12/2026")
    form.get_by_role("button", name="Cấp vai trò").click()
    expect(page.locator(".messages")).to_contain_text("Đã cấp vai trò.")
    expect(page.locator("#roles tr[data-grant=teacher]")).to_contain_text("Giáo viên")
    form = page.locator("#role-add")
    form.get_by_label("Vai trò").select_option("homeroom")
    form.get_by_label("Lớp (chủ nhiệm)").select_option(label="6B")
    form.get_by_label("Lí do / quyết định").fill("QĐ 16/QĐ-THCS")
    form.get_by_role("button", name="Cấp vai trò").click()
    expect(page.locator("#roles tr[data-grant=homeroom]")).to_contain_text("Giáo viên chủ nhiệm lớp 6B")
    expect(page.locator("#history")).to_contain_text("QĐ 15/QĐ-THCS ngày 01/12/2026")
    shot(page, "account_detail.png")

    lan = User.objects.get(username="lannt")
    grant = RoleGrant.history.get(user_id=lan.pk, role=Role.TEACHER)
    assert grant.history_user_id == admin.pk

    page.goto("/tai-khoan/quan-ly/?q=nguyen")
    expect(page.locator("tr[data-account=lannt]")).to_contain_text("Chủ nhiệm 6B")
    shot(page, "account_list.png")
    page.get_by_role("button", name="Đăng xuất").click()

    lan_page = new_page()
    login(lan_page, "lannt", password)
    expect(lan_page.get_by_role("heading", name="Đổi mật khẩu")).to_be_visible()
    expect(lan_page.locator(".messages")).to_contain_text("Mật khẩu hiện tại do Ban quản trị cấp")
    new = "mat-khau-cua-lan-2026"
    lan_page.locator("#id_old_password").fill(password)
    lan_page.locator("#id_new_password1").fill(new)
    lan_page.locator("#id_new_password2").fill(new)
    lan_page.get_by_role("button", name="Lưu mật khẩu mới").click()
    lan_page.goto("/")
    expect(lan_page.get_by_role("heading", name="Lớp chủ nhiệm của tôi")).to_be_visible()
    expect(lan_page.locator("#homeroom")).to_contain_text("6B")
    lan.refresh_from_db()
    assert lan.check_password(new) and not lan.must_change_password
