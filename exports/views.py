"""Pages of the exports app: the school's exports (start one, follow its progress, download it), the
statistics report, and the district supervisor's page.

Thin function views: access (404 for outsiders, 403 for the school's people without the right) →
form → service → response. Writing a workbook never happens in a request: a job is recorded and
handed to a worker (in-process when no broker is configured); the page polls the job row with
``static/js/job-progress.js``, the same script as the print jobs.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from accounts.access import actor_for
from accounts.models import Role
from printing.models import Job
from schools.models import School, SchoolYear

from . import selectors, services
from .access import (
    districts_supervised,
    exports_visible,
    get_district,
    get_export,
    get_received_export,
    get_workbook,
    require_exporter,
)
from .forms import DistrictForm, ExportForm, ScopeForm
from .models import DistrictWorkbook, Period, ResultsExport


def _errors(exc: ValidationError) -> str:
    return " ".join(exc.messages)


def _form_errors(form) -> str:
    return " ".join(str(e) for errors in form.errors.values() for e in errors)


def _school(actor) -> School:
    return School.objects.select_related("district").get(pk=actor.school_id)


def _status_payload(job, download_url: str) -> dict:
    """What job-progress.js reads: the same shape as the print jobs' status."""
    return {
        "id": job.pk,
        "status": job.status,
        "status_label": str(Job.Status(job.status).label),
        "progress": job.progress,
        "message": job.message,
        "error": job.error,
        "finished": job.is_finished,
        "download": download_url if job.status == Job.Status.DONE else "",
    }


def _file_response(owner) -> FileResponse:
    if owner.status != Job.Status.DONE or not owner.file:
        raise Http404
    try:
        handle = owner.file.open("rb")
    except OSError as exc:
        raise Http404 from exc
    return FileResponse(handle, as_attachment=True, filename=owner.file_name, content_type=owner.content_type)


# --- the school's exports -----------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The school's exports; a district supervisor (the main menu's "Reports") goes to his page."""
    if actor_for(request.user).school_id is None and actor_for(request.user).has(Role.SUPERVISOR):
        return redirect("exports:district")
    actor = require_exporter(request.user)
    school = _school(actor)
    return render(
        request,
        "exports/index.html",
        {
            "school": school,
            "form": ExportForm(school=school),
            "exports": selectors.exports_of(exports_visible(request.user)),
        },
    )


@login_required
@require_POST
def start(request: HttpRequest) -> HttpResponse:
    actor = require_exporter(request.user)
    school = _school(actor)
    form = ExportForm(request.POST, school=school)
    if not form.is_valid():
        return _refused(request, _form_errors(form))
    data = form.cleaned_data
    try:
        export = services.export_start(
            actor=request.user,
            school=school,
            school_year=data["year_obj"],
            period=data["period"],
            scope=data["scope"],
            grade_level=data["grade"],
            class_group=data["class_obj"],
            with_national_id=data["with_national_id"],
        )
    except ValidationError as exc:
        return _refused(request, _errors(exc))
    messages.success(request, _("The export has been asked for: this page shows its progress."))
    return redirect("exports:export", export_id=export.pk)


def _refused(request: HttpRequest, message: str, status: int = 400) -> HttpResponse:
    return render(request, "exports/refused.html", {"message": message}, status=status)


@login_required
@require_GET
def export_page(request: HttpRequest, export_id: int) -> HttpResponse:
    export = get_export(request.user, export_id)
    job = export.job
    download = reverse("exports:download", args=[export.pk])
    return render(
        request,
        "exports/job.html",
        {
            "job": job,
            "export": export,
            "payload": _status_payload(job, download),
            "status_url": reverse("exports:status", args=[export.pk]),
            "download_url": download,
            "retry_url": reverse("exports:retry", args=[export.pk]),
            "later": list(export.superseded_by.select_related("requested_by").order_by("created_at")),
        },
    )


@never_cache
@login_required
@require_GET
def export_status(request: HttpRequest, export_id: int) -> JsonResponse:
    export = get_export(request.user, export_id)
    return JsonResponse(_status_payload(export.job, reverse("exports:download", args=[export.pk])))


@login_required
@require_POST
def export_retry(request: HttpRequest, export_id: int) -> HttpResponse:
    export = get_export(request.user, export_id)
    try:
        services.export_retry(export=export, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("The export runs again."))
    return redirect("exports:export", export_id=export.pk)


@login_required
@require_GET
def download(request: HttpRequest, export_id: int) -> FileResponse:
    return _file_response(get_export(request.user, export_id).job)


# --- the statistics report ------------------------------------------------------------------------


