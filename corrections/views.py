"""Pages of the corrections app: locks, correction minutes, the audit trail, the signals.

Thin function views: access (404 for outsiders, 403 for readers) → form → service → response.
Bad input re-renders the page with the Vietnamese message (status 400) and stores nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import actor_for, class_subjects_taught, classes_homeroom, current_year
from accounts.models import Role, User
from schools.models import BookLock, ClassGroup, ClassSubject, Enrolment, Subject

from . import audit, selectors, services
from .access import (
    LOCK_READERS,
    SIGNAL_READERS,
    audit_scope_for,
    corrections_visible,
    get_correction_for_view,
    get_evidence_for_download,
    may_draft,
    require_school_roles,
)
from .forms import (
    AuditFilterForm,
    CorrectionCreateForm,
    DecisionForm,
    EvidenceForm,
    HomeroomForm,
    LineForm,
    LockDecisionForm,
    PermitForm,
    PolicyForm,
    ReasonForm,
    SignForm,
)
from .models import Correction, CorrectionLine, LateCorrectionPermit
from .targets import target_for

AUDIT_PAGE_SIZE = 50
AUDIT_EXPORT_LIMIT = 20_000


def _render(request: HttpRequest, template: str, context: dict, status: int = 200) -> HttpResponse:
    """Render with the app's navigation showing only the pages this person may open."""
    actor = actor_for(request.user)
    context["nav"] = {
        "locks": actor.has(*LOCK_READERS),
        "minutes": actor.has(Role.PRINCIPAL, Role.ADMIN_BOARD) or may_draft(request.user),
        "audit": True,
        "signals": actor.has(*SIGNAL_READERS),
    }
    return render(request, template, context, status=status)


def _messages(exc: ValidationError) -> list[str]:
    return list(exc.messages)


def _year_or_404(user):
    year = current_year(user)
    if year is None:
        raise Http404
    return year


# --- locks --------------------------------------------------------------------------------------


def _locks_page(request: HttpRequest, year, *, form=None, status: int = 200) -> HttpResponse:
    actor = actor_for(request.user)
    is_principal = actor.has(Role.PRINCIPAL)
    if form is None and is_principal:
        form = LockDecisionForm(year=year)
    withdraw_form = ReasonForm(prefix="withdraw")
    return _render(
        request,
        "corrections/locks.html",
        {
            "year": year,
            "rows": selectors.locks_page(year),
            "form": form,
            "withdraw_form": withdraw_form,
            "is_principal": is_principal,
            "is_admin": actor.has(Role.ADMIN_BOARD),
        },
        status=status,
    )


@login_required
@require_GET
def locks(request: HttpRequest) -> HttpResponse:
    require_school_roles(request.user, *LOCK_READERS)
    return _locks_page(request, _year_or_404(request.user))


@login_required
@require_POST
def lock_decide(request: HttpRequest) -> HttpResponse:
    require_school_roles(request.user, Role.PRINCIPAL)
    year = _year_or_404(request.user)
    form = LockDecisionForm(request.POST, year=year)
    if form.is_valid():
        data = form.cleaned_data
        try:
            rows = services.lock_decide(
                actor=request.user,
                school_year=year,
                action=data["action"],
                scope=data["scope"],
                reason=data["reason"],
                term=data["term_obj"],
                grade_level=data.get("grade_level"),
                class_group=data.get("class_group"),
                class_subject=data.get("class_subject"),
                column=data.get("column") or "",
                starts_at=data.get("starts_at"),
                ends_at=data.get("ends_at"),
                decision_reference=data.get("decision_reference", ""),
            )
        except ValidationError as exc:
            for message in _messages(exc):
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _("Decision %(ref)s recorded; it takes effect once the admin board carries it out.")
                % {"ref": rows[0].decision_reference},
            )
            return redirect("corrections:locks")
    return _locks_page(request, year, form=form, status=400)


