"""A results export and the district's combined workbook run by a real Celery worker on Redis
against PostgreSQL (`make test-services`): the request only records the job and enqueues it after
the commit; the worker writes the workbook, the progress and the record, which is all the pages poll."""

import hashlib
import time

import pytest
from django.conf import settings
from openpyxl import load_workbook

from accounts.models import Role
from exports import services
from exports.models import DistrictWorkbook, ResultsExport
from exports.xlsx import HEADER_ROW
from printing.models import Job
from tests.exports.conftest import KNOWN_CODE, make_export_world
from tests.factories import make_user

pytestmark = [pytest.mark.services, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def celery_worker(settings, tmp_path):
    if settings.CELERY_TASK_ALWAYS_EAGER:
        pytest.fail("CELERY_BROKER_URL is not set: run this test through `make test-services`.")
    settings.MEDIA_ROOT = tmp_path / "media"
    from celery.contrib.testing.worker import start_worker

    from gradebook.celery import app

    with start_worker(app, pool="solo", perform_ping_check=False, shutdown_timeout=30) as worker:
        yield worker


def _wait(model, pk: int, timeout: float = 120):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        row = model.objects.get(pk=pk)
        if row.is_finished:
            return row
        time.sleep(0.2)
    pytest.fail(f"not finished after {timeout} s: {row.status} {row.progress}% {row.message}")


def test_a_real_worker_exports_a_school_and_combines_the_district(celery_worker):
    world = make_export_world()
    office = world.users[Role.OFFICE]
    export = services.export_start(
        actor=office, school=world.school, school_year=world.year, period="term1", scope="school"
    )
    # No transaction is open here: the job was committed and handed to the worker.
    job = _wait(Job, export.job_id)
    assert job.status == Job.Status.DONE, job.error
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    data = job.file.read()
    assert hashlib.sha256(data).hexdigest() == job.sha256
    export = ResultsExport.objects.get(pk=export.pk)
    assert export.sha256 == job.sha256 and export.student_count == 9
    assert {h.history_user_id for h in job.history.all()} == {office.pk}
    rows = load_workbook(job.file.path)["Khối 6"].iter_rows(min_row=HEADER_ROW + 1, values_only=True)
    assert any(r[1] == KNOWN_CODE for r in rows)

    supervisor = make_user(None, Role.SUPERVISOR, district=world.school.district)
    workbook = services.district_workbook_start(
        actor=supervisor, district=world.school.district, start_year=2026, period="term1"
    )
    workbook = _wait(DistrictWorkbook, workbook.pk)
    assert workbook.status == Job.Status.DONE, workbook.error
    assert workbook.sources == [{"export": export.pk, "school": world.school.pk, "sha256": export.sha256}]
    assert hashlib.sha256(workbook.file.read()).hexdigest() == workbook.sha256
