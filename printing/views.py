"""Pages of the printing app: the print page, a job's progress page (polled by job-progress.js) and
its file, the office's register of printed books.

Thin function views: access (404 for outsiders, 403 for readers) → form → service → response.
Rendering never happens here: a job is recorded and handed to a worker (in-process when no
broker is configured); the page polls the job row.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.access import actor_for, current_year
from accounts.models import Role
from schools.models import ClassGroup, School, Term

from . import jobs, selectors, services
from .access import (
    PRINTERS,
    READERS,
    assignments_printable,
    get_assignment_for_print,
    get_class_for_print,
    get_class_for_register,
    get_job_for_retry,
    get_job_for_view,
    jobs_visible,
    may_print_books,
    may_read_books,
    require_school_roles,
)
from .forms import STEP_FORMS, TeacherBookForm, TermForm
from .models import BookRegister, Job


def _year_or_404(user):
    year = current_year(user)
    if year is None:
        raise Http404
    return year


def _default_term(terms: list[Term]) -> Term | None:
    """The term under way, else the last one begun, else the first."""
    today = timezone.localdate()
    started = [t for t in terms if t.start_date <= today]
    return started[-1] if started else (terms[0] if terms else None)


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The print page: the class books of a term with their register (office and leadership), the
    teachers' books one may print, and the recent prints. Any term of the school's years."""
    actor = actor_for(request.user)
    if actor.school_id is None:
        raise Http404
    current = _year_or_404(request.user)
    reader = may_read_books(request.user)
    printable = assignments_printable(request.user)
    if not reader and not printable.exists():
        require_school_roles(request.user, *READERS)
    terms = list(
        Term.objects.filter(school_year__school_id=actor.school_id)
        .select_related("school_year")
        .order_by("-school_year__start_year", "number")
    )
    term = _default_term([t for t in terms if t.school_year_id == current.pk][::-1])
    chosen = request.GET.get("hoc-ki", "")
    if chosen.isdigit():
        term = next((t for t in terms if t.pk == int(chosen)), term)
    if term is None:
        raise Http404
    year = term.school_year
    printer = may_print_books(request.user)
    assignments = printable.filter(class_subject__class_group__school_year=year)
    classes = list(ClassGroup.objects.filter(school_year=year).order_by("grade_level", "name")) if printer else []
    class_filter = None
    if printer:
        # The whole school's assignments are long: the office picks one class at a time.
        wanted = request.GET.get("lop", "")
        class_filter = next(
            (c for c in classes if wanted.isdigit() and c.pk == int(wanted)), classes[0] if classes else None
        )
        assignments = assignments.filter(class_subject__class_group=class_filter)
    assignments = assignments.select_related(
        "teacher", "class_subject__subject", "class_subject__class_group"
    ).order_by(
        "class_subject__class_group__grade_level", "class_subject__class_group__name", "class_subject__subject__order"
    )
    return render(
        request,
        "printing/index.html",
        {
            "year": year,
            "terms": terms,
            "term": term,
            "rows": selectors.class_rows(year, term) if reader else [],
            "reader": reader,
            "printer": printer,
            "office": actor.has(Role.OFFICE),
            "assignments": list(assignments),
            "classes": classes,
            "class_filter": class_filter,
            "jobs": selectors.jobs_of(jobs_visible(request.user)),
        },
    )


def _started(request: HttpRequest, job: Job) -> HttpResponse:
    messages.success(request, _("The print has been asked for: this page shows its progress."))
    return redirect("printing:job", job_id=job.pk)


def _refused(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "printing/refused.html", {"message": message}, status=status)


@login_required
@require_POST
def start_class_book(request: HttpRequest, class_id: int) -> HttpResponse:
    class_group = get_class_for_print(request.user, class_id, write=True)
    form = TermForm(request.POST, year=class_group.school_year)
    if not form.is_valid():
        return _refused(request, " ".join(e for errors in form.errors.values() for e in errors))
    try:
        job = jobs.job_start(
            kind=Job.Kind.CLASS_BOOK,
            scope={"class_group": class_group.pk, "term": form.term_obj.pk},
            actor=request.user,
            school=class_group.school_year.school,
        )
    except ValidationError as exc:
        return _refused(request, _errors(exc))
    return _started(request, job)


