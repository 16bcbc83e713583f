"""Reads shaped for the role-aware home page; a fixed number of queries whatever the school size."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.conf import settings
from django.core.paginator import Page, Paginator
from django.db.models import Count, Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from schools.models import (
    ClassGroup,
    ClassSubject,
    Enrolment,
    HomeroomAssignment,
    School,
    SchoolYear,
    Student,
    TeachingAssignment,
)
from schools.sorting import name_sort_key

from .access import Actor, class_subjects_taught, classes_homeroom
from .models import Role, RoleGrant, User

ACTIVE_STATUSES = (Enrolment.Status.STUDYING, Enrolment.Status.TRANSFERRED_IN)
_active_count = Count("enrolments", filter=Q(enrolments__status__in=ACTIVE_STATUSES), distinct=True)


def classes_with_counts(year: SchoolYear) -> QuerySet[ClassGroup]:
    """The year's classes with their active student count and their current homeroom teacher."""
    return (
        ClassGroup.objects.filter(school_year=year)
        .annotate(student_count=_active_count)
        .prefetch_related(
            Prefetch(
                "homeroom_assignments",
                queryset=HomeroomAssignment.objects.filter(ends_on__isnull=True).select_related("teacher"),
                to_attr="open_homerooms",
            )
        )
        .order_by("grade_level", "name")
    )


@dataclass
class HomeData:
    actor: Actor
    school: School | None = None
    year: SchoolYear | None = None
    teaching: list[ClassSubject] = field(default_factory=list)
    homeroom: list[ClassGroup] = field(default_factory=list)
    school_classes: list[ClassGroup] = field(default_factory=list)
    school_totals: dict = field(default_factory=dict)
    role_counts: list[dict] = field(default_factory=list)
    department_subjects: list = field(default_factory=list)
    children: list[Student] = field(default_factory=list)
    district_schools: list[School] = field(default_factory=list)


def home_data(actor: Actor) -> HomeData:
    user: User = actor.user
    data = HomeData(actor=actor)
    if actor.school_id is not None:
        data.year = (
            SchoolYear.objects.select_related("school").filter(school_id=actor.school_id, is_current=True).first()
        )
        data.school = data.year.school if data.year else School.objects.get(pk=actor.school_id)
    year = data.year

    if year is not None and actor.has(Role.TEACHER):
        data.teaching = list(
            class_subjects_taught(user)
            .filter(class_group__school_year=year)
            .select_related("class_group", "subject")
            .annotate(
                student_count=Count(
                    "class_group__enrolments",
                    filter=Q(class_group__enrolments__status__in=ACTIVE_STATUSES),
                    distinct=True,
                )
            )
            .order_by("class_group__grade_level", "class_group__name", "subject__order")
        )
        data.homeroom = list(
            classes_homeroom(user).filter(school_year=year).annotate(student_count=_active_count).order_by("name")
        )

    if year is not None and (actor.sees_whole_school or actor.has(Role.DEPARTMENT_HEAD)):
        data.school_classes = list(classes_with_counts(year))
        data.school_totals = {
            "classes": len(data.school_classes),
            "students": sum(c.student_count for c in data.school_classes),
            "teachers": RoleGrant.objects.filter(school_id=actor.school_id, role=Role.TEACHER).count(),
        }

    if actor.has(Role.ADMIN_BOARD, Role.PRINCIPAL) and actor.school_id is not None:
        data.role_counts = list(
            RoleGrant.objects.filter(school_id=actor.school_id)
            .values("role")
            .annotate(count=Count("user", distinct=True))
            .order_by("role")
        )
        labels = dict(Role.choices)
        for row in data.role_counts:
            row["label"] = labels.get(row["role"], row["role"])

    if actor.department_ids:
        from schools.models import Subject

        data.department_subjects = list(
            Subject.objects.filter(department_id__in=actor.department_ids)
            .select_related("department")
            .order_by("order")
        )

    if actor.student_ids:
        current_enrolments = Enrolment.objects.filter(school_year__is_current=True).select_related("class_group")
        data.children = list(
            Student.objects.filter(pk__in=actor.student_ids).prefetch_related(
                Prefetch("enrolments", queryset=current_enrolments, to_attr="current_enrolments")
            )
        )

    if actor.district_ids:
        data.district_schools = list(
            School.objects.filter(district_id__in=actor.district_ids)
            .annotate(
                student_count=Count(
                    "years__enrolments",
                    filter=Q(years__is_current=True, years__enrolments__status__in=ACTIVE_STATUSES),
                    distinct=True,
                )
            )
            .order_by("name")
        )
    return data