def _lock_of_school(user, lock_id: int) -> BookLock:
    actor = actor_for(user)
    return get_object_or_404(
        BookLock.objects.select_related("school_year"), pk=lock_id, school_year__school_id=actor.school_id
    )


@login_required
@require_POST
def lock_execute(request: HttpRequest, lock_id: int) -> HttpResponse:
    require_school_roles(request.user, Role.ADMIN_BOARD)
    lock = _lock_of_school(request.user, lock_id)
    try:
        rows = services.lock_execute(actor=request.user, lock=lock)
    except ValidationError as exc:
        messages.error(request, " ".join(_messages(exc)))
    else:
        messages.success(request, _("Decision %(ref)s carried out.") % {"ref": rows[0].decision_reference})
    return redirect("corrections:locks")


@login_required
@require_POST
def lock_withdraw(request: HttpRequest, lock_id: int) -> HttpResponse:
    require_school_roles(request.user, Role.PRINCIPAL)
    lock = _lock_of_school(request.user, lock_id)
    form = ReasonForm(request.POST, prefix="withdraw")
    if not form.is_valid():
        messages.error(request, _("Give the reason for withdrawing the decision."))
        return redirect("corrections:locks")
    try:
        services.lock_withdraw(actor=request.user, lock=lock, reason=form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, " ".join(_messages(exc)))
    else:
        messages.success(request, _("Decision %(ref)s withdrawn.") % {"ref": lock.decision_reference})
    return redirect("corrections:locks")


# --- late-correction permits and the policy ------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def permits(request: HttpRequest) -> HttpResponse:
    require_school_roles(request.user, Role.PRINCIPAL)
    year = _year_or_404(request.user)
    form = PermitForm(request.POST or None, year=year)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.late_permit_grant(
                    actor=request.user,
                    term=data["term_obj"],
                    class_group=data["class_group"],
                    class_subject=data.get("class_subject"),
                    valid_until=data["valid_until"],
                    reason=data["reason"],
                )
            except ValidationError as exc:
                for message in _messages(exc):
                    form.add_error(None, message)
            else:
                messages.success(request, _("Exception recorded."))
                return redirect("corrections:permits")
        status = 400
    rows = (
        LateCorrectionPermit.objects.filter(school_year=year)
        .select_related("term", "class_group", "class_subject__subject", "granted_by")
        .order_by("-granted_at")
    )
    deadlines = [(t, services.term_deadline(t, year.school_id)) for t in year.terms.order_by("number")]
    return _render(
        request, "corrections/permits.html", {"form": form, "rows": rows, "deadlines": deadlines}, status=status
    )


@login_required
@require_http_methods(["GET", "POST"])
def policy(request: HttpRequest) -> HttpResponse:
    actor = require_school_roles(request.user, Role.PRINCIPAL)
    current = services.policy_for(actor.school_id)
    initial = {
        "window_days_before_final": current.window_days_before_final,
        "homeroom_confirms": current.homeroom_confirms,
        "many_changes_threshold": current.many_changes_threshold,
    }
    form = PolicyForm(request.POST or None, initial=initial)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                services.policy_update(actor=request.user, school=current.school, **form.cleaned_data)
            except ValidationError as exc:
                for message in _messages(exc):
                    form.add_error(None, message)
            else:
                messages.success(request, _("Settings saved."))
                return redirect("corrections:policy")
        status = 400
    return _render(request, "corrections/policy.html", {"form": form}, status=status)


# --- correction minutes ---------------------------------------------------------------------------


@login_required
@require_GET
def minutes_list(request: HttpRequest) -> HttpResponse:
    actor = actor_for(request.user)
    if actor.school_id is None:
        raise Http404
    drafter = may_draft(request.user)
    if not drafter and not actor.has(Role.PRINCIPAL, Role.ADMIN_BOARD):
        raise PermissionDenied(_("You do not have the right to do this."))
    status = request.GET.get("status", "")
    if status not in Correction.Status.values:
        status = ""
    rows = selectors.minutes_list(corrections_visible(request.user), status)
    return _render(
        request,
        "corrections/minutes_list.html",
        {"rows": rows, "status": status, "statuses": Correction.Status.choices, "may_draft": drafter},
    )


