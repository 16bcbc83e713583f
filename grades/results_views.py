"""Pages of conduct, the class overview, the results with their proposal and approval, the summer
re-assessment and the rollover. Thin function views: access → form → service → response; every
refusal is a Vietnamese message and nothing stored."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.access import current_year, school_of
from accounts.models import Role
from schools.models import ClassGroup, SchoolYear

from . import results_services as services
from .access import can_enter
from .grid import GridUnavailable
from .models import SUMMER, TERM1, TERM2, YEAR, Period, ResultBatch
from .results_access import (
    get_class_for_conduct,
    get_class_for_conduct_entry,
    get_class_for_decision,
    get_class_for_proposal,
    get_class_for_results,
    get_class_subject_for_entry,
    get_class_subject_for_view,
    require_principal,
    require_rollover,
    require_school_results,
)
from .results_forms import (
    ComputeForm,
    DecisionForm,
    DisciplineNoteForm,
    RolloverForm,
    SummerDeadlineForm,
    conduct_entries,
    retest_entries,
)
from .results_selectors import (
    PERIOD_SLUGS,
    SLUG_PERIODS,
    class_overview,
    conduct_heading,
    conduct_page,
    discipline_notes,
    learning_heading,
    outcome_label,
    results_page,
    retest_students,
    school_results,
    summer_deadline,
)
from .selectors import sorted_enrolments

OVERVIEW_PERIODS = (TERM1, TERM2, YEAR)


def _period(slug: str, allowed=tuple(PERIOD_SLUGS)) -> str:
    period = SLUG_PERIODS.get(slug)
    if period not in allowed:
        raise Http404
    return period


def _tabs(periods) -> list[tuple[str, str, str]]:
    return [(p, PERIOD_SLUGS[p], str(Period(p).label)) for p in periods]


def _errors(exc: ValidationError) -> list[str]:
    return list(exc.messages)


# --- conduct ------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def conduct(request: HttpRequest, class_id: int, period_slug: str) -> HttpResponse:
    """The homeroom teacher rates conduct for a term, the year (TT58) or after the summer; the
    leadership reads it. The subject teachers' weekly discipline notes are shown beside each student."""
    access = get_class_for_conduct(request.user, class_id)
    period = _period(period_slug)
    class_group = access.class_group
    errors: list[str] = []
    posted = None
    if request.method == "POST":
        class_group = get_class_for_conduct_entry(request.user, class_id)
        page = conduct_page(class_group, period)
        ids = [row.student.enrolment.pk for row in page.rows]
        entries, errors = conduct_entries(request.POST, ids, period, summer=period == SUMMER)
        if not errors:
            try:
                written = services.conduct_record_many(
                    actor=request.user, class_group=class_group, entries=entries, reason=services.REASON_CONDUCT
                )
            except ValidationError as exc:
                errors = _errors(exc)
            else:
                messages.success(
                    request, _("Saved: the conduct of %(n)s student(s).") % {"n": len(entries) if written else 0}
                )
                return redirect("grades:conduct", class_id=class_group.pk, period_slug=period_slug)
        posted = request.POST
    else:
        try:
            page = conduct_page(class_group, period)
        except GridUnavailable as exc:
            return render(request, "grades/unavailable.html", {"message": str(exc)})
    if posted is not None:
        for row in page.rows:
            pk = row.student.enrolment.pk
            row.shown_level = posted.get(f"level-{pk}", row.shown_level)
            row.shown_comment = posted.get(f"comment-{pk}", row.shown_comment)
            row.shown_done = posted.get(f"done-{pk}", row.shown_done)
    may_edit = access.is_homeroom and not page.lock.locked and not page.derived_year
    return render(
        request,
        "grades/conduct.html",
        {
            "class_group": class_group,
            "page": page,
            "period": period,
            "tabs": _tabs((TERM1, TERM2, YEAR, SUMMER)),
            "slug": period_slug,
            "may_edit": may_edit,
            "is_homeroom": access.is_homeroom,
            "errors": errors,
            "posted": posted,
            "heading": conduct_heading(page.inputs.rule_set),
            "tab": "conduct",
        },
        status=400 if errors else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def discipline(request: HttpRequest, class_subject_id: int) -> HttpResponse:
    """A subject teacher's weekly notes on the study discipline of the class in his subject (BM Đ5.3)."""
    class_subject = get_class_subject_for_entry(request.user, class_subject_id)
    enrolments = sorted_enrolments(class_subject)
    form = DisciplineNoteForm(request.POST or None, enrolments=enrolments)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.discipline_note_save(
                actor=request.user,
                class_subject=class_subject,
                enrolment_id=data["student"],
                week=data["week"],
                text=data["text"],
                version=data["version"] or 0,
            )
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            messages.success(request, _("Note saved."))
            return redirect("grades:discipline", class_subject_id=class_subject.pk)
    return render(
        request,
        "grades/discipline.html",
        {"class_subject": class_subject, "form": form, "notes": discipline_notes(class_subject)},
        status=400 if request.method == "POST" else 200,
    )


# --- overview -----------------------------------------------------------------------------------


@login_required
@require_GET
def overview(request: HttpRequest, class_id: int, period_slug: str) -> HttpResponse:
    """Every subject's averages (or Đ/CĐ), the learning result, conduct, absences and the warnings
    for what is missing, for the homeroom teacher, the principal and the vice-principal."""
    access = get_class_for_results(request.user, class_id)
    period = _period(period_slug, OVERVIEW_PERIODS)
    try:
        data = class_overview(access.class_group, period)
    except GridUnavailable as exc:
        return render(request, "grades/unavailable.html", {"message": str(exc)})
    return render(
        request,
        "grades/overview.html",
        {
            "class_group": access.class_group,
            "overview": data,
            "period": period,
            "tabs": _tabs(OVERVIEW_PERIODS),
            "slug": period_slug,
            "is_homeroom": access.is_homeroom,
            "learning_heading": learning_heading(data.inputs.rule_set),
            "conduct_heading": conduct_heading(data.inputs.rule_set),
            "tab": "overview",
        },
    )


# --- results ------------------------------------------------------------------------------------


@login_required
@require_GET
def results(request: HttpRequest, class_id: int, period_slug: str) -> HttpResponse:
    access = get_class_for_results(request.user, class_id)
    period = _period(period_slug)
    try:
        page = results_page(access.class_group, period)
    except GridUnavailable as exc:
        return render(request, "grades/unavailable.html", {"message": str(exc)})
    status = page.status
    return render(
        request,
        "grades/results.html",
        {
            "class_group": access.class_group,
            "page": page,
            "period": period,
            "period_label": Period(period).label,
            "tabs": _tabs((TERM1, TERM2, YEAR, SUMMER)),
            "slug": period_slug,
            "is_homeroom": access.is_homeroom,
            "is_principal": access.is_principal,
            "may_compute": access.is_homeroom and status != ResultBatch.Status.PROPOSED and not page.lock.locked,
            "may_propose": access.is_homeroom
            and status in (ResultBatch.Status.DRAFT, ResultBatch.Status.RETURNED)
            and page.ready
            and not page.stale
            and not page.unsaved,
            "may_decide": access.is_principal and status == ResultBatch.Status.PROPOSED,
            "learning_heading": learning_heading(page.inputs.rule_set),
            "conduct_heading": conduct_heading(page.inputs.rule_set),
            "year_like": period in (YEAR, SUMMER),
            "outcome_label": outcome_label,
            "tab": "results",
            "decision_form": DecisionForm(),
        },
    )


def _back(class_group: ClassGroup, period_slug: str):
    return redirect("grades:results", class_id=class_group.pk, period_slug=period_slug)


@login_required
@require_POST
def results_compute(request: HttpRequest, class_id: int, period_slug: str) -> HttpResponse:
    class_group = get_class_for_proposal(request.user, class_id)
    period = _period(period_slug)
    form = ComputeForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("The request is malformed."))
        return _back(class_group, period_slug)
    try:
        summary = services.results_compute(
            actor=request.user, class_group=class_group, period=period, reason=form.cleaned_data["reason"]
        )
    except (ValidationError, GridUnavailable) as exc:
        for message in _errors(exc) if isinstance(exc, ValidationError) else [str(exc)]:
            messages.error(request, message)
    else:
        messages.success(
            request,
            _("Results computed: %(new)s new, %(changed)s changed, %(same)s unchanged.")
            % {"new": summary.new, "changed": summary.changed, "same": summary.unchanged},
        )
    return _back(class_group, period_slug)


