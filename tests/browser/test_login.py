"""A teacher and the principal log in through the real browser and land on their own home page."""

import pytest

from accounts.models import Role
from tests.browser.conftest import login
from tests.factories import PASSWORD, make_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_teacher_and_principal_log_in(new_page):
    world = make_world(classes=2, students_per_class=4, subjects=2)
    teacher = world.users["teacher"]

    page = new_page()
    page.goto("/")
    assert "/tai-khoan/dang-nhap/" in page.url
    assert page.locator("html").get_attribute("lang") == "vi"
    login(page, teacher.username, PASSWORD)
    assert page.get_by_role("heading", name="Lớp và môn tôi dạy").is_visible()
    assert page.locator("#teaching td", has_text="6A").first.is_visible()
    assert page.locator("#school").count() == 0
    page.get_by_role("button", name="Đăng xuất").click()
    page.wait_for_url("**/dang-nhap/")

    principal_page = new_page()
    login(principal_page, world.users[Role.PRINCIPAL].username, PASSWORD)
    assert principal_page.get_by_role("heading", name="Toàn trường").is_visible()
    assert "2 lớp · 8 học sinh" in principal_page.locator("#school .totals").inner_text()


def test_wrong_password_shows_a_vietnamese_message(new_page):
    world = make_world(classes=1, students_per_class=1, subjects=1)
    page = new_page()
    login(page, world.users["teacher"].username, "sai-mat-khau")
    assert "mật khẩu chính xác" in page.locator("[role=alert]").inner_text()