def _draft_targets(user, year) -> list[tuple[str, str]]:
    choices = []
    if target_for(Correction.Kind.SCORE).is_wired():
        for cs in (
            class_subjects_taught(user)
            .filter(class_group__school_year=year)
            .select_related("class_group", "subject")
            .order_by("class_group__grade_level", "class_group__name", "subject__order")
        ):
            choices.append(
                (
                    f"cs:{cs.pk}",
                    _("Scores: %(class)s – %(subject)s") % {"class": cs.class_group.name, "subject": cs.subject.name},
                )
            )
    for class_group in classes_homeroom(user).filter(school_year=year).order_by("name"):
        for kind, label in ((Correction.Kind.CONDUCT, _("Conduct")), (Correction.Kind.ATTENDANCE, _("Attendance"))):
            if target_for(kind).is_wired():
                choices.append((f"cg:{class_group.pk}:{kind}", f"{label}: {class_group.name}"))
    return choices


@login_required
@require_http_methods(["GET", "POST"])
def minutes_new(request: HttpRequest) -> HttpResponse:
    year = _year_or_404(request.user)
    targets = _draft_targets(request.user, year)
    if not targets:
        raise PermissionDenied(_("Only a subject teacher or a homeroom teacher draws up correction minutes."))
    form = CorrectionCreateForm(request.POST or None, targets=targets, year=year)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            data = form.cleaned_data
            key = data["target"].split(":")
            try:
                if key[0] == "cs":
                    correction = services.correction_create(
                        actor=request.user,
                        kind=Correction.Kind.SCORE,
                        term=data["term_obj"],
                        class_subject=ClassSubject.objects.select_related("class_group").get(pk=int(key[1])),
                        place=data.get("place", ""),
                    )
                else:
                    correction = services.correction_create(
                        actor=request.user,
                        kind=key[2],
                        term=data["term_obj"],
                        class_group=ClassGroup.objects.get(pk=int(key[1])),
                        place=data.get("place", ""),
                    )
            except ValidationError as exc:
                for message in _messages(exc):
                    form.add_error(None, message)
            else:
                return redirect("corrections:minutes", correction_id=correction.pk)
        status = 400
    return _render(request, "corrections/minutes_new.html", {"form": form}, status=status)


def _detail(request: HttpRequest, correction: Correction, *, line_form=None, evidence_form=None, status=200):
    view = selectors.minutes_view(correction)
    actor = actor_for(request.user)
    user = request.user
    c = correction
    is_requester = c.requested_by_id == user.pk
    draft = c.status == Correction.Status.DRAFT
    if draft and is_requester:
        line_form = line_form or LineForm(students=view.students, columns=view.columns)
        evidence_form = evidence_form or EvidenceForm()
    can = {
        "edit": draft and is_requester,
        "submit": draft and is_requester,
        "homeroom": c.status == Correction.Status.SUBMITTED
        and classes_homeroom(user).filter(pk=c.class_group_id).exists(),
        "decide": c.status == Correction.Status.PENDING and actor.has(Role.PRINCIPAL),
        "confirm_teacher": c.status == Correction.Status.APPROVED and is_requester and not c.teacher_applied_at,
        "confirm_admin": c.status == Correction.Status.APPROVED
        and actor.has(Role.ADMIN_BOARD)
        and not is_requester
        and not c.admin_applied_at,
        "sign_teacher": c.status == Correction.Status.APPLIED and is_requester and not c.teacher_signed_at,
        "sign_admin": c.status == Correction.Status.APPLIED
        and c.admin_applied_by_id == user.pk
        and not c.admin_signed_at,
        "sign_principal": c.status == Correction.Status.APPLIED
        and actor.has(Role.PRINCIPAL)
        and not c.principal_signed_at
        and user.pk not in (c.requested_by_id, c.admin_applied_by_id),
        "archive": c.status == Correction.Status.SIGNED and actor.has(Role.ADMIN_BOARD, Role.PRINCIPAL),
        "withdraw": c.is_open and is_requester,
    }
    return _render(
        request,
        "corrections/minutes_detail.html",
        {
            "view": view,
            "c": c,
            "can": can,
            "line_form": line_form,
            "evidence_form": evidence_form,
            "reason_form": ReasonForm(),
            "decision_form": DecisionForm(),
            "homeroom_form": HomeroomForm(),
            "wired": target_for(c.kind).is_wired(),
        },
        status=status,
    )


