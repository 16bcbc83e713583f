"""Print jobs: recorded, enqueued after the commit, run in-process (no broker) through the task,
idempotent, served from the stored copy when the data did not change, failures kept with their
reason and retried; the whole school's books as one batch of one task per class, zipped."""

from __future__ import annotations

import hashlib
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts.models import Role
from grades.services import REASON_GRID, Entry, score_record_many
from printing import jobs, pdf
from printing.models import Job
from schools.models import ClassSubject, GradeRuleSet
from tests.printing.conftest import make_print_world


def _start(world, django_capture_on_commit_callbacks, kind=Job.Kind.CLASS_BOOK, scope=None, actor=None):
    scope = scope or {"class_group": world.class_group.pk, "term": world.term(1).pk}
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = jobs.job_start(kind=kind, scope=scope, actor=actor or world.users[Role.OFFICE], school=world.school)
    job.refresh_from_db()
    return job, callbacks


@pytest.fixture
def render_count(monkeypatch):
    calls = []
    original = pdf.render

    def counting(*args, **kwargs):
        calls.append(1)
        return original(*args, **kwargs)

    monkeypatch.setattr(pdf, "render", counting)
    return calls


def test_a_job_runs_after_the_commit_and_stores_its_file_and_hash(small_world, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        job = jobs.job_start(
            kind=Job.Kind.CLASS_BOOK,
            scope={"class_group": small_world.class_group.pk, "term": small_world.term(1).pk},
            actor=small_world.users[Role.OFFICE],
            school=small_world.school,
        )
    # Nothing ran inside the transaction: the worker is handed the id only once it commits.
    assert len(callbacks) == 1
    assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED
    callbacks[0]()
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.progress == 100
    data = job.file.read()
    assert data.startswith(b"%PDF") and hashlib.sha256(data).hexdigest() == job.sha256
    assert job.size == len(data) and job.pages > 10 and len(job.fingerprint) == 64
    assert job.file_name == "so-theo-doi-6a-2026-2027-hk1.pdf"
    assert job.started_at <= job.finished_at and job.attempts == 1
    # Every write of the job, the worker's included, is audited with the person who asked.
    history = list(job.history.order_by("history_id"))
    assert len(history) >= 3
    assert {h.history_user_id for h in history} == {small_world.users[Role.OFFICE].pk}
    assert history[-1].status == Job.Status.DONE and history[-1].history_change_reason == jobs.REASON_DONE


def test_running_a_job_again_changes_nothing(small_world, django_capture_on_commit_callbacks, render_count):
    job, _ = _start(small_world, django_capture_on_commit_callbacks)
    before = (job.file.name, job.sha256, job.finished_at, job.history.count())
    assert jobs.job_run(job.pk) is None  # a redelivered message finds the job done
    job.refresh_from_db()
    assert (job.file.name, job.sha256, job.finished_at, job.history.count()) == before
    assert len(render_count) == 1


def test_an_unchanged_book_is_served_from_its_stored_copy(
    small_world, django_capture_on_commit_callbacks, render_count
):
    first, _ = _start(small_world, django_capture_on_commit_callbacks)
    second, _ = _start(small_world, django_capture_on_commit_callbacks)
    assert len(render_count) == 1
    assert second.status == Job.Status.DONE and second.reused_from_id == first.pk
    assert (second.file.name, second.sha256, second.fingerprint) == (first.file.name, first.sha256, first.fingerprint)
    assert "dùng lại" in second.message
    # A changed score is new data: the book is rendered again.
    cs = ClassSubject.objects.filter(class_group=small_world.class_group, subject__kind="score").first()
    enrolment = small_world.enrolments[small_world.class_group.pk][0]
    score_record_many(
        actor=small_world.teachers[cs.pk],
        class_subject=cs,
        entries=[Entry(enrolment.pk, small_world.term(1).pk, "regular_1", "3,5")],
        reason=REASON_GRID,
    )
    third, _ = _start(small_world, django_capture_on_commit_callbacks)
    assert len(render_count) == 2
    assert third.reused_from_id is None and third.fingerprint != first.fingerprint and third.sha256 != first.sha256


def test_a_stored_copy_whose_file_changed_is_not_served(small_world, django_capture_on_commit_callbacks, render_count):
    first, _ = _start(small_world, django_capture_on_commit_callbacks)
    with open(first.file.path, "ab") as handle:
        handle.write(b"tampered")
    second, _ = _start(small_world, django_capture_on_commit_callbacks)
    assert len(render_count) == 2 and second.reused_from_id is None


def test_a_failure_keeps_its_reason_and_is_retried_once(small_world, django_capture_on_commit_callbacks):
    GradeRuleSet.objects.filter(school_year=small_world.year, grade_level=6).delete()
    job, _ = _start(small_world, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.FAILED
    assert job.error.startswith("Năm học 2026-2027 chưa chọn bộ quy tắc đánh giá cho khối 6")
    assert not job.file and job.history.filter(history_change_reason=jobs.REASON_FAILED).exists()
    GradeRuleSet.objects.create(school_year=small_world.year, grade_level=6, rule_set="tt22_2021")
    with django_capture_on_commit_callbacks(execute=False):
        jobs.job_retry(job=job, actor=small_world.users[Role.OFFICE])
    job.refresh_from_db()
    assert job.status == Job.Status.QUEUED
    # Only a failed job is run again: a second click while it waits changes nothing.
    with pytest.raises(ValidationError):
        jobs.job_retry(job=job, actor=small_world.users[Role.OFFICE])


def test_retry_runs_the_job_again(small_world, django_capture_on_commit_callbacks):
    GradeRuleSet.objects.filter(school_year=small_world.year, grade_level=6).delete()
    job, _ = _start(small_world, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.FAILED
    GradeRuleSet.objects.create(school_year=small_world.year, grade_level=6, rule_set="tt22_2021")
    with django_capture_on_commit_callbacks(execute=True):
        jobs.job_retry(job=job, actor=small_world.users[Role.OFFICE])
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.attempts == 2 and job.error == ""


def test_an_unexpected_error_fails_the_job_with_a_reason(small_world, django_capture_on_commit_callbacks, monkeypatch):
    def broken(*args, **kwargs):
        raise MemoryError

    monkeypatch.setattr(pdf, "render", broken)
    job, _ = _start(small_world, django_capture_on_commit_callbacks)
    assert job.status == Job.Status.FAILED and "MemoryError" in job.error and "thử lại" in job.error


def test_ids_from_another_school_are_refused(small_world, django_capture_on_commit_callbacks):
    other = make_print_world(students=1, scored=1, extras=False)
    for scope in (
        {"class_group": other.class_group.pk, "term": small_world.term(1).pk},
        {"class_group": small_world.class_group.pk, "term": other.term(1).pk},
        {"class_group": "1", "term": small_world.term(1).pk},
    ):
        with pytest.raises(ValidationError):
            jobs.job_start(
                kind=Job.Kind.CLASS_BOOK, scope=scope, actor=small_world.users[Role.OFFICE], school=small_world.school
            )
    assert not Job.objects.filter(school=small_world.school).exists()


@pytest.mark.django_db
def test_the_whole_school_is_one_task_per_class_and_one_zip(django_capture_on_commit_callbacks):
    world = make_print_world(classes=3, students=1, scored=1, extras=False)
    job, _callbacks = _start(
        world, django_capture_on_commit_callbacks, kind=Job.Kind.SCHOOL_BOOKS, scope={"term": world.term(1).pk}
    )
    children = list(job.children.order_by("pk"))
    assert len(children) == 3 and all(c.kind == Job.Kind.CLASS_BOOK for c in children)
    assert all(c.status == Job.Status.DONE for c in children)
    assert job.status == Job.Status.DONE and job.content_type == jobs.ZIP
    data = job.file.read()
    assert hashlib.sha256(data).hexdigest() == job.sha256
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        names = archive.namelist()
        assert names == [c.file_name for c in children]
        assert archive.read(names[0]) == children[0].file.open("rb").read()
    assert job.pages == sum(c.pages for c in children)


@pytest.mark.django_db
def test_a_failed_class_fails_the_batch_and_retry_reruns_only_it(django_capture_on_commit_callbacks, monkeypatch):
    world = make_print_world(classes=2, students=1, scored=1, extras=False)
    original = pdf.class_book_pdf
    broken = {world.classes[1].name}

    def sometimes(book, **kwargs):
        if book.class_name in broken:
            raise RuntimeError("hỏng")
        return original(book, **kwargs)

    monkeypatch.setattr(pdf, "class_book_pdf", sometimes)
    job, _ = _start(
        world, django_capture_on_commit_callbacks, kind=Job.Kind.SCHOOL_BOOKS, scope={"term": world.term(1).pk}
    )
    assert job.status == Job.Status.FAILED and "6B" in job.error
    done, failed = job.children.order_by("pk")
    assert done.status == Job.Status.DONE and failed.status == Job.Status.FAILED
    finished_before = done.finished_at
    broken.clear()
    with django_capture_on_commit_callbacks(execute=True):
        jobs.job_retry(job=job, actor=world.users[Role.OFFICE])
    job.refresh_from_db()
    done.refresh_from_db()
    assert job.status == Job.Status.DONE and done.finished_at == finished_before
    assert job.children.filter(status=Job.Status.DONE).count() == 2


def test_another_apps_job_is_never_run_or_retried_here(small_world):
    office = small_world.users[Role.OFFICE]
    job = Job(
        school=small_world.school,
        kind=Job.Kind.EXPORT,
        scope={"period": "year"},
        title="Xuất kết quả",
        requested_by=office,
        created_at=timezone.now(),
        status=Job.Status.FAILED,
        error="Lỗi của việc xuất",
    )
    job.save()
    assert jobs.job_run(job.pk) is None
    with pytest.raises(ValidationError):
        jobs.job_retry(job=job, actor=office)
    job.refresh_from_db()
    assert (job.status, job.attempts, job.error) == (Job.Status.FAILED, 0, "Lỗi của việc xuất")