# ---------------------------------------------------------------------------------------------
# Account management (admin board): the list and one account's page.

ACCOUNT_PAGE_SIZE = 25
HOMEROOM_FILTER = "homeroom"
STATUS_ACTIVE = "active"
STATUS_INACTIVE = "inactive"


def _fold(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", text.casefold()) if not unicodedata.combining(c))


def _matches(query: str, *texts: str) -> bool:
    """Typed without diacritics, a query ignores them ("nguyen thi lan" finds "Nguyễn Thị Lan");
    typed with them, it respects them ("Lân" does not find "Lan")."""
    if _fold(query) == query.casefold():
        return any(_fold(query) in _fold(t) for t in texts)
    folded = unicodedata.normalize("NFC", query.casefold())
    return any(folded in unicodedata.normalize("NFC", t.casefold()) for t in texts)


def account_name_key(full_name: str) -> tuple:
    """Vietnamese order of a person's full name: given name first, then middle, then family."""
    words = full_name.split()
    return name_sort_key(" ".join(words[:-1]), words[-1] if words else "")


def _open_homerooms(today):
    return Prefetch(
        "homeroom_assignments",
        queryset=HomeroomAssignment.objects.filter(Q(ends_on__isnull=True) | Q(ends_on__gt=today), starts_on__lte=today)
        .select_related("class_group__school_year")
        .order_by("class_group__name"),
        to_attr="open_homerooms",
    )


def _grants():
    return Prefetch(
        "role_grants",
        queryset=RoleGrant.objects.select_related("department", "student").order_by("role", "pk"),
        to_attr="grants",
    )


def locked_usernames(usernames) -> set[str]:
    """Usernames django-axes refuses right now (from at least one address); one query."""
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return set(
        AccessAttempt.objects.filter(
            username__in=list(usernames), failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
        ).values_list("username", flat=True)
    )


@dataclass
class AccountPage:
    users: list[User]
    page: Page
    total: int
    school_total: int


def account_list(
    *, school_id: int, query: str = "", role: str = "", status: str = "", page: int | str = 1
) -> AccountPage:
    """One page of the school's accounts in Vietnamese name order, filtered by a name/username
    search, a role and active/inactive. A fixed number of queries whatever the school size: the
    names of the whole school are read once (to sort and search the Vietnamese way), then only the
    page's rows with their roles, homeroom classes and login locks."""
    today = timezone.localdate()
    qs = User.objects.filter(school_id=school_id)
    if status == STATUS_ACTIVE:
        qs = qs.filter(is_active=True)
    elif status == STATUS_INACTIVE:
        qs = qs.filter(is_active=False)
    if role == HOMEROOM_FILTER:
        qs = qs.filter(
            Exists(
                HomeroomAssignment.objects.filter(
                    Q(ends_on__isnull=True) | Q(ends_on__gt=today), teacher=OuterRef("pk"), starts_on__lte=today
                )
            )
        )
    elif role in Role.values:
        qs = qs.filter(Exists(RoleGrant.objects.filter(user=OuterRef("pk"), role=role)))
    rows = list(qs.values_list("pk", "full_name", "username"))
    school_total = len(rows)
    query = " ".join(query.split())
    if query:
        rows = [r for r in rows if _matches(query, r[1], r[2])]
    rows.sort(key=lambda r: (account_name_key(r[1] or r[2]), r[2]))
    paginator = Paginator([r[0] for r in rows], ACCOUNT_PAGE_SIZE)
    page_obj = paginator.get_page(page)
    ids = list(page_obj.object_list)
    by_id = (
        {u.pk: u for u in User.objects.filter(pk__in=ids).prefetch_related(_grants(), _open_homerooms(today))}
        if ids
        else {}
    )
    users = [by_id[pk] for pk in ids if pk in by_id]
    locked = locked_usernames(u.username for u in users) if users else set()
    for u in users:
        u.login_locked = u.username in locked
        for g in u.grants:
            g.label = grant_label(g)
    return AccountPage(users=users, page=page_obj, total=len(rows), school_total=school_total)


@dataclass
class HistoryEntry:
    when: object
    who: User | None
    what: str
    reason: str


@dataclass
class AccountDetail:
    account: User
    grants: list[RoleGrant]
    homerooms: list[HomeroomAssignment]
    teaching_count: int
    login_locked: bool
    history: list[HistoryEntry]


_TRACKED_FIELDS = ("username", "full_name", "email", "phone", "is_active", "must_change_password")


def _yes_no(value) -> str:
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    return str(value) if value not in (None, "") else "—"


def grant_label(grant) -> str:
    """A role with its scope: "Department head – Tổ Toán – Tin", "Parent – Nguyễn Văn An"."""
    label = str(dict(Role.choices).get(grant.role, grant.role))
    if grant.department_id and grant.department is not None:
        return f"{label} – {grant.department.name}"
    if grant.student_id and grant.student is not None:
        return f"{label} – {grant.student.full_name} ({grant.student.student_code})"
    return label


def account_history(account: User, limit: int = 50) -> list[HistoryEntry]:
    """The account's audit trail: its own rows, its role grants and its homeroom assignments, newest
    first. Three queries."""
    entries: list[HistoryEntry] = []
    user_rows = list(User.history.filter(id=account.pk).select_related("history_user").order_by("history_date"))
    previous = None
    labels = {f: str(User._meta.get_field(f).verbose_name) for f in _TRACKED_FIELDS}
    for row in user_rows:
        if row.history_type == "+":
            what = gettext("Account created")
        else:
            changes = [
                f"{labels[f]}: {_yes_no(getattr(previous, f))} → {_yes_no(getattr(row, f))}"
                for f in _TRACKED_FIELDS
                if previous is not None and getattr(previous, f) != getattr(row, f)
            ]
            what = "; ".join(changes)
        reason = row.history_change_reason or ""
        entries.append(HistoryEntry(row.history_date, row.history_user, what, "" if reason == what else reason))
        previous = row
    for row in (
        RoleGrant.history.filter(user_id=account.pk)
        .select_related("history_user", "department", "student")
        .order_by("history_date")
    ):
        verb = {"+": gettext("Role granted"), "-": gettext("Role revoked")}.get(
            row.history_type, gettext("Role changed")
        )
        entries.append(
            HistoryEntry(
                row.history_date, row.history_user, f"{verb}: {grant_label(row)}", row.history_change_reason or ""
            )
        )
    for row in (
        HomeroomAssignment.history.filter(teacher_id=account.pk)
        .select_related("history_user", "class_group__school_year")
        .order_by("history_date")
    ):
        name = f"{row.class_group.name} ({row.class_group.school_year.name})" if row.class_group else "?"
        if row.ends_on:
            what = gettext("Homeroom of class %(c)s ends on %(d)s") % {"c": name, "d": row.ends_on.strftime("%d/%m/%Y")}
        else:
            what = gettext("Homeroom of class %(c)s from %(d)s") % {"c": name, "d": row.starts_on.strftime("%d/%m/%Y")}
        entries.append(HistoryEntry(row.history_date, row.history_user, what, row.history_change_reason or ""))
    entries.sort(key=lambda e: e.when, reverse=True)
    return entries[:limit]


def account_detail(account: User) -> AccountDetail:
    today = timezone.localdate()
    account = User.objects.prefetch_related(_grants(), _open_homerooms(today)).get(pk=account.pk)
    teaching_count = TeachingAssignment.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=today), teacher=account, starts_on__lte=today
    ).count()
    for g in account.grants:
        g.label = grant_label(g)
    return AccountDetail(
        account=account,
        grants=account.grants,
        homerooms=account.open_homerooms,
        teaching_count=teaching_count,
        login_locked=bool(locked_usernames([account.username])),
        history=account_history(account),
    )