def _require_requester(request: HttpRequest, correction: Correction) -> None:
    """People who may read the minutes but did not draw them up: 403 on the drafting actions."""
    if correction.requested_by_id != request.user.pk:
        raise PermissionDenied(_("Only the teacher who drew up the minutes can do this."))


@login_required
@require_GET
def minutes_detail(request: HttpRequest, correction_id: int) -> HttpResponse:
    return _detail(request, get_correction_for_view(request.user, correction_id))


@login_required
@require_POST
def line_add(request: HttpRequest, correction_id: int) -> HttpResponse:
    correction = get_correction_for_view(request.user, correction_id)
    _require_requester(request, correction)
    view = selectors.minutes_view(correction, with_current=False)
    form = LineForm(request.POST, students=view.students, columns=view.columns)
    if form.is_valid():
        data = form.cleaned_data
        enrolment = Enrolment.objects.filter(pk=data["enrolment"], class_group_id=correction.class_group_id).first()
        if enrolment is None:
            raise Http404
        try:
            services.correction_line_add(
                actor=request.user,
                correction=correction,
                enrolment=enrolment,
                column=data["column"],
                new_value=data["new_value"],
                reason_code=data["reason_code"],
                reason_text=data["reason_text"],
            )
        except ValidationError as exc:
            for message in _messages(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("Line added."))
            return redirect("corrections:minutes", correction_id=correction.pk)
    return _detail(request, correction, line_form=form, status=400)


@login_required
@require_POST
def line_remove(request: HttpRequest, correction_id: int, line_id: int) -> HttpResponse:
    correction = get_correction_for_view(request.user, correction_id)
    line = get_object_or_404(CorrectionLine, pk=line_id, correction=correction)
    return _run(
        request, correction, lambda: services.correction_line_remove(actor=request.user, line=line), _("Line removed.")
    )


@login_required
@require_POST
def evidence_add(request: HttpRequest, correction_id: int) -> HttpResponse:
    correction = get_correction_for_view(request.user, correction_id)
    _require_requester(request, correction)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            services.evidence_add(
                actor=request.user,
                correction=correction,
                upload=form.cleaned_data["file"],
                kind=form.cleaned_data["kind"],
            )
        except ValidationError as exc:
            for message in _messages(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("Evidence attached."))
            return redirect("corrections:minutes", correction_id=correction.pk)
    return _detail(request, correction, evidence_form=form, status=400)


@login_required
@require_POST
def evidence_remove(request: HttpRequest, correction_id: int, evidence_id: int) -> HttpResponse:
    evidence = get_evidence_for_download(request.user, correction_id, evidence_id)
    return _run(
        request,
        evidence.correction,
        lambda: services.evidence_remove(actor=request.user, evidence=evidence),
        _("Evidence removed."),
    )


