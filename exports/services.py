"""Writes of the exports app: start a results export, run it, run the district's combined workbook.

A school's export is a ``printing.Job`` of kind ``"export"`` plus its ``ResultsExport`` record,
both written in the request's transaction; the task is enqueued once that transaction commits
(``transaction.on_commit``) and takes only the job's id. Running it again is safe (tasks are
``acks_late``): a job already done is left alone, and everything a run writes is keyed by the job
row. Every write has the requesting person as its history user and a reason, since a worker has no
request to take them from. The file is written to a temporary file in write-only mode and copied
into storage in chunks; its SHA-256 and the fingerprint of its data are recorded.

When an export finishes it is compared with the latest earlier export of the same scope: it
supersedes it, and when the data differ (a correction was carried out since, LC Đ11.2b) it is the
updated version ("bản cập nhật", assessment-rules.md §11), with the number of corrections carried
out in between.
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
import unicodedata
from collections.abc import Callable
from pathlib import Path

from celery.exceptions import SoftTimeLimitExceeded
from django.core.exceptions import ValidationError
from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from accounts.models import User
from corrections.models import Correction
from printing.models import Job
from schools.models import ClassGroup, DistrictOffice, School, SchoolYear

from . import selectors, xlsx
from .models import EXPORT_KIND, DistrictWorkbook, Period, ResultsExport

logger = logging.getLogger(__name__)

REASON_START = "Yêu cầu xuất kết quả"
REASON_RUN = "Bắt đầu xuất (lần {n})"
REASON_PROGRESS = "Tiến độ"
REASON_DONE = "Đã xuất xong"
REASON_FAILED = "Không xuất được"
REASON_RETRY = "Thử lại"
WAITING = "Đang chờ đến lượt"
APPLIED = (Correction.Status.APPLIED, Correction.Status.SIGNED, Correction.Status.ARCHIVED)
PERIOD_SLUG = {Period.TERM1: "hk1", Period.TERM2: "hk2", Period.YEAR: "ca-nam"}


class ExportFailed(Exception):
    """The export cannot be built; the message (Vietnamese) says why."""


def _stamp(obj, actor: User, reason: str) -> None:
    obj._history_user = actor
    obj._change_reason = reason


def safe_name(text: str) -> str:
    """ASCII, lower case, dashes: safe in any file system and in a Content-Disposition header."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return slugify(unicodedata.normalize("NFKD", text)) or "tep"


def _period_label(period: str) -> str:
    return selectors.PERIOD_TITLE[Period(period)]


PERIOD_WORDS = {Period.TERM1: "học kì I", Period.TERM2: "học kì II", Period.YEAR: "cả năm"}


# --- starting -----------------------------------------------------------------------------------


def _title(school_year: SchoolYear, period: str, scope: str, grade: int | None, class_group: ClassGroup | None) -> str:
    where = "cả trường"
    if scope == ResultsExport.Scope.GRADE:
        where = f"khối {grade}"
    elif scope == ResultsExport.Scope.CLASS and class_group is not None:
        where = f"lớp {class_group.name}"
    return f"Kết quả {PERIOD_WORDS[Period(period)]} năm học {school_year.name}, {where}"


def _enqueue(task: Callable, object_id: int) -> None:
    transaction.on_commit(lambda: task.delay(object_id))


