"""The grade-entry pages: thin function views, access → form → service → response.

The grid page is HTML; the cell saves, the paste and the test dates answer JSON (200 with the
saved value and version, 400 with a Vietnamese message, 403 for locks and rights, 404 for what
the person may not know of, 409 with both values on a conflict); the xlsx upload goes through a
preview page and a confirmation.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.http import require_GET, require_POST

from accounts.access import current_year
from schools.models import ClassSubject

from . import services
from .access import (
    can_enter,
    get_class_subject_for_entry,
    get_class_subject_for_history,
    get_class_subject_for_view,
    get_grid_for_view,
)
from .forms import AssessmentDateForm, CellForm, EntriesForm, PasteForm, UploadForm
from .grid import GridSpec, GridUnavailable, default_test_date, entry_deadline, grid_spec
from .selectors import (
    TERM,
    YEAR,
    cell_history,
    default_term,
    grid_page,
    grids_visible,
    paste_candidates,
    preview_candidates,
    row_averages_now,
    rows_averages_now,
    sorted_enrolments,
)
from .xlsx import UploadError, build_template, read_upload

IMPORT_SALT = "grades.import"
IMPORT_MAX_AGE = 60 * 60
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


# --- JSON plumbing ----------------------------------------------------------------------------


def _error(message: str, status: int, **extra) -> JsonResponse:
    return JsonResponse({"error": message, **extra}, status=status)


def json_endpoint(view: Callable) -> Callable:
    """Answer every refusal of a JSON endpoint in JSON, with a message a teacher can read."""

    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return _error(_("Your session has ended: log in again (the cells not yet saved stay on the page)."), 401)
        try:
            return view(request, *args, **kwargs)
        except Http404:
            return _error(_("Not found."), 404)
        except PermissionDenied as exc:
            return _error(str(exc) or _("You do not have the right to do this."), 403)
        except GridUnavailable as exc:
            return _error(str(exc), 400)
        except ValidationError as exc:
            return _error(" ".join(exc.messages), 400)

    return wrapper


def _body(request: HttpRequest) -> dict:
    try:
        data = json.loads(request.body or b"{}")
    except (ValueError, UnicodeDecodeError):
        raise ValidationError(_("The request is malformed.")) from None
    if not isinstance(data, dict):
        raise ValidationError(_("The request is malformed."))
    return data


def _form_errors(form) -> str:
    return " ".join(message for errors in form.errors.values() for message in errors)


def _conflict_json(conflict: services.Conflict) -> dict:
    return {
        "hs": conflict.entry.enrolment_id,
        "term": conflict.entry.term_id,
        "col": conflict.entry.column,
        "mine": conflict.entry.text,
        "theirs": conflict.theirs,
        "version": conflict.version,
        "by": conflict.by,
        "at": date_format(timezone.localtime(conflict.at), "d/m/Y H:i") if conflict.at else "",
    }


def _spec(class_subject: ClassSubject) -> GridSpec:
    return grid_spec(class_subject)


# --- pages ------------------------------------------------------------------------------------


@login_required
@require_GET
def index(request: HttpRequest) -> HttpResponse:
    """The grids a person may open this year, by class."""
    year = current_year(request.user)
    grids = list(grids_visible(request.user, year)) if year else []
    classes: dict = {}
    for class_subject in grids:
        classes.setdefault(class_subject.class_group, []).append(class_subject)
    return render(request, "grades/index.html", {"year": year, "classes": classes})


@login_required
@require_GET
def grid_start(request: HttpRequest, class_subject_id: int) -> HttpResponse:
    class_subject = get_class_subject_for_view(request.user, class_subject_id)
    try:
        spec = _spec(class_subject)
    except GridUnavailable as exc:
        return render(request, "grades/unavailable.html", {"class_subject": class_subject, "message": str(exc)})
    term = default_term(spec)
    if term is None:
        raise Http404
    return redirect("grades:grid", class_subject_id=class_subject.pk, term_number=term.number)


def _grid(request: HttpRequest, class_subject_id: int, term_number: int | None) -> HttpResponse:
    class_subject, subjects = get_grid_for_view(request.user, class_subject_id)
    try:
        spec = _spec(class_subject)
    except GridUnavailable as exc:
        return render(request, "grades/unavailable.html", {"class_subject": class_subject, "message": str(exc)})
    if term_number is None:
        terms, mode = list(spec.terms), YEAR
    else:
        term = spec.term_by_number(term_number)
        if term is None:
            raise Http404
        terms, mode = [term], TERM
    editable = can_enter(request.user, class_subject)
    page = grid_page(spec, user=request.user, terms=terms, mode=mode, can_edit=editable, other_subjects=subjects)
    config = {
        "mode": mode,
        "canEdit": editable,
        "subjectKind": spec.subject_kind.value,
        "commentRule": "all" if spec.rule_set_code == "tt22_2021" else "two_thirds",
        "terms": [{"id": t.pk, "number": t.number} for t in terms],
        "columns": [{"key": c.key, "weight": c.weight, "kind": c.kind.value} for c in spec.columns],
        "urls": {
            "save": reverse("grades:cell_save", args=[class_subject.pk]),
            "history": reverse("grades:cell_history", args=[class_subject.pk]),
            "pastePreview": reverse("grades:paste_preview", args=[class_subject.pk]),
            "pasteApply": reverse("grades:paste_apply", args=[class_subject.pk]),
            "testDate": reverse("grades:test_date", args=[class_subject.pk]),
            "login": reverse("login"),
        },
        "text": _js_text(),
    }
    return render(request, "grades/grid.html", {"page": page, "config": config, "upload_form": UploadForm()})


@login_required
@require_GET
def grid_term(request: HttpRequest, class_subject_id: int, term_number: int) -> HttpResponse:
    return _grid(request, class_subject_id, term_number)


@login_required
@require_GET
def grid_year(request: HttpRequest, class_subject_id: int) -> HttpResponse:
    return _grid(request, class_subject_id, None)


def _js_text() -> dict[str, str]:
    """The grid's messages, translated here so the script carries no language of its own."""
    return {
        "saved": pgettext("score grid", "All changes saved"),
        "saving": _("Saving %(n)s cell(s)…"),
        "offline": _("No connection: %(n)s cell(s) waiting, retrying…"),
        "errors": _("%(n)s cell(s) not saved: see the red cells"),
        "conflicts": _("%(n)s cell(s) changed by someone else: choose which value to keep"),
        "session": _("Your session has ended: log in again in another tab, the cells are kept and will be saved."),
        "leave": _("Some cells are not saved yet. Leave the page anyway?"),
        "invalid": _("Invalid score: only a number from 0 to 10, decimal comma (for example 8,5)."),
        "negative": _("A score cannot be negative: the scale is 0 to 10."),
        "tooHigh": _("A score cannot be above 10: the scale is 0 to 10."),
        "decimals": _("A score has at most one decimal. Did you mean %(s)s?"),
        "tooLong": _("The value is too long: type a score from 0 to 10 (for example 8,5)."),
        "commentExpected": _("Comment-assessed subject: type Đ (pass) or CĐ (not yet pass)."),
        "scoreExpected": _("Scored subject: type a score from 0 to 10, not Đ/CĐ."),
        "commentTooLong": _("The comment is too long: at most 1000 characters."),
        "provisional": _("provisional"),
        "conflictLine": _("%(cell)s: you typed “%(mine)s”, %(by)s saved “%(theirs)s” at %(at)s."),
        "keepMine": _("Keep mine"),
        "keepTheirs": _("Keep the saved value"),
        "someoneElse": _("someone else"),
        "empty": _("(empty)"),
        "noHistory": _("This cell has never been saved."),
        "pasteTitle": _("Paste: check the changes before applying them"),
        "pasteNothing": _("Nothing would change."),
        "applyN": _("Apply %(n)s change(s)"),
        "refusedNote": _("%(n)s refused value(s) will not be saved; they stay in their cells in red."),
        "statusNew": _("new"),
        "statusChanged": _("changed"),
        "statusCleared": _("cleared"),
        "statusUnchanged": _("unchanged"),
        "statusRefused": _("refused"),
        "absent": _("Absent, make-up pending"),
        "locked": _("Locked"),
        "readOnly": _("Read only"),
        "left": _("Student has left"),
        "history": _("History"),
        "noMakeup": _("No make-up taken: record 0 / CĐ"),
        "deadline": _("due"),
        "failed": _("The request failed: %(s)s"),
    }