@login_required
@require_POST
def start_school_books(request: HttpRequest) -> HttpResponse:
    actor = require_school_roles(request.user, *PRINTERS)
    school = School.objects.get(pk=actor.school_id)
    form = TermForm(request.POST, school=school)
    if not form.is_valid():
        return _refused(request, " ".join(e for errors in form.errors.values() for e in errors))
    try:
        job = jobs.job_start(
            kind=Job.Kind.SCHOOL_BOOKS, scope={"term": form.term_obj.pk}, actor=request.user, school=school
        )
    except ValidationError as exc:
        return _refused(request, _errors(exc))
    return _started(request, job)


@login_required
@require_POST
def start_teacher_book(request: HttpRequest, assignment_id: int) -> HttpResponse:
    assignment = get_assignment_for_print(request.user, assignment_id)
    year = assignment.class_subject.class_group.school_year
    form = TeacherBookForm(request.POST, year=year)
    if not form.is_valid():
        return _refused(request, " ".join(e for errors in form.errors.values() for e in errors))
    try:
        job = jobs.job_start(
            kind=Job.Kind.TEACHER_BOOK,
            scope={"assignment": assignment.pk, "term": form.term_obj.pk, "filled": form.cleaned_data["filled"]},
            actor=request.user,
            school=year.school,
        )
    except ValidationError as exc:
        return _refused(request, _errors(exc))
    return _started(request, job)


def _archive_comparison(job: Job) -> BookRegister | None:
    if job.kind != Job.Kind.CLASS_BOOK:
        return None
    return (
        BookRegister.objects.filter(
            class_group_id=job.scope.get("class_group"), term_id=job.scope.get("term"), step=BookRegister.Step.ARCHIVED
        )
        .select_related("class_group")
        .first()
    )


def status_payload(job: Job) -> dict:
    """What job-progress.js shows: the same for a job run in-process or by a worker."""
    data = {
        "id": job.pk,
        "status": job.status,
        "status_label": str(job.get_status_display()),
        "progress": job.progress,
        "message": job.message,
        "error": job.error,
        "finished": job.is_finished,
        "download": reverse("printing:download", args=[job.pk]) if job.status == Job.Status.DONE else "",
        "pages": job.pages,
    }
    if job.kind == Job.Kind.SCHOOL_BOOKS:
        stats = jobs.batch_progress(job)
        data["children"] = stats
        if not job.is_finished:
            data["progress"] = stats["mean"]
            data["message"] = _("%(done)s of %(total)s classes printed") % stats
    return data


@login_required
@require_GET
def job_page(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_job_for_view(request.user, job_id)
    children = list(job.children.order_by("pk")) if job.kind == Job.Kind.SCHOOL_BOOKS else []
    archived = _archive_comparison(job)
    class_group = term = None
    if job.kind == Job.Kind.CLASS_BOOK and job.status == Job.Status.DONE:
        term = Term.objects.filter(pk=job.scope.get("term")).first()
        class_group = job.scope.get("class_group")
    return render(
        request,
        "printing/job.html",
        {
            "job": job,
            "payload": status_payload(job),
            "children": children,
            "archived": archived,
            "may_retry": job.kind in Job.PRINT_KINDS
            and (job.requested_by_id == request.user.pk or may_print_books(request.user)),
            "office": actor_for(request.user).has(Role.OFFICE),
            "register_class": class_group,
            "register_term": term,
        },
    )


@never_cache
@login_required
@require_GET
def job_status(request: HttpRequest, job_id: int) -> JsonResponse:
    job = get_job_for_view(request.user, job_id)
    return JsonResponse(status_payload(job))


@login_required
@require_POST
def job_retry(request: HttpRequest, job_id: int) -> HttpResponse:
    job = get_job_for_retry(request.user, job_id)
    try:
        jobs.job_retry(job=job, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("The print runs again."))
    return redirect("printing:job", job_id=job.pk)


@login_required
@require_GET
def download(request: HttpRequest, job_id: int) -> FileResponse:
    job = get_job_for_view(request.user, job_id)
    if job.status != Job.Status.DONE or not job.file:
        raise Http404
    try:
        handle = job.file.open("rb")
    except OSError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=job.file_name, content_type=job.content_type)