@transaction.atomic
def export_start(
    *,
    actor: User,
    school: School,
    school_year: SchoolYear,
    period: str,
    scope: str,
    grade_level: int | None = None,
    class_group: ClassGroup | None = None,
    with_national_id: bool = False,
) -> ResultsExport:
    """Record a results export (a job and its record) and enqueue it once the transaction commits."""
    if school_year.school_id != school.pk:
        raise ValidationError(_("Choose a school year of your school."))
    if period not in Period.values:
        raise ValidationError(_("Choose the term or the whole year."))
    if scope == ResultsExport.Scope.SCHOOL:
        grade_level, class_group = None, None
    elif scope == ResultsExport.Scope.GRADE:
        class_group = None
        if grade_level not in school.grade_levels:
            raise ValidationError(_("Choose a grade level of the school to export."))
        if not ClassGroup.objects.filter(school_year=school_year, grade_level=grade_level).exists():
            raise ValidationError(_("Grade %(grade)s has no class in this school year.") % {"grade": grade_level})
    elif scope == ResultsExport.Scope.CLASS:
        grade_level = None
        if class_group is None or class_group.school_year_id != school_year.pk:
            raise ValidationError(_("Choose a class of this school year."))
    else:
        raise ValidationError(_("Choose what to export: the whole school, a grade level or a class."))
    now = timezone.now()
    title = _title(school_year, period, scope, grade_level, class_group)
    job = Job(
        school=school,
        kind=EXPORT_KIND,
        scope={
            "school_year": school_year.pk,
            "period": period,
            "scope": scope,
            "grade": grade_level,
            "class_group": class_group.pk if class_group else None,
            "national_id": with_national_id,
        },
        title=title,
        requested_by=actor,
        created_at=now,
        message=WAITING,
    )
    _stamp(job, actor, REASON_START)
    job.save()
    export = ResultsExport(
        school=school,
        school_year=school_year,
        period=period,
        scope=scope,
        grade_level=grade_level,
        class_group=class_group,
        with_national_id=with_national_id,
        job=job,
        requested_by=actor,
        created_at=now,
    )
    _stamp(export, actor, REASON_START)
    export.save()
    from .tasks import run_export

    _enqueue(run_export, job.pk)
    return export


@transaction.atomic
def export_retry(*, export: ResultsExport, actor: User) -> ResultsExport:
    """Run a failed export again."""
    job = Job.objects.select_for_update().get(pk=export.job_id)
    if job.status != Job.Status.FAILED:
        raise ValidationError(_("Only an export that failed can be run again."))
    _reset(job, actor)
    from .tasks import run_export

    _enqueue(run_export, job.pk)
    return export


def _reset(job, actor: User) -> None:
    job.status = Job.Status.QUEUED
    job.progress = 0
    job.error = ""
    job.finished_at = None
    job.message = WAITING
    _stamp(job, actor, REASON_RETRY)
    job.save(update_fields=["status", "progress", "error", "finished_at", "message"])


# --- running: shared by the school's jobs and the district's workbooks --------------------------


class Reporter:
    """Writes a job's progress to its row, at most every five percent: each write is an audited
    save (a history row), and a school's export takes seconds, so twenty steps are plenty."""

    STEP = 5

    def __init__(self, job, low: int = 5, high: int = 97):
        self.job = job
        self.low = low
        self.high = high

    def __call__(self, fraction: float, message: str) -> None:
        value = self.low + int((self.high - self.low) * max(0.0, min(1.0, fraction)))
        if value < self.job.progress + self.STEP and value < self.high:
            return
        self.job.progress = value
        self.job.message = message[:300]
        _stamp(self.job, self.job.requested_by, REASON_PROGRESS)
        self.job.save(update_fields=["progress", "message"])


def _claim(model, pk: int, *, first_message: str):
    """Mark the job running (once more when a worker died under it); None if it is done already."""
    with transaction.atomic():
        job = model.objects.select_for_update().select_related("requested_by").filter(pk=pk).first()
        if job is None or job.status == Job.Status.DONE:
            return None
        if model is Job and job.kind != EXPORT_KIND:
            return None
        job.status = Job.Status.RUNNING
        job.started_at = timezone.now()
        job.finished_at = None
        job.attempts += 1
        job.progress = 1
        job.error = ""
        job.message = first_message
        _stamp(job, job.requested_by, REASON_RUN.format(n=job.attempts))
        job.save(update_fields=["status", "started_at", "finished_at", "attempts", "progress", "error", "message"])
        return job


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _store(job, path: Path, name: str, storage_name: str) -> None:
    with path.open("rb") as handle:
        job.file.save(storage_name, File(handle), save=False)
    job.file_name = name
    job.content_type = xlsx.XLSX
    job.size = path.stat().st_size