# --- JSON endpoints ---------------------------------------------------------------------------


@require_POST
@json_endpoint
def cell_save(request: HttpRequest, class_subject_id: int) -> JsonResponse:
    """Save one typed cell (a score, Đ/CĐ, V, or the comment) against the version the editor saw."""
    class_subject = get_class_subject_for_entry(request.user, class_subject_id)
    form = CellForm(data=_body(request))
    if not form.is_valid():
        return _error(_form_errors(form), 400)
    entry = form.entry()
    spec = _spec(class_subject)
    try:
        written = services.score_record(
            actor=request.user,
            class_subject=class_subject,
            enrolment_id=entry.enrolment_id,
            term_id=entry.term_id,
            column=entry.column,
            text=entry.text,
            version=entry.version,
            no_makeup=entry.no_makeup,
            spec=spec,
        )
    except services.ConflictError as exc:
        conflict = exc.conflicts[0]
        return JsonResponse(
            {
                "error": _("%(by)s saved this cell in the meantime.") % {"by": conflict.by or _("Someone")},
                "conflict": _conflict_json(conflict),
            },
            status=409,
        )
    except services.EntriesRefused as exc:
        return _error(exc.refusals[0].message, 400)
    return JsonResponse(
        {
            "value": written.display,
            "version": written.version,
            "state": written.state,
            "status": written.status,
            "warning": written.warning,
            "averages": row_averages_now(spec, entry.enrolment_id),
        }
    )


