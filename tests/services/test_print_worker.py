"""A print job run by a real Celery worker on Redis against PostgreSQL (`make test-services`): the
page's request only records the job and enqueues it after the commit; the worker renders the book
and writes the progress and the file into the job row, which is all the page polls."""

import hashlib
import time

import pytest
from django.conf import settings

from accounts.models import Role
from printing import jobs
from printing.models import Job
from tests.printing.conftest import make_print_world

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


def _wait(job_id: int, timeout: float = 120) -> Job:
    deadline = time.monotonic() + timeout
    seen = set()
    while time.monotonic() < deadline:
        job = Job.objects.get(pk=job_id)
        seen.add(job.progress)
        if job.is_finished:
            job.seen = seen
            return job
        time.sleep(0.2)
    pytest.fail(f"the job was not finished after {timeout} s: {job.status} {job.progress}% {job.message}")


def test_a_real_worker_renders_a_class_book(celery_worker):
    world = make_print_world(students=3, scored=2, extras=False)
    job = jobs.job_start(
        kind=Job.Kind.CLASS_BOOK,
        scope={"class_group": world.class_group.pk, "term": world.term(2).pk},
        actor=world.users[Role.OFFICE],
        school=world.school,
    )
    # No transaction is open here: the job was committed and handed to the worker.
    job = _wait(job.pk)
    assert job.status == Job.Status.DONE, job.error
    data = job.file.read()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == job.sha256
    assert job.pages > 20 and job.attempts == 1
    assert not settings.CELERY_TASK_ALWAYS_EAGER
    history = job.history.all()
    assert {h.history_user_id for h in history} == {world.users[Role.OFFICE].pk}
    assert history.filter(progress__gt=0, progress__lt=100).count() >= 3


def test_a_real_worker_runs_the_whole_school_as_one_task_per_class(celery_worker):
    world = make_print_world(classes=2, students=1, scored=1, extras=False)
    batch = jobs.job_start(
        kind=Job.Kind.SCHOOL_BOOKS,
        scope={"term": world.term(1).pk},
        actor=world.users[Role.OFFICE],
        school=world.school,
    )
    batch = _wait(batch.pk)
    assert batch.status == Job.Status.DONE, batch.error
    assert batch.children.filter(status=Job.Status.DONE).count() == 2
    assert hashlib.sha256(batch.file.read()).hexdigest() == batch.sha256