def _fail(model, pk: int, reason: str, actor: User) -> None:
    with transaction.atomic():
        fresh = model.objects.select_for_update().get(pk=pk)
        if fresh.status == Job.Status.DONE:
            return
        fresh.status = Job.Status.FAILED
        fresh.error = reason
        fresh.message = "Không xuất được"
        fresh.finished_at = timezone.now()
        _stamp(fresh, actor, REASON_FAILED)
        fresh.save(update_fields=["status", "error", "message", "finished_at"])


def _run(model, pk: int, build: Callable, *, first_message: str):
    job = _claim(model, pk, first_message=first_message)
    if job is None:
        return None
    try:
        with tempfile.TemporaryDirectory(prefix="sodiem-export-") as folder:
            build(job, Path(folder))
    except (ExportFailed, selectors.ExportUnavailable) as exc:
        _fail(model, job.pk, str(exc), job.requested_by)
    except SoftTimeLimitExceeded:
        _fail(
            model,
            job.pk,
            "Quá thời gian cho phép của một lần xuất; thầy/cô thử lại hoặc báo quản trị.",
            job.requested_by,
        )
    except Exception as exc:  # the reason goes to the person; the trace to the log
        logger.exception("export job %s failed", job.pk)
        _fail(
            model,
            job.pk,
            f"Lỗi khi xuất tệp ({exc.__class__.__name__}); thử lại, nếu vẫn lỗi thì báo quản trị.",
            job.requested_by,
        )
    job.refresh_from_db()
    return job


# --- the school's export -------------------------------------------------------------------------


def _office_line(school: School) -> str:
    district = school.district
    return f"{district.province.name} – {district.name}"


def _heading(export: ResultsExport, source: selectors.ExportSource, approved: bool | None) -> xlsx.Heading:
    school = source.school
    when = timezone.localtime(timezone.now())
    who = export.requested_by.full_name or export.requested_by.username
    rules = "; ".join(sorted({layout.rule_set_name for layout in source.layouts.values()}))
    if approved:
        state = "kết quả đã được Hiệu trưởng phê duyệt"
    else:
        state = "kết quả CHƯA được Hiệu trưởng phê duyệt: tính theo điểm hiện có trong sổ"
    return xlsx.Heading(
        office=_office_line(school),
        school=f"{school.name} (mã trường {school.code})",
        report=f"KẾT QUẢ HỌC TẬP VÀ RÈN LUYỆN {_period_label(export.period)} – NĂM HỌC {export.school_year.name}",
        state=f"Xuất lúc {when:%H:%M %d/%m/%Y} bởi {who}; {state}. Quy định đánh giá: {rules}.",
    )


def _file_name(export: ResultsExport) -> str:
    parts = ["ket-qua", PERIOD_SLUG[Period(export.period)], export.school_year.name, safe_name(export.school.code)]
    if export.scope == ResultsExport.Scope.GRADE:
        parts.append(f"khoi-{export.grade_level}")
    elif export.scope == ResultsExport.Scope.CLASS:
        parts.append(f"lop-{safe_name(export.class_group.name)}")
    return "-".join(parts) + ".xlsx"


def export_run(job_id: int) -> Job | None:
    """Build the export's workbook. Safe to call twice: a job already done is left as it is."""
    return _run(Job, job_id, _build_export, first_message="Đang tổng hợp dữ liệu")