def _decision(request: HttpRequest, class_group: ClassGroup, period_slug: str, action) -> HttpResponse:
    period = _period(period_slug)
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
        return _back(class_group, period_slug)
    try:
        action(
            actor=request.user,
            class_group=class_group,
            period=period,
            comment=form.cleaned_data["comment"],
            version=form.cleaned_data["version"],
        )
    except ValidationError as exc:
        for message in _errors(exc):
            messages.error(request, message)
        return _back(class_group, period_slug)
    return None


@login_required
@require_POST
def results_propose(request: HttpRequest, class_id: int, period_slug: str) -> HttpResponse:
    class_group = get_class_for_proposal(request.user, class_id)
    refused = _decision(request, class_group, period_slug, services.results_propose)
    if refused is not None:
        return refused
    messages.success(request, _("Results proposed to the principal."))
    return _back(class_group, period_slug)


@login_required
@require_POST
def results_approve(request: HttpRequest, class_id: int, period_slug: str) -> HttpResponse:
    class_group = get_class_for_decision(request.user, class_id)
    refused = _decision(request, class_group, period_slug, services.results_approve)
    if refused is not None:
        return refused
    messages.success(request, _("Results approved and locked."))
    return _back(class_group, period_slug)


@login_required
@require_POST
def results_return(request: HttpRequest, class_id: int, period_slug: str) -> HttpResponse:
    class_group = get_class_for_decision(request.user, class_id)
    refused = _decision(request, class_group, period_slug, services.results_return)
    if refused is not None:
        return refused
    messages.success(request, _("Results returned to the homeroom teacher."))
    return _back(class_group, period_slug)


