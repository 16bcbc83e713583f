"""The printed books carry the head of the audit chain (goal G6): the job seals the history written
so far and prints "Dấu kiểm toàn vẹn nhật kí: #seq digest (time)" on the last page, so a later edit of
the history no longer matches the paper the school keeps."""

from __future__ import annotations

import re
import subprocess

import pytest

from accounts.models import Role
from printing import jobs
from printing.models import Job
from schools import audit
from schools.models import AuditSeal, ClassSubject, TeachingAssignment

pytestmark = pytest.mark.django_db


def _text(job: Job, tmp_path) -> list[str]:
    path = tmp_path / "book.pdf"
    path.write_bytes(job.file.read())
    text = subprocess.run(["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True).stdout  # noqa: S603, S607
    return [re.sub(r"\s+", " ", page) for page in text.split("\f") if page.strip()]


def _run(world, kind: str, scope: dict, actor, django_capture_on_commit_callbacks) -> Job:
    with django_capture_on_commit_callbacks(execute=True):
        job = jobs.job_start(kind=kind, scope=scope, actor=actor, school=world.school)
    job.refresh_from_db()
    assert job.status == Job.Status.DONE, job.error
    return job


def test_the_class_book_prints_the_chain_head_on_its_last_page(
    small_world, django_capture_on_commit_callbacks, tmp_path
):
    assert not AuditSeal.objects.exists()
    scope = {"class_group": small_world.class_group.pk, "term": small_world.term(1).pk}
    job = _run(
        small_world, Job.Kind.CLASS_BOOK, scope, small_world.users[Role.OFFICE], django_capture_on_commit_callbacks
    )
    head = audit.chain_head()
    # Everything written before the rendering is sealed; only the job's own progress came after.
    assert head is not None and audit.verify_audit_chain().ok
    assert set(audit.verify_audit_chain().unsealed) <= {"printing.historicaljob"}
    pages = _text(job, tmp_path)
    line = f"Dấu kiểm toàn vẹn nhật kí: {audit.head_text(head)}"
    assert line in pages[-1]
    assert re.search(r"Dấu kiểm toàn vẹn nhật kí: #\d+ [0-9a-f]{16} \(\d\d:\d\d \d\d/\d\d/\d{4}\)", pages[-1])
    assert not any(line in page for page in pages[:-1])


def test_the_teacher_book_prints_the_chain_head(small_world, django_capture_on_commit_callbacks, tmp_path):
    cs = ClassSubject.objects.filter(class_group=small_world.class_group, subject__kind="score").first()
    assignment = TeachingAssignment.objects.get(class_subject=cs)
    scope = {"assignment": assignment.pk, "term": small_world.term(1).pk}
    job = _run(
        small_world, Job.Kind.TEACHER_BOOK, scope, small_world.teachers[cs.pk], django_capture_on_commit_callbacks
    )
    pages = _text(job, tmp_path)
    assert f"Dấu kiểm toàn vẹn nhật kí: {audit.head_text(audit.chain_head())}" in pages[-1]
