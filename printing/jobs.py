"""Print jobs: start one, run it (in a Celery worker, or in-process when no broker is configured:
the same code path), report its progress in the job row, retry a failed one.

A job is started by ``job_start`` inside a transaction and enqueued only once that transaction
commits (``transaction.on_commit``): a worker never looks for a row it cannot see yet. The task
takes only the job's id. Running a job again is safe (tasks are ``acks_late``, so a job whose worker
died is delivered again): a job already done is left alone, and everything a run writes — status,
progress, the file — is keyed by the job row. Every write to a job has the requesting person as
its history user and a reason, since a worker has no request to take them from.

A job of the whole school's class books is a batch: one child job (one task) per class, so the
workers share the classes between them and each task stays short; the last child to finish
assembles the zip of all the books.
"""

from __future__ import annotations

import hashlib
import io
import logging
import unicodedata
import zipfile
from datetime import date

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Avg, Count, Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from schools import audit
from schools.models import ClassGroup, School, TeachingAssignment, Term

from . import books, pdf
from .models import Job

logger = logging.getLogger(__name__)

REASON_START = "Yêu cầu in"
REASON_RUN = "Bắt đầu dựng tệp (lần {n})"
REASON_PROGRESS = "Tiến độ"
REASON_DONE = "Đã xong"
REASON_REUSED = "Dữ liệu không đổi: dùng lại bản đã in"
REASON_FAILED = "Không in được"
REASON_RETRY = "Thử lại"
PDF = "application/pdf"
ZIP = "application/zip"


def _stamp(obj, actor: User, reason: str) -> None:
    obj._history_user = actor
    obj._change_reason = reason


