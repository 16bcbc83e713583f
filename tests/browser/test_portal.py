"""The portal in the real browser: the homeroom teacher writes to the class's parents, a parent logs
in, sees the child's scores and the message, opens it, and the teacher sees it as read."""

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import login
from tests.browser.test_csp import LISTEN
from tests.factories import PASSWORD
from tests.portal.conftest import approve_term1, make_family_world, score_class

pytestmark = pytest.mark.django_db(transaction=True)


def watch_csp(page, problems: list[str]):
    """Every Content-Security-Policy violation of the page ends in ``problems`` (no inline style or script)."""
    page.expose_function("reportCspViolation", lambda text: problems.append(text))
    page.add_init_script(LISTEN)
    page.on("console", lambda m: problems.append(m.text) if "Content Security Policy" in m.text else None)
    return page


def test_class_message_read_by_a_parent(new_page, tmp_path):
    problems: list[str] = []
    family = make_family_world(subjects=3, students=3)
    score_class(family.class_a, 1, "8,5", comment="Tiến bộ rõ, cần làm bài tập đầy đủ hơn")

    teacher = watch_csp(new_page(), problems)
    login(teacher, family.homeroom.username, PASSWORD)
    teacher.get_by_role("link", name="Tin nhắn phụ huynh").click()
    expect(teacher.locator("h1")).to_have_text("Tin nhắn gửi phụ huynh lớp 6A")
    teacher.get_by_label("Gửi phụ huynh của").select_option(label="cả lớp")
    teacher.get_by_label("Tiêu đề").fill("Họp phụ huynh cuối học kì I")
    teacher.get_by_label("Nội dung").fill(
        "Kính mời quý phụ huynh dự họp lúc 7 giờ 30 sáng Chủ nhật 10/1 tại phòng học lớp 6A.\nTrân trọng."
    )
    teacher.get_by_role("button", name="Gửi").click()
    expect(teacher.locator(".messages")).to_contain_text("Đã gửi tin nhắn.")
    expect(teacher.locator("#sent td.read")).to_have_text("đã đọc 0/3")

    parent = watch_csp(new_page(width=420, height=900), problems)  # a phone
    login(parent, family.parent.username, PASSWORD)
    parent.get_by_role("link", name="Sổ liên lạc").click()
    expect(parent.locator("h1")).to_have_text(family.child.student.full_name)
    expect(parent.locator("#child-class")).to_contain_text("Lớp 6A")
    expect(parent.locator("#term-1 .score").first).to_have_text("8,5")
    expect(parent.locator("#term-1")).to_contain_text("Tiến bộ rõ, cần làm bài tập đầy đủ hơn")
    expect(parent.locator("#results")).to_contain_text("chưa công bố")
    expect(parent.locator("#messages")).to_contain_text("1 tin mới")
    parent.screenshot(path=str(tmp_path / "portal-parent.png"), full_page=True)
    parent.get_by_role("link", name="Họp phụ huynh cuối học kì I").click()
    expect(parent.locator("#message")).to_contain_text("Kính mời quý phụ huynh dự họp lúc 7 giờ 30")
    parent.screenshot(path=str(tmp_path / "portal-message.png"), full_page=True)
    parent.get_by_role("link", name="Quay lại").click()
    expect(parent.locator("#messages")).not_to_contain_text("tin mới")

    teacher.reload()
    expect(teacher.locator("#sent td.read")).to_have_text("đã đọc 1/3")
    teacher.get_by_role("link", name="Họp phụ huynh cuối học kì I").click()
    expect(teacher.locator("#receipts")).to_contain_text("Đã đọc 1/3")
    expect(teacher.locator("#receipts")).to_contain_text(str(family.parent))
    teacher.screenshot(path=str(tmp_path / "portal-teacher.png"), full_page=True)
    assert problems == []


def test_approved_results_on_a_desktop(new_page, tmp_path):
    family = make_family_world(subjects=3, students=3)
    score_class(family.class_a, 1, "7,5", comment="Ngoan, học tốt")
    approve_term1(family.world, family.class_a)
    score_class(family.class_a, 2, "9")
    problems: list[str] = []
    parent = watch_csp(new_page(), problems)
    login(parent, family.pupil.username, PASSWORD)  # the student himself
    parent.get_by_role("link", name="Sổ liên lạc").click()
    expect(parent.locator("#term-1 tbody tr").first).to_contain_text("7,5")
    expect(parent.locator("#term-1 thead")).to_contain_text("Trung bình môn")
    expect(parent.locator("#term-2 thead")).not_to_contain_text("Trung bình môn")
    expect(parent.locator("#term-2")).to_contain_text("chưa công bố")
    expect(parent.locator("#results tbody tr").nth(1)).to_contain_text("Tốt")
    parent.screenshot(path=str(tmp_path / "portal-desktop.png"), full_page=True)
    assert problems == []