def _build_export(job: Job, folder: Path) -> None:
    export = ResultsExport.objects.select_related(
        "school__district__province", "school_year", "class_group", "requested_by"
    ).get(job=job)
    source = selectors.results_source(
        export.school_year,
        export.period,
        grade=export.grade_level,
        class_group=export.class_group,
        with_national_id=export.with_national_id,
    )
    total = max(source.student_count, 1)
    report = Reporter(job)
    stats = selectors.StatisticsBuilder(source)
    fingerprint = selectors.Fingerprint(
        "results/1", export.school_year.name, export.period, export.scope, export.grade_level, export.class_group_id
    )
    counts = {"students": 0, "incomplete": 0, "approved": True}

    def rows():
        for row in source.rows():
            counts["students"] += 1
            if not row.complete:
                counts["incomplete"] += 1
            if row.counted and not row.approved:
                counts["approved"] = False
            fingerprint.add(row)
            stats.add(row)
            if counts["students"] % 50 == 0:
                report(counts["students"] / total, f"Đã ghi {counts['students']}/{total} học sinh")
            yield row

    approved = source.approved
    path = folder / "export.xlsx"
    xlsx.write_results(
        path,
        heading=_heading(export, source, approved),
        layouts=source.layouts,
        rows=rows(),
        with_national_id=export.with_national_id,
        year=export.period == Period.YEAR,
        statistics=stats.tables,
    )
    report(1.0, "Đang lưu tệp")
    _finish_export(
        job,
        export,
        path,
        fingerprint=fingerprint.hexdigest(),
        students=counts["students"],
        incomplete=counts["incomplete"],
        approved=counts["approved"] and approved,
    )


def _finish_export(
    job: Job, export: ResultsExport, path: Path, *, fingerprint: str, students: int, incomplete: int, approved: bool
) -> None:
    name = _file_name(export)
    sha256 = _sha256(path)
    with transaction.atomic():
        fresh = Job.objects.select_for_update().get(pk=job.pk)
        if fresh.status == Job.Status.DONE:  # another delivery of the task finished first
            return
        record = ResultsExport.objects.select_for_update().get(pk=export.pk)
        _store(fresh, path, name, f"exports/{timezone.now():%Y/%m}/{fresh.pk}-{name}")
        now = timezone.now()
        fresh.sha256 = sha256
        fresh.fingerprint = fingerprint
        fresh.status = Job.Status.DONE
        fresh.progress = 100
        fresh.finished_at = now
        previous = (
            ResultsExport.objects.filter(
                school_id=record.school_id,
                school_year_id=record.school_year_id,
                period=record.period,
                scope=record.scope,
                grade_level=record.grade_level,
                class_group_id=record.class_group_id,
                finished_at__isnull=False,
            )
            .exclude(pk=record.pk)
            .order_by("-finished_at", "-pk")
            .first()
        )
        record.finished_at = now
        record.sha256 = sha256
        record.fingerprint = fingerprint
        record.student_count = students
        record.incomplete_count = incomplete
        record.approved = approved
        message = f"Đã xong: {students} học sinh"
        if previous is not None:
            record.supersedes = previous
            record.data_changed = previous.fingerprint != fingerprint
            record.corrections_since = Correction.objects.filter(
                school_year_id=record.school_year_id,
                status__in=APPLIED,
                applied_at__gt=previous.finished_at,
                applied_at__lte=now,
            ).count()
            if record.data_changed:
                message += (
                    f"; bản cập nhật thay cho bản xuất lúc {timezone.localtime(previous.finished_at):%H:%M %d/%m/%Y}"
                )
            else:
                message += "; dữ liệu giống bản xuất trước"
        fresh.message = message[:300]
        _stamp(fresh, job.requested_by, REASON_DONE)
        fresh.save()
        _stamp(record, job.requested_by, REASON_DONE)
        record.save()


# --- the district's combined workbook ----------------------------------------------------------------


@transaction.atomic
def district_workbook_start(*, actor: User, district: DistrictOffice, start_year: int, period: str) -> DistrictWorkbook:
    if period not in Period.values:
        raise ValidationError(_("Choose the term or the whole year."))
    if not SchoolYear.objects.filter(school__district=district, start_year=start_year).exists():
        raise ValidationError(_("No school of the district has this school year."))
    label = PERIOD_WORDS[Period(period)]
    workbook = DistrictWorkbook(
        district=district,
        start_year=start_year,
        period=period,
        title=f"Tổng hợp kết quả {label} năm học {start_year}-{start_year + 1}, {district.name}",
        requested_by=actor,
        created_at=timezone.now(),
        message=WAITING,
    )
    _stamp(workbook, actor, REASON_START)
    workbook.save()
    from .tasks import run_district_workbook

    _enqueue(run_district_workbook, workbook.pk)
    return workbook


