from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from schools.models import HomeroomAssignment, School, SchoolYear

from . import selectors, services
from .access import (
    actor_for,
    can_manage_accounts,
    get_account_for_change,
    get_account_for_view,
    require_account_manager,
    require_account_reader,
)
from .forms import (
    AccountCreateForm,
    AccountFilterForm,
    AccountProfileForm,
    OptionalReasonForm,
    ReasonForm,
    RoleAddForm,
    StatusForm,
)
from .models import RoleGrant
from .selectors import home_data


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The role-aware home page: each person sees their own work."""
    if request.user.must_change_password:
        return redirect("password_change")
    actor = actor_for(request.user)
    return render(request, "accounts/home.html", {"data": home_data(actor)})


@never_cache
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and readiness: the database answers and, when one is configured, the broker too."""
    checks: dict[str, str] = {}
    healthy = True
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:
        checks["database"] = f"error: {exc.__class__.__name__}"
        healthy = False
    if settings.CELERY_TASK_ALWAYS_EAGER:
        checks["broker"] = "in-process"
    else:
        from gradebook.celery import app

        try:
            with app.connection_for_write() as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception as exc:
            checks["broker"] = f"error: {exc.__class__.__name__}"
            healthy = False
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)


# ---------------------------------------------------------------------------------------------
# Account management for the admin board (BM Đ8.1); the principal reads (BM Đ3.2).


def _add_errors(form, exc: ValidationError) -> None:
    """Put a service's refusal on the form: on its field when the form has one, else on top."""
    if hasattr(exc, "error_dict"):
        for name, errors in exc.error_dict.items():
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, exc.messages)


def _first_error(exc: ValidationError) -> str:
    return " ".join(exc.messages)


