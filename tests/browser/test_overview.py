"""Conduct and the class overview in the real browser: the homeroom teacher rates conduct, the
overview follows; the principal reads both without being able to change the ratings."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from grades.models import TERM1, ConductRating
from tests.browser.conftest import login
from tests.factories import PASSWORD
from tests.grades.results_world import fill_term, make_results_world

pytestmark = pytest.mark.django_db(transaction=True)


def test_rating_conduct_updates_the_overview(new_page, tmp_path):
    world = make_results_world("tt22_2021", students=3, grade=6)
    fill_term(world, 1, lambda i, code: "Đ" if code == "gdtc" else 8.5 - i)
    first, second, third = world.enrolments
    page = new_page()
    login(page, world.homeroom.username, PASSWORD)
    page.locator("#homeroom a", has_text="Tổng hợp lớp").click()
    expect(page.locator("#overview-warnings")).to_contain_text("Học kì I: 3 học sinh chưa được đánh giá rèn luyện.")
    expect(page.locator(f'tr[data-enrolment="{first.pk}"] td.learning')).to_have_text("Tốt")  # eight 8,5s

    page.get_by_role("link", name="Rèn luyện").first.click()
    page.get_by_label(f"Kết quả rèn luyện {first.student.full_name}").select_option("Tốt")
    page.get_by_label(f"Kết quả rèn luyện {second.student.full_name}").select_option("Khá")
    page.get_by_label(f"Nhận xét {second.student.full_name}").fill("Cần mạnh dạn phát biểu hơn")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".messages")).to_contain_text("Đã lưu đánh giá rèn luyện của 2 học sinh.")

    page.get_by_role("link", name="Tổng hợp lớp").click()
    expect(page.locator(f'tr[data-enrolment="{first.pk}"] td.conduct')).to_have_text("Tốt")
    expect(page.locator(f'tr[data-enrolment="{second.pk}"] td.conduct')).to_have_text("Khá")
    expect(page.locator("#overview-warnings")).to_contain_text("Học kì I: 1 học sinh chưa được đánh giá rèn luyện.")
    page.screenshot(path=str(tmp_path / "overview.png"), full_page=True)

    page.get_by_role("link", name="Rèn luyện").first.click()
    page.get_by_label(f"Kết quả rèn luyện {third.student.full_name}").select_option("Đạt")
    page.get_by_role("button", name="Lưu").click()
    expect(page.locator(".messages")).to_contain_text("Đã lưu đánh giá rèn luyện của 1 học sinh.")
    page.get_by_role("link", name="Tổng hợp lớp").click()
    expect(page.locator(f'tr[data-enrolment="{third.pk}"] td.conduct')).to_have_text("Đạt")
    expect(page.locator("#overview-warnings")).not_to_contain_text("chưa được đánh giá rèn luyện")
    assert dict(ConductRating.objects.filter(period=TERM1).values_list("enrolment_id", "level")) == {
        first.pk: "Tốt",
        second.pk: "Khá",
        third.pk: "Đạt",
    }
    assert ConductRating.objects.get(enrolment=second).comment == "Cần mạnh dạn phát biểu hơn"

    # The principal reads the ratings and the overview, and cannot change them.
    principal = new_page()
    login(principal, world.users[Role.PRINCIPAL].username, PASSWORD)
    principal.goto(f"/diem/lop/{world.class_group.pk}/ren-luyen/hoc-ki-1/")
    expect(principal.locator(f'tr[data-enrolment="{second.pk}"]')).to_contain_text("Cần mạnh dạn phát biểu hơn")
    expect(principal.locator("#conduct select")).to_have_count(0)
    principal.goto(f"/diem/lop/{world.class_group.pk}/tong-hop/hoc-ki-1/")
    expect(principal.locator(f'tr[data-enrolment="{first.pk}"] td.conduct')).to_have_text("Tốt")
