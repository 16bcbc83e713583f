"""Exporting in the real browser: the office asks for the whole school's results, the job page's
bar follows the job row while a worker writes it and ends on the download; the supervisor of the
district then sees the school's export received and downloads the district's combined workbook."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from openpyxl import load_workbook
from playwright.sync_api import expect

from accounts.models import Role
from exports import services
from exports.models import DistrictWorkbook, ResultsExport
from printing.models import Job
from tests.browser.conftest import login
from tests.exports.conftest import KNOWN_CODE, make_export_world
from tests.factories import PASSWORD, make_user

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker_thread(monkeypatch, settings, tmp_path):
    """A stand-in for the Celery worker: after the commit, another thread runs the task body (the
    same code a worker runs) a little later, so the page really polls a job that is not finished."""
    settings.MEDIA_ROOT = tmp_path / "media"
    threads = []

    def enqueue(task, object_id):
        def work():
            try:
                time.sleep(0.8)
                task.apply(args=[object_id])
            finally:
                connection.close()

        def send():
            thread = threading.Thread(target=work, daemon=True)
            threads.append(thread)
            thread.start()

        transaction.on_commit(send)

    monkeypatch.setattr(services, "_enqueue", enqueue)
    yield threads
    for thread in threads:
        thread.join(timeout=60)


def test_the_office_exports_and_the_district_receives(new_page, worker_thread, tmp_path):
    world = make_export_world()
    office = world.users[Role.OFFICE]
    page = new_page()
    login(page, office.username, PASSWORD)
    page.locator("#exports a").first.click()
    expect(page.locator("h1")).to_have_text("Kết quả gửi Phòng GD&ĐT")
    page.locator("#id_period").select_option("term1")
    page.locator("#id_scope").select_option("school")
    page.locator("#export-start").click()

    expect(page.locator("h1")).to_contain_text("Kết quả học kì I năm học 2026-2027, cả trường")
    assert int(page.locator("#job-bar").get_attribute("value")) < 100
    expect(page.locator("#job-download")).to_be_hidden()
    expect(page.locator("#job-status")).to_have_text("Đã xong", timeout=60_000)
    expect(page.locator("#job-percent")).to_have_text("100")
    expect(page.locator("#job-message")).to_have_text("Đã xong: 9 học sinh")
    expect(page.locator("#job-download")).to_be_visible()
    page.reload()
    expect(page.locator("#sha256")).to_have_text(ResultsExport.objects.get().sha256)
    page.screenshot(path=str(tmp_path / "export-job.png"), full_page=True)

    export = ResultsExport.objects.select_related("job").get()
    assert export.job.status == Job.Status.DONE and export.requested_by == office
    with page.expect_download() as info:
        page.locator("#job-download-link").click()
    download = info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert download.suggested_filename == export.job.file_name
    ws = load_workbook(path)["Khối 6"]
    assert any(row[1] == KNOWN_CODE for row in ws.iter_rows(values_only=True))

    supervisor = make_user(None, Role.SUPERVISOR, district=world.school.district)
    page = new_page()
    login(page, supervisor.username, PASSWORD)
    page.locator("#district a").click()
    page.locator("#id_period").select_option("term1")
    page.get_by_role("button", name="Xem").click()
    row = page.locator(f"#school-{world.school.pk}")
    expect(row).to_contain_text("đã nhận")
    expect(row).to_contain_text(export.sha256[:12])
    page.locator(f"#combine-{world.school.district_id}").click()
    expect(page.locator("#job-status")).to_have_text("Đã xong", timeout=60_000)
    expect(page.locator("#job-message")).to_have_text("Đã xong: 1/1 trường, 9 học sinh")
    page.screenshot(path=str(tmp_path / "district-job.png"), full_page=True)
    workbook = DistrictWorkbook.objects.get()
    assert workbook.requested_by == supervisor and workbook.status == Job.Status.DONE
    with page.expect_download() as info:
        page.locator("#job-download-link").click()
    assert info.value.suggested_filename == workbook.file_name