@login_required
@require_GET
def evidence_download(request: HttpRequest, correction_id: int, evidence_id: int) -> FileResponse:
    evidence = get_evidence_for_download(request.user, correction_id, evidence_id)
    try:
        handle = evidence.file.open("rb")
    except FileNotFoundError:
        raise Http404 from None
    response = FileResponse(
        handle, as_attachment=True, filename=evidence.original_name, content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def _run(request: HttpRequest, correction: Correction, action, success: str) -> HttpResponse:
    try:
        action()
    except ValidationError as exc:
        messages.error(request, " ".join(_messages(exc)))
    else:
        messages.success(request, success)
    return redirect("corrections:minutes", correction_id=correction.pk)


@login_required
@require_POST
def minutes_submit(request: HttpRequest, correction_id: int) -> HttpResponse:
    correction = get_correction_for_view(request.user, correction_id)
    return _run(
        request,
        correction,
        lambda: services.correction_submit(actor=request.user, correction=correction),
        _("Minutes submitted."),
    )


def _two_way(
    request: HttpRequest, correction_id: int, form_class, *, yes: str, invalid: str, act, done
) -> HttpResponse:
    """A yes/no step with a comment (the homeroom teacher's review, the principal's decision):
    ``act(correction, yes, comment)`` runs the service, ``done(yes)`` is the success message."""
    correction = get_correction_for_view(request.user, correction_id)
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, invalid)
        return redirect("corrections:minutes", correction_id=correction.pk)
    said_yes = form.cleaned_data["decision"] == yes
    comment = form.cleaned_data["comment"]
    return _run(request, correction, lambda: act(correction, said_yes, comment), done(said_yes))


@login_required
@require_POST
def minutes_homeroom(request: HttpRequest, correction_id: int) -> HttpResponse:
    return _two_way(
        request,
        correction_id,
        HomeroomForm,
        yes="confirm",
        invalid=_("Choose confirm or send back."),
        act=lambda correction, confirm, comment: services.correction_homeroom_review(
            actor=request.user, correction=correction, confirm=confirm, comment=comment
        ),
        done=lambda confirm: _("Confirmed.") if confirm else _("Sent back to the teacher."),
    )


@login_required
@require_POST
def minutes_decide(request: HttpRequest, correction_id: int) -> HttpResponse:
    return _two_way(
        request,
        correction_id,
        DecisionForm,
        yes="approve",
        invalid=_("Choose approve or reject."),
        act=lambda correction, approve, comment: services.correction_decide(
            actor=request.user, correction=correction, approve=approve, comment=comment
        ),
        done=lambda approve: _("Minutes approved.") if approve else _("Minutes rejected."),
    )


@login_required
@require_POST
def minutes_confirm(request: HttpRequest, correction_id: int) -> HttpResponse:
    correction = get_correction_for_view(request.user, correction_id)

    def confirm():
        done = services.correction_confirm(actor=request.user, correction=correction)
        if done.status == Correction.Status.APPLIED:
            messages.info(request, _("The correction was carried out and the cells are locked again."))

    return _run(request, correction, confirm, _("Confirmation recorded."))


@login_required
@require_POST
def minutes_sign(request: HttpRequest, correction_id: int) -> HttpResponse:
    correction = get_correction_for_view(request.user, correction_id)
    form = SignForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Unknown signature."))
        return redirect("corrections:minutes", correction_id=correction.pk)
    return _run(
        request,
        correction,
        lambda: services.correction_sign(
            actor=request.user, correction=correction, sign_as=form.cleaned_data["sign_as"]
        ),
        _("Signed."),
    )


@login_required
@require_POST
def minutes_archive(request: HttpRequest, correction_id: int) -> HttpResponse:
    correction = get_correction_for_view(request.user, correction_id)
    return _run(
        request,
        correction,
        lambda: services.correction_archive(actor=request.user, correction=correction),
        _("Minutes archived."),
    )