# --- the register ---------------------------------------------------------------------------


def _register_context(request, class_group, term, forms=None, status=200) -> HttpResponse:
    register = (
        BookRegister.objects.filter(class_group=class_group, term=term)
        .select_related("printed_job", "printed_by", "updated_by")
        .first()
    )
    done_jobs = list(
        Job.objects.filter(
            school_id=class_group.school_year.school_id,
            kind=Job.Kind.CLASS_BOOK,
            status=Job.Status.DONE,
            scope__class_group=class_group.pk,
            scope__term=term.pk,
        ).order_by("-finished_at", "-pk")[:5]
    )
    history = list(register.history.select_related("history_user").order_by("-history_date")[:20]) if register else []
    return render(
        request,
        "printing/register.html",
        {
            "class_group": class_group,
            "term": term,
            "register": register,
            "done_jobs": done_jobs,
            "office": actor_for(request.user).has(Role.OFFICE),
            "forms": forms or {},
            "history": history,
            "today": timezone.localdate(),
        },
        status=status,
    )


def _term_of(class_group, term_id: int) -> Term:
    return get_object_or_404(Term, pk=term_id, school_year_id=class_group.school_year_id)


@login_required
@require_GET
def register_page(request: HttpRequest, class_id: int, term_id: int) -> HttpResponse:
    class_group = get_class_for_print(request.user, class_id, write=False)
    return _register_context(request, class_group, _term_of(class_group, term_id))


@login_required
@require_POST
def register_step(request: HttpRequest, class_id: int, term_id: int) -> HttpResponse:
    class_group = get_class_for_register(request.user, class_id)
    term = _term_of(class_group, term_id)
    step = request.POST.get("step", "")
    if step not in STEP_FORMS:
        return _register_context(request, class_group, term, status=400)
    form = STEP_FORMS[step](request.POST)
    if not form.is_valid():
        return _register_context(request, class_group, term, forms={step: form}, status=400)
    data = form.cleaned_data
    register = BookRegister.objects.filter(class_group=class_group, term=term).first()
    try:
        if step == "printed":
            job = get_object_or_404(Job, pk=data["job"], school_id=class_group.school_year.school_id)
            services.register_record_print(
                actor=request.user, class_group=class_group, term=term, job=job, version=data.get("version")
            )
        elif register is None:
            raise ValidationError(_("Record the printed copy first."))
        elif step == "signatures":
            services.register_record_signatures(
                actor=request.user,
                register=register,
                version=data["version"],
                teachers_on=data["teachers_on"],
                homeroom_on=data["homeroom_on"],
                principal_on=data["principal_on"],
            )
        elif step == "seal":
            services.register_record_seal(
                actor=request.user, register=register, version=data["version"], sealed_on=data["sealed_on"]
            )
        else:
            services.register_archive(
                actor=request.user,
                register=register,
                version=data["version"],
                archived_on=data["archived_on"],
                location=data["location"],
            )
    except services.RegisterConflict as exc:
        form.add_error(None, _errors(exc))
        return _register_context(request, class_group, term, forms={step: form}, status=409)
    except ValidationError as exc:
        form.add_error(None, _errors(exc))
        return _register_context(request, class_group, term, forms={step: form}, status=400)
    messages.success(request, _("The register has been updated."))
    return redirect("printing:register", class_id=class_group.pk, term_id=term.pk)


@login_required
@require_GET
def archive_download(request: HttpRequest, class_id: int, term_id: int) -> FileResponse:
    class_group = get_class_for_print(request.user, class_id, write=False)
    term = _term_of(class_group, term_id)
    register = get_object_or_404(BookRegister, class_group=class_group, term=term, step=BookRegister.Step.ARCHIVED)
    try:
        handle = register.archive_file.open("rb")
    except OSError as exc:
        raise Http404 from exc
    name = register.printed_job.file_name or "so-luu-tru.pdf"
    return FileResponse(handle, as_attachment=True, filename=f"luu-tru-{name}", content_type="application/pdf")
