"""The term's results in the real browser: the homeroom teacher computes and proposes them, the
principal approves them in her own session, the results are locked and both see it."""

import pytest
from playwright.sync_api import expect

from accounts.models import Role
from grades.models import TERM1, ResultBatch
from schools.models import BookLock
from tests.browser.conftest import login
from tests.factories import PASSWORD
from tests.grades.results_world import complete_months, fill_term, make_results_world, rate

pytestmark = pytest.mark.django_db(transaction=True)


def test_the_homeroom_teacher_proposes_and_the_principal_approves(new_page, tmp_path):
    world = make_results_world("tt22_2021", students=3, grade=6)
    fill_term(world, 1, lambda i, code: "Đ" if code == "gdtc" else (9.5, 7, 4)[i])
    rate(world, TERM1, ["Tốt", "Khá", "Đạt"])
    complete_months(world, until=world.year.terms.get(number=1).end_date)
    url = f"/diem/lop/{world.class_group.pk}/ket-qua/hoc-ki-1/"

    teacher = new_page()
    login(teacher, world.homeroom.username, PASSWORD)
    teacher.locator("#homeroom a", has_text="Kết quả").click()
    expect(teacher.locator("#batch-status")).to_contain_text("Chưa tính")
    expect(teacher.locator("#ready")).to_contain_text("Đã nhập đủ")
    teacher.get_by_role("button", name="Tính kết quả").click()
    expect(teacher.locator(".messages")).to_contain_text("Đã tính kết quả: 3 mới, 0 thay đổi, 0 không đổi.")
    expect(teacher.locator("#batch-status")).to_contain_text("Đã tính, chưa đề nghị")
    expect(teacher.locator(f'tr[data-enrolment="{world.enrolments[2].pk}"] td.learning')).to_have_text("Chưa đạt")
    teacher.get_by_label("Ý kiến gửi Hiệu trưởng").fill("Lớp đã nhập đủ điểm và rèn luyện")
    teacher.get_by_role("button", name="Đề nghị Hiệu trưởng duyệt").click()
    expect(teacher.locator(".messages")).to_contain_text("Đã đề nghị Hiệu trưởng duyệt kết quả.")
    expect(teacher.locator("#actions")).to_contain_text("Đang chờ Hiệu trưởng duyệt.")

    principal = new_page()
    login(principal, world.users[Role.PRINCIPAL].username, PASSWORD)
    principal.goto(url)
    expect(principal.locator("#batch-status")).to_contain_text("Đã đề nghị, chờ Hiệu trưởng duyệt")
    expect(principal.locator("#results-state")).to_contain_text("Lớp đã nhập đủ điểm và rèn luyện")
    principal.get_by_label("Ý kiến (không bắt buộc)").fill("Đồng ý")
    principal.get_by_role("button", name="Duyệt và khóa").click()
    expect(principal.locator(".messages")).to_contain_text("Đã duyệt và khóa kết quả.")
    expect(principal.locator("#batch-status")).to_contain_text("Đã duyệt")
    expect(principal.locator("#results-lock")).to_contain_text("Hiệu trưởng duyệt kết quả học kì I lớp 6A")
    principal.screenshot(path=str(tmp_path / "results-approved.png"), full_page=True)

    teacher.reload()
    expect(teacher.locator("#batch-status")).to_contain_text("Đã duyệt")
    expect(teacher.get_by_role("button", name="Tính kết quả")).to_have_count(0)
    batch = ResultBatch.objects.get(class_group=world.class_group, period=TERM1)
    assert batch.status == ResultBatch.Status.APPROVED and batch.decided_by == world.users[Role.PRINCIPAL]
    assert BookLock.objects.filter(class_group=world.class_group, column="results").exists()