@require_POST
@json_endpoint
def paste_preview(request: HttpRequest, class_subject_id: int) -> JsonResponse:
    """What a block pasted from a spreadsheet would change, cell by cell; nothing is written."""
    class_subject = get_class_subject_for_entry(request.user, class_subject_id)
    form = PasteForm(data=_body(request))
    if not form.is_valid():
        return _error(_form_errors(form), 400)
    data = form.cleaned_data
    spec = _spec(class_subject)
    start_term = spec.term(data["term"])
    if start_term is None:
        return _error(_("This term is not of the class's school year."), 400)
    terms = list(spec.terms) if data["mode"] == YEAR else [start_term]
    candidates, problems = paste_candidates(
        spec,
        enrolments=sorted_enrolments(class_subject),
        terms=terms,
        mode=data["mode"],
        start_enrolment_id=data["hs"],
        start_term_id=data["term"],
        start_column=data["col"],
        text=data["text"],
    )
    if problems:
        return _error(" ".join(problems), 400)
    preview = preview_candidates(spec, candidates)
    return JsonResponse(
        {
            "counts": preview.counts,
            "lines": [
                {
                    "student": line.student,
                    "column": line.column,
                    "old": line.old,
                    "new": line.new,
                    "status": line.status,
                    "message": line.message,
                    "entry": _entry_json(line.entry) if line.applicable else None,
                    "target": _target_json(candidate.entry) if candidate.entry else None,
                }
                for line, candidate in zip(preview.lines, candidates, strict=True)
            ],
        }
    )


def _entry_json(entry: services.Entry) -> dict:
    return {
        "hs": entry.enrolment_id,
        "term": entry.term_id,
        "col": entry.column,
        "value": entry.text,
        "version": entry.version,
    }


def _target_json(entry: services.Entry) -> dict:
    return {"hs": entry.enrolment_id, "term": entry.term_id, "col": entry.column, "value": entry.text}


