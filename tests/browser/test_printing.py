"""Printing in the real browser: the office starts a class book, the job page's progress bar moves
as a worker writes the job row, and ends on the download; the file is the book."""

from __future__ import annotations

import threading
import time

import pytest
from django.db import connection, transaction
from playwright.sync_api import expect

from accounts.models import Role
from printing import jobs
from printing.models import Job
from printing.tasks import run_job
from tests.browser.conftest import login
from tests.factories import PASSWORD
from tests.printing.conftest import make_print_world

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def worker_thread(monkeypatch, settings, tmp_path):
    """A stand-in for the Celery worker: after the commit, another thread runs the task body (the
    same code a worker runs), so the page really polls a job that is still running."""
    settings.MEDIA_ROOT = tmp_path / "media"
    threads = []

    def enqueue(job_ids):
        def work():
            try:
                time.sleep(0.8)
                for job_id in job_ids:
                    run_job.apply(args=[job_id])
            finally:
                connection.close()

        def send():
            thread = threading.Thread(target=work, daemon=True)
            threads.append(thread)
            thread.start()

        transaction.on_commit(send)

    monkeypatch.setattr(jobs, "_enqueue", enqueue)
    yield threads
    for thread in threads:
        thread.join(timeout=60)


def test_the_office_prints_a_class_book_and_downloads_it(new_page, worker_thread, tmp_path):
    world = make_print_world(students=3, scored=2, extras=False)
    office = world.users[Role.OFFICE]
    page = new_page()
    login(page, office.username, PASSWORD)
    page.locator("#print-work a").click()
    expect(page.locator("h1")).to_have_text("In sổ")
    page.locator(f"#class-{world.class_group.pk}").get_by_role("button", name="In").click()

    # The job page opens while the job waits or runs; the bar follows the job row.
    expect(page.locator("h1")).to_contain_text("Sổ theo dõi và đánh giá học sinh lớp 6A")
    bar = page.locator("#job-bar")
    assert int(bar.get_attribute("value")) < 100
    expect(page.locator("#job-download")).to_be_hidden()
    expect(page.locator("#job-status")).to_have_text("Đã xong", timeout=60_000)
    assert page.evaluate("document.getElementById('job-bar').value") == 100
    expect(page.locator("#job-percent")).to_have_text("100")
    expect(page.locator("#job-download")).to_be_visible()
    page.screenshot(path=str(tmp_path / "job.png"))

    job = Job.objects.get(school=world.school)
    assert job.status == Job.Status.DONE
    # The progress was written while the book was rendered, not only at the end.
    seen = set(job.history.values_list("progress", flat=True))
    assert len([p for p in seen if 0 < p < 100]) >= 3
    with page.expect_download() as download_info:
        page.locator("#job-download-link").click()
    download = download_info.value
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    assert download.suggested_filename == job.file_name
    assert path.read_bytes()[:4] == b"%PDF"