@login_required
@require_GET
def account_list(request: HttpRequest) -> HttpResponse:
    actor = require_account_reader(request.user)
    form = AccountFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    result = selectors.account_list(
        school_id=actor.school_id,
        query=filters.get("q", ""),
        role=filters.get("role", ""),
        status=filters.get("status", ""),
        page=request.GET.get("trang", 1),
    )
    params = request.GET.copy()
    params.pop("trang", None)
    return render(
        request,
        "accounts/account_list.html",
        {
            "form": form,
            "result": result,
            "query_string": params.urlencode(),
            "can_manage": can_manage_accounts(request.user),
        },
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def account_create(request: HttpRequest) -> HttpResponse:
    actor = require_account_manager(request.user)
    form = AccountCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            account, password = services.account_create(
                school=School.objects.get(pk=actor.school_id),
                full_name=data["full_name"],
                username=data["username"],
                password=data["password"],
                email=data["email"],
                phone=data["phone"],
                actor=request.user,
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            # Shown in this response only (never stored in clear, never in a redirect or the session).
            return render(
                request,
                "accounts/account_password.html",
                {"account": account, "password": password, "generated": not data["password"], "created": True},
            )
    suggestion = services.username_suggest(form.data.get("full_name", "")) if form.is_bound else ""
    return render(request, "accounts/account_create.html", {"form": form, "suggestion": suggestion})


def _detail(request: HttpRequest, account, status: int = 200, **forms) -> HttpResponse:
    school = account.school
    year = SchoolYear.objects.filter(school=school, is_current=True).first()
    context = {
        "detail": selectors.account_detail(account),
        "can_manage": can_manage_accounts(request.user),
        "is_self": account.pk == request.user.pk,
        "year": year,
        "role_form": forms.get("role_form") or RoleAddForm(school=school, year=year),
        "profile_form": forms.get("profile_form")
        or AccountProfileForm(initial={"full_name": account.full_name, "email": account.email, "phone": account.phone}),
        "status_form": forms.get("status_form") or StatusForm(prefix="status"),
    }
    return render(request, "accounts/account_detail.html", context, status=status)


@login_required
@require_GET
def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    return _detail(request, get_account_for_view(request.user, account_id))


@login_required
@require_POST
def account_profile(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_account_for_change(request.user, account_id)
    form = AccountProfileForm(request.POST)
    if form.is_valid():
        try:
            services.account_update(account=account, actor=request.user, **form.cleaned_data)
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The profile is saved."))
            return redirect("account_detail", account.pk)
    return _detail(request, account, status=400, profile_form=form)


@login_required
@require_POST
def account_role_add(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_account_for_change(request.user, account_id)
    year = SchoolYear.objects.filter(school=account.school, is_current=True).first()
    form = RoleAddForm(request.POST, school=account.school, year=year)
    if form.is_valid():
        data = form.cleaned_data
        try:
            services.account_role_add(
                account=account,
                role=data["role"],
                department=data["department"],
                class_group=data["class_group"],
                student=data["student"],
                actor=request.user,
                reason=data["reason"],
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The role is granted."))
            return redirect("account_detail", account.pk)
    return _detail(request, account, status=400, role_form=form)


def _with_reason(request: HttpRequest, account, act, success: str) -> HttpResponse:
    """Run ``act(reason)`` with the reason form's text; errors go back to the account page."""
    form = ReasonForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(form.errors["reason"])
        act(form.cleaned_data["reason"])
    except ValidationError as exc:
        messages.error(request, _first_error(exc))
        return _detail(request, account, status=400)
    messages.success(request, success)
    return redirect("account_detail", account.pk)


@login_required
@require_POST
def account_role_revoke(request: HttpRequest, account_id: int, grant_id: int) -> HttpResponse:
    account = get_account_for_change(request.user, account_id)
    grant = get_object_or_404(RoleGrant, pk=grant_id, user=account)
    return _with_reason(
        request,
        account,
        lambda reason: services.role_revoke(grant=grant, actor=request.user, reason=reason),
        _("The role is revoked."),
    )


@login_required
@require_POST
def account_homeroom_end(request: HttpRequest, account_id: int, assignment_id: int) -> HttpResponse:
    account = get_account_for_change(request.user, account_id)
    assignment = get_object_or_404(HomeroomAssignment, pk=assignment_id, teacher=account, ends_on__isnull=True)
    return _with_reason(
        request,
        account,
        lambda reason: services.account_homeroom_end(assignment=assignment, actor=request.user, reason=reason),
        _("The homeroom assignment is ended."),
    )


@login_required
@require_POST
def account_status(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_account_for_change(request.user, account_id)
    form = StatusForm(request.POST, prefix="status")
    active = request.POST.get("active") == "1"
    if form.is_valid():
        try:
            services.account_set_active(
                account=account, active=active, actor=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            _add_errors(form, exc)
        else:
            messages.success(request, _("The account is reactivated.") if active else _("The account is deactivated."))
            return redirect("account_detail", account.pk)
    return _detail(request, account, status=400, status_form=form)


@never_cache
@login_required
@require_POST
def account_password_reset(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_account_for_change(request.user, account_id)
    form = OptionalReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    password = services.account_password_reset(account=account, actor=request.user, reason=reason)
    return render(
        request,
        "accounts/account_password.html",
        {"account": account, "password": password, "generated": True, "created": False},
    )


@login_required
@require_POST
def account_unlock(request: HttpRequest, account_id: int) -> HttpResponse:
    account = get_account_for_change(request.user, account_id)
    form = OptionalReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    removed = services.account_unlock(account=account, actor=request.user, reason=reason)
    messages.success(
        request,
        ngettext(
            "Login unlocked: %(n)s failed attempt record cleared.",
            "Login unlocked: %(n)s failed attempt records cleared.",
            removed,
        )
        % {"n": removed},
    )
    return redirect("account_detail", account.pk)


# ---------------------------------------------------------------------------------------------
# A one-time password must be replaced at the first login (the account is personal: BM Đ2).


class LoginView(auth_views.LoginView):
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def form_valid(self, form):
        response = super().form_valid(form)
        if form.get_user().must_change_password:
            messages.warning(self.request, _("Your password was given to you by the admin board: choose your own now."))
            return redirect("password_change")
        return response


class PasswordChangeView(auth_views.PasswordChangeView):
    template_name = "registration/password_change.html"

    def form_valid(self, form):
        response = super().form_valid(form)
        services.account_password_changed(account=form.user)
        return response