@require_POST
@json_endpoint
def paste_apply(request: HttpRequest, class_subject_id: int) -> JsonResponse:
    """Apply the previewed changes of a paste: all of them in one transaction, or none."""
    class_subject = get_class_subject_for_entry(request.user, class_subject_id)
    form = EntriesForm(data={"entries": json.dumps(_body(request).get("entries"))})
    if not form.is_valid():
        return _error(_form_errors(form), 400)
    spec = _spec(class_subject)
    try:
        written = services.score_record_many(
            actor=request.user,
            class_subject=class_subject,
            entries=form.cleaned_data["entries"],
            reason=services.REASON_PASTE,
            spec=spec,
        )
    except services.ConflictError as exc:
        return JsonResponse(
            {
                "error": _("Some cells were changed by someone else in the meantime: nothing was pasted."),
                "conflicts": [_conflict_json(c) for c in exc.conflicts],
            },
            status=409,
        )
    except services.EntriesRefused as exc:
        return JsonResponse(
            {
                "error": _("Some cells cannot be written: nothing was pasted."),
                "errors": [
                    {"hs": r.entry.enrolment_id, "term": r.entry.term_id, "col": r.entry.column, "message": r.message}
                    for r in exc.refusals
                ],
            },
            status=400,
        )
    averages = rows_averages_now(spec, {w.entry.enrolment_id for w in written})
    return JsonResponse(
        {
            "cells": [
                {
                    "hs": w.entry.enrolment_id,
                    "term": w.entry.term_id,
                    "col": w.entry.column,
                    "value": w.display,
                    "version": w.version,
                    "state": w.state,
                }
                for w in written
            ],
            "averages": {str(hs): row_averages for hs, row_averages in averages.items()},
        }
    )


@require_GET
@json_endpoint
def cell_history_view(request: HttpRequest, class_subject_id: int) -> JsonResponse:
    """Every version of one cell: who, when, old → new, and why."""
    class_subject = get_class_subject_for_history(request.user, class_subject_id)
    try:
        enrolment_id = int(request.GET.get("hs", ""))
        term_id = int(request.GET.get("term", ""))
    except ValueError:
        return _error(_("The request is malformed."), 400)
    column = request.GET.get("col", "")[:20]
    spec = _spec(class_subject)
    enrolments = {e.pk: e for e in sorted_enrolments(class_subject)}
    term = spec.term(term_id)
    if enrolment_id not in enrolments or term is None or (column != "comment" and spec.column(column) is None):
        return _error(_("This cell is not in the grid."), 400)
    lines = cell_history(spec, enrolment_id=enrolment_id, term_id=term_id, column=column)
    return JsonResponse(
        {
            "title": " · ".join(
                (enrolments[enrolment_id].student.full_name, spec.label(column), str(term.get_number_display()))
            ),
            "lines": [
                {
                    "version": line.version,
                    "old": line.old,
                    "new": line.new,
                    "state": line.state,
                    "by": line.by,
                    "at": date_format(timezone.localtime(line.at), "d/m/Y H:i"),
                    "reason": line.reason,
                }
                for line in reversed(lines)
            ],
        }
    )


@require_POST
@json_endpoint
def test_date(request: HttpRequest, class_subject_id: int) -> JsonResponse:
    """Record the class's test date of a mid-term or end-of-term column; answer the deadline."""
    class_subject = get_class_subject_for_entry(request.user, class_subject_id)
    form = AssessmentDateForm(data=_body(request))
    if not form.is_valid():
        return _error(_form_errors(form), 400)
    spec = _spec(class_subject)
    term = spec.term(form.cleaned_data["term"])
    if term is None:
        return _error(_("This term is not of the class's school year."), 400)
    column = form.cleaned_data["col"]
    services.assessment_date_set(
        actor=request.user,
        class_subject=class_subject,
        term=term,
        column=column,
        test_date=form.cleaned_data["date"],
        spec=spec,
    )
    spec_column = spec.column(column)
    chosen = form.cleaned_data["date"] or default_test_date(term, spec_column)
    deadline = entry_deadline(spec.school_year.school, term, spec_column, chosen)
    return JsonResponse(
        {
            "date": chosen.isoformat() if chosen else "",
            "display": date_format(chosen, "d/m") if chosen else "",
            "deadline": date_format(deadline, "d/m/Y") if deadline else "",
        }
    )


# --- xlsx -------------------------------------------------------------------------------------


def _filename(class_subject: ClassSubject, term_number: int) -> str:
    subject = slugify(class_subject.subject.name.replace("đ", "d").replace("Đ", "D")) or "mon"
    return f"diem_{slugify(class_subject.class_group.name)}_{subject}_hk{term_number}.xlsx"


