"""The homeroom teacher's register: class list, profiles, transfers, class-list import and the
monthly attendance grid. Thin views: access → form → service → response."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import actor_for, classes_homeroom, current_year
from accounts.selectors import classes_with_counts
from schools.services import ConcurrentEditError, enrolment_depart, enrolment_transfer_in, student_fingerprint
from schools.services import student_update as student_update_service

from . import selectors
from .access import (
    REGISTER_READERS,
    get_class_for_attendance_view,
    get_class_for_register_edit,
    get_class_for_register_view,
    get_enrolment_of_class,
)
from .forms import (
    ETHNIC_GROUPS,
    ImportUploadForm,
    LeaveForm,
    ProfileEditForm,
    ReopenForm,
    TransferInForm,
    changes_from_form,
    changes_from_json,
)
from .imports import ImportFileError, check_rows, rows_from_json, template_workbook
from .services import (
    AttendanceConflict,
    ClassListRefused,
    attendance_month_complete,
    attendance_month_reopen,
    attendance_record_many,
    class_list_import_apply,
    class_list_import_get,
    class_list_import_stage,
)


def _today():
    return timezone.localdate()


def _messages_of(exc: ValidationError) -> list[str]:
    return list(exc.messages)


# --- Index and class list ---------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The classes whose register the person keeps or reads this year."""
    year = current_year(request.user)
    actor = actor_for(request.user)
    classes = []
    if year is not None:
        if actor.has(*REGISTER_READERS):
            classes = list(classes_with_counts(year))
        else:
            classes = list(classes_with_counts(year).filter(pk__in=classes_homeroom(request.user).values("pk")))
    if not classes and not actor.has(*REGISTER_READERS):
        raise PermissionDenied(_("Only homeroom teachers and the school leadership keep class registers."))
    return render(request, "attendance/index.html", {"classes": classes, "year": year})