@transaction.atomic
def district_workbook_retry(*, workbook: DistrictWorkbook, actor: User) -> DistrictWorkbook:
    fresh = DistrictWorkbook.objects.select_for_update().get(pk=workbook.pk)
    if fresh.status != Job.Status.FAILED:
        raise ValidationError(_("Only an export that failed can be run again."))
    _reset(fresh, actor)
    from .tasks import run_district_workbook

    _enqueue(run_district_workbook, fresh.pk)
    return fresh


def district_workbook_run(workbook_id: int) -> DistrictWorkbook | None:
    return _run(DistrictWorkbook, workbook_id, _build_district, first_message="Đang tìm các bản xuất của trường")


def _summary_line(export: ResultsExport | None) -> list:
    if export is None:
        return ["Chưa gửi", "", "", "", "", "", ""]
    who = export.requested_by.full_name or export.requested_by.username
    return [
        "Đã gửi",
        f"{timezone.localtime(export.finished_at):%H:%M %d/%m/%Y}",
        who,
        export.student_count,
        "Có" if export.approved else "Chưa",
        "Có" if export.is_update else "",
        export.sha256,
    ]


def _build_district(workbook: DistrictWorkbook, folder: Path) -> None:
    district = DistrictOffice.objects.select_related("province").get(pk=workbook.district_id)
    schools = selectors.district_schools([district])
    latest = selectors.latest_school_exports(schools, workbook.start_year, workbook.period)
    files: list[xlsx.SchoolFile] = []
    sources = []
    for school in schools:
        export = latest.get(school.pk)
        path = None
        if export is not None:
            job = export.job
            if not job.file:
                export = None
            else:
                path = folder / f"{school.pk}.xlsx"
                digest = hashlib.sha256()
                with job.file.open("rb") as handle, path.open("wb") as out:
                    for chunk in iter(lambda h=handle: h.read(1 << 20), b""):
                        digest.update(chunk)
                        out.write(chunk)
                if digest.hexdigest() != export.sha256:
                    raise ExportFailed(f"Tệp xuất của {school.name} không khớp mã kiểm tra SHA-256: báo quản trị.")
                sources.append({"export": export.pk, "school": school.pk, "sha256": export.sha256})
        files.append(xlsx.SchoolFile(school.code, school.name, path, _summary_line(export)))
    when = timezone.localtime(timezone.now())
    who = workbook.requested_by.full_name or workbook.requested_by.username
    heading = xlsx.Heading(
        office=f"{district.province.name} – {district.name}",
        school=f"{len(sources)}/{len(schools)} trường đã gửi kết quả",
        report=f"KẾT QUẢ HỌC TẬP VÀ RÈN LUYỆN {_period_label(workbook.period)} – NĂM HỌC "
        f"{workbook.start_year}-{workbook.start_year + 1}",
        state=f"Tổng hợp lúc {when:%H:%M %d/%m/%Y} bởi {who} từ bản xuất gần nhất của mỗi trường.",
    )
    report = Reporter(workbook)
    path = folder / "district.xlsx"
    rows = xlsx.combine_district(path, heading=heading, schools=files, progress=report)
    report(1.0, "Đang lưu tệp")
    name = f"tong-hop-{PERIOD_SLUG[Period(workbook.period)]}-{workbook.start_year}-{workbook.start_year + 1}"
    name = f"{name}-{safe_name(district.code)}.xlsx"
    sha256 = _sha256(path)
    with transaction.atomic():
        fresh = DistrictWorkbook.objects.select_for_update().select_related("requested_by").get(pk=workbook.pk)
        if fresh.status == Job.Status.DONE:
            return
        _store(fresh, path, name, f"{timezone.now():%Y/%m}/{fresh.pk}-{name}")
        fresh.sha256 = sha256
        fresh.sources = sources
        fresh.status = Job.Status.DONE
        fresh.progress = 100
        fresh.finished_at = timezone.now()
        fresh.message = f"Đã xong: {len(sources)}/{len(schools)} trường, {rows} học sinh"
        _stamp(fresh, fresh.requested_by, REASON_DONE)
        fresh.save()