@login_required
@require_GET
def xlsx_download(request: HttpRequest, class_subject_id: int, term_number: int) -> HttpResponse:
    """The grid of one term as an xlsx template, with the values already entered."""
    class_subject = get_class_subject_for_view(request.user, class_subject_id)
    spec = _spec(class_subject)
    term = spec.term_by_number(term_number)
    if term is None:
        raise Http404
    page = grid_page(spec, user=request.user, terms=[term], mode=TERM, can_edit=False)
    response = HttpResponse(build_template(page), content_type=XLSX)
    response["Content-Disposition"] = f'attachment; filename="{_filename(class_subject, term_number)}"'
    return response


@login_required
@require_POST
def xlsx_upload(request: HttpRequest, class_subject_id: int, term_number: int) -> HttpResponse:
    """Read an uploaded template and show, cell by cell, what it would change; nothing is written."""
    class_subject = get_class_subject_for_entry(request.user, class_subject_id)
    spec = _spec(class_subject)
    term = spec.term_by_number(term_number)
    if term is None:
        raise Http404
    form = UploadForm(request.POST, request.FILES)
    context = {"class_subject": class_subject, "term": term, "spec": spec}
    if not form.is_valid():
        context["error"] = _form_errors(form)
        return render(request, "grades/import_preview.html", context, status=400)
    upload = form.cleaned_data["file"]
    try:
        candidates = read_upload(spec, term=term, enrolments=sorted_enrolments(class_subject), data=upload.read())
    except UploadError as exc:
        context["error"] = str(exc)
        return render(request, "grades/import_preview.html", context, status=400)
    preview = preview_candidates(spec, candidates)
    payload = {
        "cs": class_subject.pk,
        "term": term.pk,
        "file": upload.name[:100],
        "entries": [
            [c.entry.enrolment_id, c.entry.term_id, c.entry.column, c.entry.text, c.entry.version]
            for c in preview.changes
        ],
    }
    context.update(
        {
            "preview": preview,
            "filename": upload.name,
            "token": signing.dumps(payload, salt=IMPORT_SALT, compress=True),
        }
    )
    return render(request, "grades/import_preview.html", context)


@login_required
@require_POST
def xlsx_confirm(request: HttpRequest, class_subject_id: int, term_number: int) -> HttpResponse:
    """Apply a previewed upload: every change it listed, in one transaction, or none of them."""
    class_subject = get_class_subject_for_entry(request.user, class_subject_id)
    grid_url = reverse("grades:grid", args=[class_subject.pk, term_number])
    try:
        payload = signing.loads(request.POST.get("token", ""), salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
    except signing.SignatureExpired:
        messages.error(request, _("The preview is more than an hour old: upload the file again."))
        return redirect(grid_url)
    except signing.BadSignature:
        messages.error(request, _("The import could not be confirmed: upload the file again."))
        return redirect(grid_url)
    spec = _spec(class_subject)
    term = spec.term_by_number(term_number)
    if payload.get("cs") != class_subject.pk or term is None or payload.get("term") != term.pk:
        raise PermissionDenied(_("This preview belongs to another grid."))
    entries = [services.Entry(hs, term_id, col, text, version=v) for hs, term_id, col, text, v in payload["entries"]]
    try:
        written = services.score_record_many(
            actor=request.user,
            class_subject=class_subject,
            entries=entries,
            reason=f"{services.REASON_IMPORT}: {payload.get('file', '')}",
            spec=spec,
        )
    except services.ConflictError as exc:
        messages.error(
            request,
            _("Nothing was imported: %(n)s cell(s) were changed by someone else after the preview. Upload again.")
            % {"n": len(exc.conflicts)},
        )
        return redirect(grid_url)
    except services.EntriesRefused as exc:
        messages.error(
            request,
            _("Nothing was imported: %(reasons)s") % {"reasons": "; ".join(sorted({r.message for r in exc.refusals}))},
        )
        return redirect(grid_url)
    changed = sum(1 for w in written if w.status != "unchanged")
    messages.success(request, _("%(n)s cell(s) imported from the file.") % {"n": changed})
    return redirect(grid_url)
