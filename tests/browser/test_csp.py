"""The enforced Content-Security-Policy in a real browser: the home page, the grade grid, the
attendance grid, the lock page and the correction lists run their scripts and styles without one
violation, and the selects that used to carry inline onchange handlers still submit their form."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from accounts.models import Role
from grades.models import ScoreCell
from tests.browser.conftest import login
from tests.factories import PASSWORD, make_world
from tests.grades.conftest import build_grid

pytestmark = pytest.mark.django_db(transaction=True)

# Every violation, whatever the page: the event reaches the test through an exposed function, and
# Chromium's console message ("Refused to ... because it violates the following Content Security
# Policy directive") is caught as well.
LISTEN = """
document.addEventListener("securitypolicyviolation", (event) => {
  const what = event.blockedURI || "inline";
  window.reportCspViolation(`${event.violatedDirective} blocked ${what} on ${location.pathname}`);
});
"""


def watched_page(new_page):
    page = new_page()
    problems: list[str] = []
    page.expose_function("reportCspViolation", lambda text: problems.append(text))
    page.add_init_script(LISTEN)
    page.on(
        "console",
        lambda message: problems.append(message.text) if "Content Security Policy" in message.text else None,
    )
    page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
    return page, problems


def open_checked(page, url: str) -> None:
    response = page.goto(url)
    assert response.status == 200, url
    policy = response.header_value("content-security-policy") or ""
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy, policy
    page.wait_for_load_state("networkidle")


def test_home_and_grade_grid_run_under_the_policy(new_page):
    grid = build_grid(make_world(classes=1, students_per_class=3, subjects=1))
    page, problems = watched_page(new_page)
    login(page, grid.teacher.username, PASSWORD)
    open_checked(page, "/")
    expect(page.get_by_role("heading", name="Lớp và môn tôi dạy")).to_be_visible()

    # The grid's module script runs: a typed score is saved by its fetch (connect-src 'self').
    open_checked(page, reverse("grades:grid", args=[grid.class_subject.pk, 1]))
    expect(page.locator("#save-status")).to_have_text("Đã lưu tất cả")
    first = page.locator("#grid tbody tr:nth-child(1) input.cell[data-col='regular_1']")
    first.focus()
    page.keyboard.type("8")
    page.keyboard.press("Tab")
    expect(page.locator("#save-status")).to_have_text("Đã lưu tất cả", timeout=15_000)
    assert ScoreCell.objects.filter(enrolment=grid.enrolments[0], value=8).exists()

    # The language menu has no inline handler any more; the static script submits it.
    page.locator("form.lang select").select_option("en")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    expect(page.locator("#save-status")).to_have_text("All changes saved")
    assert problems == []


def test_attendance_locks_and_correction_lists_run_under_the_policy(new_page):
    world = make_world(classes=1, students_per_class=3, subjects=1)
    cls = world.classes[0]
    homeroom, homeroom_problems = watched_page(new_page)
    login(homeroom, world.users["homeroom"].username, PASSWORD)
    open_checked(homeroom, reverse("attendance:attendance", args=[cls.pk]))
    expect(homeroom.locator("#save-status")).to_be_visible()
    assert homeroom_problems == []

    principal, problems = watched_page(new_page)
    login(principal, world.users[Role.PRINCIPAL].username, PASSWORD)
    open_checked(principal, reverse("corrections:locks"))
    # lock-decision.js hides the fields the chosen scope does not need.
    expect(principal.locator('#lock-form [data-field="class_group"]')).to_be_hidden()
    # The correction pages' styles now come from static/css/corrections.css.
    assert principal.locator(".subnav").evaluate("el => getComputedStyle(el).display") == "flex"

    open_checked(principal, reverse("corrections:minutes_list"))
    status = principal.locator("select#status")
    chosen = status.locator("option").nth(1).get_attribute("value")
    status.select_option(chosen)
    principal.wait_for_url(re.compile(rf"\?status={chosen}$"))
    expect(principal.locator("select#status")).to_have_value(chosen)

    open_checked(principal, reverse("corrections:signals"))
    expect(principal.locator("select#term")).to_be_visible()
    assert problems == []