def _ascii(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return slugify(unicodedata.normalize("NFKD", text)) or "so"


# --- what a scope names ---------------------------------------------------------------------


def _int(scope: dict, key: str) -> int:
    value = scope.get(key)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(_("The print request is incomplete: choose the class and the term again."))
    return value


def _term(school: School, scope: dict) -> Term:
    term = Term.objects.select_related("school_year").filter(pk=_int(scope, "term"), school_year__school=school).first()
    if term is None:
        raise ValidationError(_("Choose a term of this school."))
    return term


def resolve(kind: str, scope: dict, school: School) -> dict:
    """The objects a job's scope names, checked against the school (ids are never trusted)."""
    term = _term(school, scope)
    if kind == Job.Kind.CLASS_BOOK:
        class_group = (
            ClassGroup.objects.select_related("school_year__school__district__province")
            .filter(pk=_int(scope, "class_group"), school_year_id=term.school_year_id)
            .first()
        )
        if class_group is None:
            raise ValidationError(_("The class is not a class of this term's school year."))
        return {"term": term, "class_group": class_group}
    if kind == Job.Kind.TEACHER_BOOK:
        assignment = (
            TeachingAssignment.objects.select_related(
                "teacher",
                "class_subject__subject",
                "class_subject__class_group__school_year__school__district__province",
            )
            .filter(pk=_int(scope, "assignment"), class_subject__class_group__school_year_id=term.school_year_id)
            .first()
        )
        if assignment is None:
            raise ValidationError(_("The teaching assignment is not of this term's school year."))
        return {"term": term, "assignment": assignment, "filled": scope.get("filled") is True}
    if kind == Job.Kind.SCHOOL_BOOKS:
        return {"term": term}
    raise ValidationError(_("Unknown kind of print."))


def _title(kind: str, objects: dict) -> str:
    term = objects["term"]
    term_label = "học kì I" if term.number == 1 else "cả năm"
    year = term.school_year.name
    if kind == Job.Kind.CLASS_BOOK:
        return f"Sổ theo dõi và đánh giá học sinh lớp {objects['class_group'].name}, {term_label} {year}"
    if kind == Job.Kind.TEACHER_BOOK:
        a = objects["assignment"]
        version = "có điểm" if objects["filled"] else "để trống"
        return (
            f"Sổ của giáo viên {a.teacher.full_name}: {a.class_subject.subject.name} "
            f"lớp {a.class_subject.class_group.name}, học kì {'I' if term.number == 1 else 'II'} {year} ({version})"
        )
    return f"Sổ theo dõi và đánh giá học sinh của cả trường, {term_label} {year}"


# --- starting, retrying --------------------------------------------------------------------


def _enqueue(job_ids: list[int]) -> None:
    from .tasks import run_job

    def send() -> None:
        for job_id in job_ids:
            run_job.delay(job_id)

    transaction.on_commit(send)


@transaction.atomic
def job_start(*, kind: str, scope: dict, actor: User, school: School) -> Job:
    """Record a print job and enqueue it once the transaction commits. The whole school's books
    become one child job per class of the term's year."""
    objects = resolve(kind, scope, school)
    now = timezone.now()
    job = Job(
        school=school,
        kind=kind,
        scope=scope,
        title=_title(kind, objects),
        requested_by=actor,
        created_at=now,
        message="Đang chờ đến lượt",
    )
    _stamp(job, actor, REASON_START)
    job.save()
    if kind != Job.Kind.SCHOOL_BOOKS:
        _enqueue([job.pk])
        return job
    classes = list(
        ClassGroup.objects.filter(school_year_id=objects["term"].school_year_id).order_by("grade_level", "name")
    )
    if not classes:
        raise ValidationError(_("The school year has no class to print."))
    children = []
    for class_group in classes:
        child_scope = {"class_group": class_group.pk, "term": objects["term"].pk}
        child = Job(
            school=school,
            kind=Job.Kind.CLASS_BOOK,
            scope=child_scope,
            title=_title(Job.Kind.CLASS_BOOK, {"term": objects["term"], "class_group": class_group}),
            parent=job,
            requested_by=actor,
            created_at=now,
            message="Đang chờ đến lượt",
        )
        _stamp(child, actor, REASON_START)
        child.save()
        children.append(child.pk)
    job.status = Job.Status.RUNNING
    job.started_at = now
    job.message = f"{len(children)} lớp đang chờ in"
    _stamp(job, actor, REASON_START)
    job.save(update_fields=["status", "started_at", "message"])
    _enqueue(children)
    return job


@transaction.atomic
def job_retry(*, job: Job, actor: User) -> Job:
    """Run a failed job again (a batch: its failed classes)."""
    job = Job.objects.select_for_update().get(pk=job.pk)
    if job.kind not in Job.PRINT_KINDS:
        raise ValidationError(_("This job is not a print: run it again from the page that started it."))
    if job.status != Job.Status.FAILED:
        raise ValidationError(_("Only a print that failed can be run again."))
    if job.kind == Job.Kind.SCHOOL_BOOKS:
        failed = list(job.children.select_for_update().filter(status=Job.Status.FAILED).order_by("pk"))
        for child in failed:
            _reset(child, actor)
        job.status = Job.Status.RUNNING
        job.error = ""
        job.finished_at = None
        job.message = f"In lại {len(failed)} lớp"
        _stamp(job, actor, REASON_RETRY)
        job.save(update_fields=["status", "error", "finished_at", "message"])
        _enqueue([child.pk for child in failed])
        return job
    _reset(job, actor)
    _enqueue([job.pk])
    return job


def _reset(job: Job, actor: User) -> None:
    job.status = Job.Status.QUEUED
    job.progress = 0
    job.error = ""
    job.finished_at = None
    job.message = "Đang chờ đến lượt"
    _stamp(job, actor, REASON_RETRY)
    job.save(update_fields=["status", "progress", "error", "finished_at", "message"])


# --- running -------------------------------------------------------------------------------


class _Reporter:
    """Writes the job's progress to its row, at most every two percent (each write is audited)."""

    def __init__(self, job: Job, low: int = 5, high: int = 98):
        self.job = job
        self.low = low
        self.high = high

    def __call__(self, fraction: float, message: str) -> None:
        value = self.low + int((self.high - self.low) * max(0.0, min(1.0, fraction)))
        if value < self.job.progress + 2 and value < self.high:
            return
        self.job.progress = value
        self.job.message = message[:300]
        _stamp(self.job, self.job.requested_by, REASON_PROGRESS)
        self.job.save(update_fields=["progress", "message"])


def _claim(job_id: int) -> Job | None:
    """Mark the job running (once more when a worker died under it); None if it is done already."""
    with transaction.atomic():
        job = Job.objects.select_for_update().select_related("requested_by", "school").filter(pk=job_id).first()
        # A batch is assembled by its children; another app's job (an export) is not ours to run.
        if job is None or job.status == Job.Status.DONE or job.kind not in (Job.Kind.CLASS_BOOK, Job.Kind.TEACHER_BOOK):
            return None
        job.status = Job.Status.RUNNING
        job.started_at = timezone.now()
        job.finished_at = None
        job.attempts += 1
        job.progress = 1
        job.error = ""
        job.message = "Đang tổng hợp dữ liệu"
        _stamp(job, job.requested_by, REASON_RUN.format(n=job.attempts))
        job.save(update_fields=["status", "started_at", "finished_at", "attempts", "progress", "error", "message"])
        return job


def job_run(job_id: int, *, today: date | None = None) -> Job | None:
    """Build the job's file. Safe to call twice: a job already done is left as it is."""
    job = _claim(job_id)
    if job is None:
        return None
    try:
        _build(job, today or timezone.localdate())
    except books.BookUnavailable as exc:
        _fail(job, str(exc))
    except SoftTimeLimitExceeded:
        _fail(job, "Quá thời gian cho phép của một việc in; thầy/cô thử lại hoặc báo quản trị.")
    except Exception as exc:  # the reason goes to the office; the trace to the log
        logger.exception("print job %s failed", job.pk)
        _fail(job, f"Lỗi khi dựng tệp ({exc.__class__.__name__}); thử lại, nếu vẫn lỗi thì báo quản trị.")
    if job.parent_id:
        batch_refresh(job.parent_id)
    return job


def _build(job: Job, today: date) -> None:
    objects = resolve(job.kind, job.scope, job.school)
    term = objects["term"]
    if job.kind == Job.Kind.CLASS_BOOK:
        book = books.class_book(objects["class_group"], term)
        name = f"so-theo-doi-{_ascii(book.class_name)}-{book.year_name}-{'hk1' if term.number == 1 else 'ca-nam'}.pdf"
    else:
        assignment = objects["assignment"]
        book = books.teacher_book(assignment, term, filled=objects["filled"])
        name = (
            f"so-giao-vien-{_ascii(book.teacher)}-{_ascii(book.subject)}-{_ascii(book.class_name)}-hk{term.number}.pdf"
        )
    fingerprint = book.fingerprint()
    stored = _stored_copy(job, fingerprint)
    if stored is not None:
        _finish(
            job,
            file=stored.file.name,
            name=name,
            data=None,
            sha256=stored.sha256,
            pages=stored.pages,
            fingerprint=fingerprint,
            reused=stored,
        )
        return
    report = _Reporter(job)
    # Seal the history written so far and print the chain's head: the paper then anchors the
    # audit trail as it stood when the book was made (goal G6).
    head = audit.seal_and_head()
    if job.kind == Job.Kind.CLASS_BOOK:
        rendered = pdf.class_book_pdf(book, printed_on=today, fingerprint=fingerprint, progress=report, audit_head=head)
    else:
        rendered = pdf.teacher_book_pdf(book, printed_on=today, progress=report, audit_head=head)
    _finish(
        job,
        file=None,
        name=name,
        data=rendered.pdf,
        sha256=hashlib.sha256(rendered.pdf).hexdigest(),
        pages=rendered.pages,
        fingerprint=fingerprint,
        reused=None,
    )


def _stored_copy(job: Job, fingerprint: str) -> Job | None:
    """An earlier finished job whose book showed exactly the same data, with its file intact."""
    candidates = (
        Job.objects.filter(school_id=job.school_id, kind=job.kind, fingerprint=fingerprint, status=Job.Status.DONE)
        .exclude(pk=job.pk)
        .exclude(file="")
        .order_by("-finished_at", "-pk")[:3]
    )
    for candidate in candidates:
        try:
            with candidate.file.open("rb") as handle:
                digest = hashlib.sha256(handle.read()).hexdigest()
        except OSError:
            continue
        if digest == candidate.sha256:
            return candidate
    return None


def _finish(
    job: Job,
    *,
    file: str | None,
    name: str,
    data: bytes | None,
    sha256: str,
    pages,
    fingerprint: str,
    reused: Job | None,
) -> None:
    with transaction.atomic():
        fresh = Job.objects.select_for_update().get(pk=job.pk)
        if fresh.status == Job.Status.DONE:  # another delivery of the task finished first
            return
        if data is not None:
            fresh.file.save(f"{timezone.now():%Y/%m}/{job.pk}-{name}", ContentFile(data), save=False)
            fresh.size = len(data)
        else:
            fresh.file.name = file
            fresh.size = reused.size if reused else None
        fresh.file_name = name
        fresh.content_type = PDF
        fresh.sha256 = sha256
        fresh.fingerprint = fingerprint
        fresh.pages = pages
        fresh.reused_from = reused
        fresh.status = Job.Status.DONE
        fresh.progress = 100
        fresh.finished_at = timezone.now()
        fresh.message = (
            f"Dữ liệu không đổi từ lần in {timezone.localtime(reused.finished_at):%H:%M %d/%m/%Y}: dùng lại bản đó."
            if reused
            else f"Đã xong: {pages} trang"
        )
        _stamp(fresh, job.requested_by, REASON_REUSED if reused else REASON_DONE)
        fresh.save()
    job.refresh_from_db()


def _fail(job: Job, reason: str) -> None:
    with transaction.atomic():
        fresh = Job.objects.select_for_update().get(pk=job.pk)
        if fresh.status == Job.Status.DONE:
            return
        fresh.status = Job.Status.FAILED
        fresh.error = reason
        fresh.message = "Không in được"
        fresh.finished_at = timezone.now()
        _stamp(fresh, job.requested_by, REASON_FAILED)
        fresh.save(update_fields=["status", "error", "message", "finished_at"])
    job.refresh_from_db()


# --- the batch ------------------------------------------------------------------------------


def batch_progress(job: Job) -> dict:
    """Counts and mean progress of a batch's children (one query)."""
    stats = job.children.aggregate(
        total=Count("pk"),
        done=Count("pk", filter=Q(status=Job.Status.DONE)),
        failed=Count("pk", filter=Q(status=Job.Status.FAILED)),
        mean=Avg("progress"),
    )
    stats["mean"] = int(stats["mean"] or 0)
    return stats


def batch_refresh(parent_id: int) -> None:
    """After a child finished: when every class is finished, zip the books (or report the failures).
    The parent row is locked, so two children finishing together zip once."""
    with transaction.atomic():
        parent = Job.objects.select_for_update().select_related("requested_by").get(pk=parent_id)
        if parent.status == Job.Status.DONE:
            return
        children = list(parent.children.order_by("pk"))
        if any(not child.is_finished for child in children):
            return
        failed = [c for c in children if c.status == Job.Status.FAILED]
        parent.finished_at = timezone.now()
        if failed:
            names = ", ".join(c.scope_label for c in _labelled(failed))
            parent.status = Job.Status.FAILED
            parent.error = (
                f"Không in được {len(failed)}/{len(children)} lớp: {names}. Bấm Thử lại để in lại các lớp này."
            )
            parent.message = "Không in được một số lớp"
            _stamp(parent, parent.requested_by, REASON_FAILED)
            parent.save(update_fields=["status", "error", "message", "finished_at"])
            return
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_STORED) as archive:
            for child in children:
                with child.file.open("rb") as handle:
                    archive.writestr(child.file_name or f"{child.pk}.pdf", handle.read())
        data = buffer.getvalue()
        term = _term(parent.school, parent.scope)
        name = f"so-theo-doi-ca-truong-{term.school_year.name}-{'hk1' if term.number == 1 else 'ca-nam'}.zip"
        parent.file.save(f"{timezone.now():%Y/%m}/{parent.pk}-{name}", ContentFile(data), save=False)
        parent.file_name = name
        parent.content_type = ZIP
        parent.size = len(data)
        parent.sha256 = hashlib.sha256(data).hexdigest()
        parent.pages = sum(c.pages or 0 for c in children)
        parent.status = Job.Status.DONE
        parent.progress = 100
        parent.error = ""
        parent.message = f"Đã xong: {len(children)} lớp, {parent.pages} trang"
        _stamp(parent, parent.requested_by, REASON_DONE)
        parent.save()


def _labelled(jobs: list[Job]) -> list[Job]:
    names = dict(ClassGroup.objects.filter(pk__in=[j.scope.get("class_group") for j in jobs]).values_list("pk", "name"))
    for job in jobs:
        job.scope_label = names.get(job.scope.get("class_group"), str(job.pk))
    return jobs