@login_required
@require_GET
def statistics(request: HttpRequest) -> HttpResponse:
    """The statistics report of a scope and a period, computed now from the same rows as the export."""
    actor = require_exporter(request.user)
    school = _school(actor)
    form = ScopeForm(request.GET or None, school=school)
    tables, source, error = [], None, ""
    if form.is_bound and form.is_valid():
        data = form.cleaned_data
        try:
            source = selectors.results_source(
                data["year_obj"], data["period"], grade=data["grade"], class_group=data["class_obj"]
            )
            tables = selectors.statistics(source)
        except selectors.ExportUnavailable as exc:
            error = str(exc)
    elif form.is_bound:
        error = _form_errors(form)
    return render(
        request,
        "exports/statistics.html",
        {"school": school, "form": form, "tables": tables, "source": source, "error": error},
        status=400 if error and form.is_bound and not form.is_valid() else 200,
    )


# --- the district office ------------------------------------------------------------------------


def _start_years(districts) -> list[int]:
    return list(
        SchoolYear.objects.filter(school__district__in=districts)
        .order_by("-start_year")
        .values_list("start_year", flat=True)
        .distinct()
    )


@login_required
@require_GET
def district(request: HttpRequest) -> HttpResponse:
    """The supervisor's page: the schools of his district offices, the state of their whole-school
    export for a school year and a period, and the combined workbooks."""
    districts = list(districts_supervised(request.user))
    years = _start_years(districts)
    form = DistrictForm(request.GET or None, start_years=years)
    start_year, period = (years[0] if years else None), Period.TERM1.value
    if form.is_bound and form.is_valid():
        start_year, period = form.cleaned_data["year"], form.cleaned_data["period"]
    blocks = []
    for office in districts:
        schools = selectors.district_schools([office])
        blocks.append(
            {
                "district": office,
                "states": selectors.district_states(schools, start_year, period) if start_year else [],
                "workbooks": list(
                    DistrictWorkbook.objects.filter(district=office)
                    .select_related("requested_by")
                    .order_by("-created_at", "-pk")[:10]
                ),
            }
        )
    return render(
        request,
        "exports/district.html",
        {"form": form, "blocks": blocks, "start_year": start_year, "period": period},
    )


@login_required
@require_POST
def district_start(request: HttpRequest, district_id: int) -> HttpResponse:
    office = get_district(request.user, district_id)
    form = DistrictForm(request.POST, start_years=_start_years([office]))
    if not form.is_valid():
        return _refused(request, _form_errors(form))
    try:
        workbook = services.district_workbook_start(
            actor=request.user,
            district=office,
            start_year=form.cleaned_data["year"],
            period=form.cleaned_data["period"],
        )
    except ValidationError as exc:
        return _refused(request, _errors(exc))
    messages.success(request, _("The combined workbook has been asked for: this page shows its progress."))
    return redirect("exports:workbook", workbook_id=workbook.pk)


@login_required
@require_GET
def workbook_page(request: HttpRequest, workbook_id: int) -> HttpResponse:
    workbook = get_workbook(request.user, workbook_id)
    download = reverse("exports:workbook_download", args=[workbook.pk])
    sources = {s.get("export") for s in workbook.sources}
    return render(
        request,
        "exports/job.html",
        {
            "job": workbook,
            "workbook": workbook,
            "payload": _status_payload(workbook, download),
            "status_url": reverse("exports:workbook_status", args=[workbook.pk]),
            "download_url": download,
            "retry_url": reverse("exports:workbook_retry", args=[workbook.pk]),
            "received": list(
                ResultsExport.objects.filter(pk__in=sources)
                .select_related("school", "requested_by")
                .order_by("school__name")
            ),
        },
    )


@never_cache
@login_required
@require_GET
def workbook_status(request: HttpRequest, workbook_id: int) -> JsonResponse:
    workbook = get_workbook(request.user, workbook_id)
    return JsonResponse(_status_payload(workbook, reverse("exports:workbook_download", args=[workbook.pk])))


@login_required
@require_POST
def workbook_retry(request: HttpRequest, workbook_id: int) -> HttpResponse:
    workbook = get_workbook(request.user, workbook_id)
    try:
        services.district_workbook_retry(workbook=workbook, actor=request.user)
    except ValidationError as exc:
        messages.error(request, _errors(exc))
    else:
        messages.success(request, _("The export runs again."))
    return redirect("exports:workbook", workbook_id=workbook.pk)


@login_required
@require_GET
def workbook_download(request: HttpRequest, workbook_id: int) -> FileResponse:
    return _file_response(get_workbook(request.user, workbook_id))


@login_required
@require_GET
def received_download(request: HttpRequest, export_id: int) -> FileResponse:
    """A school's whole-school export, for the supervisor of its district."""
    return _file_response(get_received_export(request.user, export_id).job)