@login_required
@require_GET
def register(request: HttpRequest, class_id: int) -> HttpResponse:
    class_group, may_edit = get_class_for_register_view(request.user, class_id)
    data = selectors.class_register(class_group, today=_today())
    return render(
        request,
        "attendance/register.html",
        {"class_group": class_group, "register": data, "may_edit": may_edit, "tab": "register"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def profile(request: HttpRequest, class_id: int, enrolment_id: int) -> HttpResponse:
    class_group, may_edit = get_class_for_register_view(request.user, class_id)
    if request.method == "POST":
        class_group = get_class_for_register_edit(request.user, class_id)
        may_edit = True
    enrolment = get_enrolment_of_class(class_group, enrolment_id)
    student = enrolment.student
    if request.method == "POST":
        form = ProfileEditForm(request.POST)
        if form.is_valid():
            try:
                student_update_service(
                    student=student,
                    changes=form.profile(),
                    actor=request.user,
                    reason=form.cleaned_data["reason"] or _("Profile updated by the homeroom teacher"),
                    on=class_group.school_year.start_date,
                    expected_fingerprint=form.cleaned_data["fingerprint"],
                )
            except ConcurrentEditError as exc:
                form.add_error(None, exc.messages[0])
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):
                    form.add_service_errors(exc.message_dict)
                else:
                    form.add_error(None, exc.messages)
            else:
                messages.success(request, _("The profile of %(name)s is saved.") % {"name": student.full_name})
                return redirect("attendance:register", class_id=class_group.pk)
    else:
        initial = {name: getattr(student, name) for name in ProfileEditForm.base_fields if hasattr(student, name)}
        initial["fingerprint"] = student_fingerprint(student)
        form = ProfileEditForm(initial=initial)
    history = list(student.history.select_related("history_user").order_by("-history_date")[:10]) if may_edit else []
    return render(
        request,
        "attendance/profile.html",
        {
            "class_group": class_group,
            "enrolment": enrolment,
            "student": student,
            "form": form,
            "may_edit": may_edit,
            "ethnic_groups": ETHNIC_GROUPS,
            "history": history,
            "tab": "register",
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def leave(request: HttpRequest, class_id: int, enrolment_id: int) -> HttpResponse:
    class_group = get_class_for_register_edit(request.user, class_id)
    enrolment = get_enrolment_of_class(class_group, enrolment_id)
    form = LeaveForm(request.POST or None, initial={"left_on": _today()})
    if request.method == "POST" and form.is_valid():
        try:
            enrolment_depart(
                enrolment=enrolment,
                status=form.cleaned_data["status"],
                left_on=form.cleaned_data["left_on"],
                note=form.cleaned_data["note"],
                transfer_school=form.cleaned_data["transfer_school"],
                actor=request.user,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                for name, errors in exc.message_dict.items():
                    form.add_error(name if name in form.fields else None, errors)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(
                request, _("%(name)s is recorded as having left the class.") % {"name": enrolment.student.full_name}
            )
            return redirect("attendance:register", class_id=class_group.pk)
    return render(
        request,
        "attendance/leave.html",
        {"class_group": class_group, "enrolment": enrolment, "form": form, "tab": "register"},
    )


@login_required
@require_http_methods(["GET", "POST"])
def transfer_in(request: HttpRequest, class_id: int) -> HttpResponse:
    class_group = get_class_for_register_edit(request.user, class_id)
    form = TransferInForm(request.POST or None, initial={"enrolled_on": _today(), "nationality": "Việt Nam"})
    if request.method == "POST" and form.is_valid():
        from schools.models import Student

        try:
            enrolment = enrolment_transfer_in(
                class_group=class_group,
                student=Student(**form.profile()),
                enrolled_on=form.cleaned_data["enrolled_on"],
                transfer_school=form.cleaned_data["transfer_school"],
                note=form.cleaned_data["enrolment_note"],
                actor=request.user,
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict"):
                form.add_service_errors(exc.message_dict)
            else:
                form.add_error(None, exc.messages)
        else:
            messages.success(request, _("%(name)s joins the class.") % {"name": enrolment.student.full_name})
            return redirect("attendance:register", class_id=class_group.pk)
    return render(
        request,
        "attendance/transfer_in.html",
        {"class_group": class_group, "form": form, "ethnic_groups": ETHNIC_GROUPS, "tab": "register"},
    )


# --- Class-list import ---------------------------------------------------------------------------


@login_required
@require_GET
def import_template(request: HttpRequest) -> HttpResponse:
    response = HttpResponse(
        template_workbook(), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    response["Content-Disposition"] = 'attachment; filename="mau-danh-sach-lop.xlsx"'
    return response


@login_required
@require_http_methods(["GET", "POST"])
def import_upload(request: HttpRequest, class_id: int) -> HttpResponse:
    class_group = get_class_for_register_edit(request.user, class_id)
    form = ImportUploadForm(
        request.POST or None, request.FILES or None, initial={"enrolled_on": class_group.school_year.start_date}
    )
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        try:
            staged, _rows = class_list_import_stage(
                class_group=class_group,
                data=upload.read(),
                file_name=upload.name,
                enrolled_on=form.cleaned_data["enrolled_on"],
                actor=request.user,
            )
        except ImportFileError as exc:
            form.add_error("file", str(exc))
        except ValidationError as exc:
            form.add_error("enrolled_on", exc.messages)
        else:
            return redirect("attendance:import_preview", class_id=class_group.pk, token=staged.token)
    return render(
        request, "attendance/import_upload.html", {"class_group": class_group, "form": form, "tab": "register"}
    )


@login_required
@require_http_methods(["GET", "POST"])
def import_preview(request: HttpRequest, class_id: int, token) -> HttpResponse:
    class_group = get_class_for_register_edit(request.user, class_id)
    staged = class_list_import_get(class_group=class_group, token=token, actor=request.user)
    if staged is None:
        raise Http404
    if request.method == "POST":
        try:
            enrolments, _rows = class_list_import_apply(staged=staged, actor=request.user)
        except ClassListRefused as exc:
            rows = exc.rows
            messages.error(request, _("The list was not applied: fix the rows in error and upload the file again."))
        except ValidationError as exc:
            rows = check_rows(class_group, rows_from_json(staged.rows))
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("%(n)s students joined the class from the list.") % {"n": len(enrolments)})
            return redirect("attendance:register", class_id=class_group.pk)
    else:
        rows = check_rows(class_group, rows_from_json(staged.rows))
    counts = {
        status: sum(1 for r in rows if r.status == status) for status in ("new", "existing", "duplicate", "error")
    }
    return render(
        request,
        "attendance/import_preview.html",
        {
            "class_group": class_group,
            "staged": staged,
            "rows": rows,
            "counts": counts,
            "can_apply": counts["error"] == 0 and (counts["new"] + counts["existing"]) > 0,
            "tab": "register",
        },
    )


# --- Attendance -----------------------------------------------------------------------------


def _month_or_404(class_group, year: int, month: int) -> None:
    if (year, month) not in selectors.year_months(class_group.school_year):
        raise Http404


@login_required
@require_GET
def attendance_current(request: HttpRequest, class_id: int) -> HttpResponse:
    class_group, _may_edit = get_class_for_attendance_view(request.user, class_id)
    months = selectors.year_months(class_group.school_year)
    today = _today()
    current = (today.year, today.month)
    year, month = current if current in months else (months[-1] if current > months[-1] else months[0])
    return redirect("attendance:grid", class_id=class_group.pk, year=year, month=month)


def _grid_messages() -> dict[str, str]:
    return {
        "saved": _("All changes saved"),
        "savedWithConflicts": _("Saved. The cells in red were changed by someone else: check them."),
        "dirty": _("Not saved yet…"),
        "saving": _("Saving…"),
        "offline": _("Not saved: no connection to the server. Trying again…"),
        "failed": _("Not saved."),
        "conflict": _("Someone else changed some cells: their values are shown in red."),
        "forbidden": _("You can no longer change this class's attendance. Reload the page."),
        "onlyCodes": _("Only P, K or M; Delete or Space clears the cell."),
    }


@login_required
@require_http_methods(["GET", "POST"])
def grid(request: HttpRequest, class_id: int, year: int, month: int) -> HttpResponse:
    """The month's grid. A POST is the whole month sent without JavaScript."""
    if request.method == "POST":
        class_group, may_edit = get_class_for_register_edit(request.user, class_id), True
    else:
        class_group, may_edit = get_class_for_attendance_view(request.user, class_id)
    _month_or_404(class_group, year, month)
    errors: list[str] = []
    if request.method == "POST":
        try:
            saved = attendance_record_many(
                class_group=class_group, changes=changes_from_form(request.POST), actor=request.user
            )
        except AttendanceConflict as exc:
            errors = [exc.message]
        except ValidationError as exc:
            errors = _messages_of(exc)
        else:
            messages.success(request, _("Attendance saved: %(n)s cells changed.") % {"n": len(saved)})
            return redirect("attendance:grid", class_id=class_group.pk, year=year, month=month)
    data = selectors.month_grid(class_group, year, month, may_edit=may_edit, today=_today())
    return render(
        request,
        "attendance/grid.html",
        {
            "class_group": class_group,
            "grid": data,
            "may_edit": may_edit,
            "errors": errors,
            "reopen_form": ReopenForm(),
            "save_url": reverse("attendance:save", args=[class_group.pk, year, month]),
            "grid_messages": _grid_messages(),
            "tab": "attendance",
        },
        status=409 if errors and request.method == "POST" else 200,
    )


@login_required
@require_POST
def save(request: HttpRequest, class_id: int, year: int, month: int) -> JsonResponse:
    """The grid's script saves the changed cells here; the answer carries the new versions and
    the recomputed totals, or the conflicts (409) or the refusals (400)."""
    class_group = get_class_for_register_edit(request.user, class_id)
    _month_or_404(class_group, year, month)
    try:
        changes = changes_from_json(request.body)
        saved = attendance_record_many(class_group=class_group, changes=changes, actor=request.user)
    except AttendanceConflict as exc:
        return JsonResponse(
            {
                "message": exc.message,
                "conflicts": [
                    {
                        "enrolment": c.enrolment_id,
                        "date": c.date.isoformat(),
                        "session": c.session,
                        "code": c.code,
                        "version": c.version,
                        "by": c.changed_by,
                    }
                    for c in exc.conflicts
                ],
            },
            status=409,
        )
    except ValidationError as exc:
        return JsonResponse({"message": " ".join(exc.messages[:1]), "errors": exc.messages}, status=400)
    return JsonResponse(
        {
            "saved": [
                {
                    "enrolment": m.enrolment_id,
                    "date": m.date.isoformat(),
                    "session": m.session,
                    "code": m.code,
                    "version": m.version,
                }
                for m in saved
            ],
            "totals": selectors.totals_payload(class_group, year, month),
        }
    )


@login_required
@require_POST
def complete(request: HttpRequest, class_id: int, year: int, month: int) -> HttpResponse:
    class_group = get_class_for_register_edit(request.user, class_id)
    _month_or_404(class_group, year, month)
    try:
        attendance_month_complete(class_group=class_group, year=year, month=month, actor=request.user)
    except ValidationError as exc:
        for message in exc.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The attendance of %(m)s is marked complete.") % {"m": f"{month:02d}/{year}"})
    return redirect("attendance:grid", class_id=class_group.pk, year=year, month=month)


@login_required
@require_POST
def reopen(request: HttpRequest, class_id: int, year: int, month: int) -> HttpResponse:
    class_group = get_class_for_register_edit(request.user, class_id)
    _month_or_404(class_group, year, month)
    form = ReopenForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the reason for reopening the month."))
    else:
        try:
            attendance_month_reopen(
                class_group=class_group, year=year, month=month, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            for message in exc.messages:
                messages.error(request, message)
        else:
            messages.success(request, _("The month is open for changes again."))
    return redirect("attendance:grid", class_id=class_group.pk, year=year, month=month)


@login_required
@require_GET
def summary(request: HttpRequest, class_id: int) -> HttpResponse:
    class_group, may_edit = get_class_for_attendance_view(request.user, class_id)
    return render(
        request,
        "attendance/summary.html",
        {
            "class_group": class_group,
            "summary": selectors.attendance_summary(class_group),
            "may_edit": may_edit,
            "limit": selectors.ABSENCE_LIMIT,
            "tab": "summary",
        },
    )