# --- summer re-assessment -------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def retest(request: HttpRequest, class_subject_id: int) -> HttpResponse:
    """The subject teacher enters the summer re-assessment of the students the approved year
    results send to it (R22-YE-4, R58-YE-3); whoever reads the subject's grid reads them."""
    class_subject = get_class_subject_for_view(request.user, class_subject_id)
    may_edit = can_enter(request.user, class_subject)
    errors: list[str] = []
    if request.method == "POST":
        class_subject = get_class_subject_for_entry(request.user, class_subject_id)
        rows, approved = retest_students(class_subject)
        entries = retest_entries(request.POST, [e.pk for e, _r, _s in rows])
        try:
            services.retest_record_many(actor=request.user, class_subject=class_subject, entries=entries)
        except (ValidationError, GridUnavailable) as exc:
            errors = _errors(exc) if isinstance(exc, ValidationError) else [str(exc)]
        else:
            messages.success(request, _("Saved: %(n)s re-assessment(s).") % {"n": len(entries)})
            return redirect("grades:retest", class_subject_id=class_subject.pk)
    rows, approved = retest_students(class_subject)
    year = class_subject.class_group.school_year
    return render(
        request,
        "grades/retest.html",
        {
            "class_subject": class_subject,
            "rows": rows,
            "approved": approved,
            "may_edit": may_edit,
            "errors": errors,
            "posted": request.POST if errors else None,
            "deadline": summer_deadline(year),
        },
        status=400 if errors else 200,
    )


# --- the school: results of every class, summer deadline, rollover ---------------------------------


@login_required
@require_GET
def school(request: HttpRequest) -> HttpResponse:
    actor = require_school_results(request.user)
    year = current_year(request.user)
    if year is None:
        raise Http404
    previous = SchoolYear.objects.filter(school_id=year.school_id, start_year=year.start_year - 1).first()
    shown = year
    if request.GET.get("nam") and previous is not None and request.GET["nam"] == str(previous.start_year):
        shown = previous
    return render(
        request,
        "grades/school_results.html",
        {
            "year": shown,
            "current": year,
            "previous": previous,
            "rows": school_results(shown),
            "periods": _tabs((TERM1, TERM2, YEAR, SUMMER)),
            "deadline": summer_deadline(shown),
            "deadline_form": SummerDeadlineForm(),
            "is_principal": actor.has(Role.PRINCIPAL),
            "is_admin": actor.has(Role.ADMIN_BOARD),
        },
    )


@login_required
@require_POST
def summer_deadline_view(request: HttpRequest) -> HttpResponse:
    require_principal(request.user)
    year = current_year(request.user)
    if year is None:
        raise Http404
    form = SummerDeadlineForm(request.POST)
    if form.is_valid():
        try:
            services.summer_deadline_set(
                actor=request.user, school_year=year, deadline=form.deadline(), reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            for message in _errors(exc):
                messages.error(request, message)
        else:
            messages.success(request, _("The summer deadline is recorded."))
    else:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return redirect("grades:school_results")


@login_required
@require_http_methods(["GET", "POST"])
def rollover(request: HttpRequest) -> HttpResponse:
    """The admin board moves the school to the next year once every class's results are final."""
    require_rollover(request.user)
    year = current_year(request.user)
    if year is None:
        raise Http404
    school = school_of(request.user)
    classes = list(ClassGroup.objects.filter(school_year=year).order_by("grade_level", "name"))
    form = RolloverForm(
        request.POST or None,
        classes=classes,
        last_grade=max(school.grade_levels),
        next_start_year=year.start_year + 1,
    )
    problems = services.rollover_problems(year)
    if request.method == "POST" and form.is_valid():
        try:
            summary = services.school_rollover(
                actor=request.user,
                school_year=year,
                start_date=form.cleaned_data["start_date"],
                end_date=form.cleaned_data["end_date"],
                terms=form.terms(),
                plans=form.plans(),
                reason=form.cleaned_data["reason"],
            )
        except ValidationError as exc:
            for message in _errors(exc):
                form.add_error(None, message)
        else:
            messages.success(
                request,
                _(
                    "School year %(year)s opened: %(promoted)s promoted, %(retained)s retained, "
                    "%(graduated)s completed the programme, in %(classes)s classes."
                )
                % {
                    "year": summary.year.name,
                    "promoted": summary.promoted,
                    "retained": summary.retained,
                    "graduated": summary.graduated,
                    "classes": summary.classes,
                },
            )
            return redirect(reverse("home"))
    return render(
        request,
        "grades/rollover.html",
        {"year": year, "form": form, "problems": problems},
        status=400 if request.method == "POST" else 200,
    )