@login_required
@require_POST
def minutes_withdraw(request: HttpRequest, correction_id: int) -> HttpResponse:
    correction = get_correction_for_view(request.user, correction_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    return _run(
        request,
        correction,
        lambda: services.correction_withdraw(actor=request.user, correction=correction, reason=reason),
        _("Minutes withdrawn."),
    )


@login_required
@require_GET
def minutes_pdf(request: HttpRequest, correction_id: int) -> HttpResponse:
    from .pdf import minutes_pdf as render_pdf

    correction = get_correction_for_view(request.user, correction_id)
    data = render_pdf(correction)
    number = correction.number or 0
    response = HttpResponse(data, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="bien-ban-sua-diem-{number:02d}-{correction.pk}.pdf"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- audit trail ----------------------------------------------------------------------------------


def _audit_form(request: HttpRequest, scope):
    year = current_year(request.user)
    classes = ClassGroup.objects.filter(school_year=year).order_by("grade_level", "name") if year else []
    if scope.whole_school:
        users = User.objects.filter(school_id=scope.school_id).order_by("full_name")
    else:
        users = User.objects.filter(pk=request.user.pk)
    return AuditFilterForm(
        request.GET or None,
        kinds=[(k, v) for k, v in audit.KINDS.items()],
        classes=classes,
        subjects=Subject.objects.filter(school_id=scope.school_id).order_by("order", "name"),
        users=users,
    )


def _audit_filter(form) -> audit.AuditFilter:
    if not form.is_bound or not form.is_valid():
        return audit.AuditFilter()
    data = form.cleaned_data
    return audit.AuditFilter(
        kinds=frozenset([data["kind"]]) if data.get("kind") else frozenset(),
        student_query=data.get("student") or "",
        class_id=data.get("class_group"),
        subject_id=data.get("subject"),
        user_id=data.get("user"),
        date_from=data.get("date_from"),
        date_to=data.get("date_to"),
    )


@login_required
@require_GET
def audit_trail(request: HttpRequest) -> HttpResponse:
    scope = audit_scope_for(request.user)
    form = _audit_form(request, scope)
    page_number = 1
    if form.is_bound and form.is_valid():
        page_number = form.cleaned_data.get("page") or 1
    status = 400 if form.is_bound and not form.is_valid() else 200
    page = audit.read(scope, _audit_filter(form), offset=(page_number - 1) * AUDIT_PAGE_SIZE, limit=AUDIT_PAGE_SIZE)
    query = request.GET.copy()
    query.pop("page", None)
    return _render(
        request,
        "corrections/audit.html",
        {"form": form, "page": page, "page_number": page_number, "query": query.urlencode()},
        status=status,
    )


@login_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponse:
    from .xlsx import audit_workbook

    scope = audit_scope_for(request.user)
    form = _audit_form(request, scope)
    if form.is_bound and not form.is_valid():
        messages.error(request, _("Correct the filter first."))
        return redirect(reverse("corrections:audit") + "?" + request.GET.urlencode())
    page = audit.read(scope, _audit_filter(form), offset=0, limit=AUDIT_EXPORT_LIMIT)
    if page.has_more:
        messages.error(
            request,
            _("More than %(n)s changes match: narrow the filter (a class, a month) before exporting.")
            % {"n": f"{AUDIT_EXPORT_LIMIT:,}".replace(",", ".")},
        )
        return redirect(reverse("corrections:audit") + "?" + request.GET.urlencode())
    response = HttpResponse(
        audit_workbook(page.entries),
        content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    )
    response["Content-Disposition"] = 'attachment; filename="nhat-ki-thay-doi.xlsx"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- signals --------------------------------------------------------------------------------------


@login_required
@require_GET
def signals(request: HttpRequest) -> HttpResponse:
    require_school_roles(request.user, *SIGNAL_READERS)
    year = _year_or_404(request.user)
    terms = list(year.terms.order_by("number"))
    if not terms:
        raise Http404
    chosen = request.GET.get("term")
    term = next((t for t in terms if str(t.pk) == chosen), None) or _current_term(terms)
    data = selectors.correction_signals(year, term)
    return _render(request, "corrections/signals.html", {"data": data, "terms": terms, "term": term})


def _current_term(terms):
    today = timezone.localdate()
    for term in terms:
        if term.start_date <= today <= term.end_date:
            return term
    return terms[0] if today < terms[0].start_date else terms[-1]
