"""The single permission-check layer. Views get protected objects only through these functions.

Outsiders get 404 (they must not learn that an object exists); people who may see an object but
not change it get 403. School-wide roles come from ``RoleGrant`` rows; homeroom and subject-teacher
rights are per object, read from django-guardian's direct foreign-key tables, and never checked
object by object in a loop: list pages filter querysets by the permission rows instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from schools.models import ClassGroup, ClassSubject, School, SchoolYear

from .models import (
    LEADERSHIP_ROLES,
    ClassGroupUserObjectPermission,
    ClassSubjectUserObjectPermission,
    Role,
    User,
)
from .services import PERM_ENTER_SCORES, PERM_HOMEROOM, PERM_TEACH


@dataclass(frozen=True)
class Actor:
    """What a signed-in person is, resolved once per request (one query)."""

    user: User
    school_id: int | None
    roles: frozenset[str]
    department_ids: frozenset[int] = field(default_factory=frozenset)
    student_ids: frozenset[int] = field(default_factory=frozenset)
    district_ids: frozenset[int] = field(default_factory=frozenset)

    def has(self, *roles: str) -> bool:
        return bool(self.roles.intersection(roles))

    @property
    def is_leadership(self) -> bool:
        return self.has(*LEADERSHIP_ROLES)

    @property
    def sees_whole_school(self) -> bool:
        """Principal, vice-principal, admin board and office read the whole school's book."""
        return self.has(Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.ADMIN_BOARD, Role.OFFICE)


def actor_for(user: User) -> Actor:
    cached = getattr(user, "_sodiem_actor", None)
    if cached is not None:
        return cached
    if not user.is_authenticated:
        raise PermissionDenied
    roles: set[str] = set()
    departments: set[int] = set()
    students: set[int] = set()
    districts: set[int] = set()
    for grant in user.role_grants.all():
        # A school role only counts in the user's own school: every query is scoped to it.
        if grant.school_id is not None and grant.school_id != user.school_id:
            continue
        roles.add(grant.role)
        if grant.department_id:
            departments.add(grant.department_id)
        if grant.student_id:
            students.add(grant.student_id)
        if grant.district_id:
            districts.add(grant.district_id)
    actor = Actor(
        user=user,
        school_id=user.school_id,
        roles=frozenset(roles),
        department_ids=frozenset(departments),
        student_ids=frozenset(students),
        district_ids=frozenset(districts),
    )
    user._sodiem_actor = actor
    return actor


def require_roles(user: User, *roles: str) -> Actor:
    actor = actor_for(user)
    if not actor.has(*roles):
        raise PermissionDenied(_("You do not have the right to do this."))
    return actor


def school_of(user: User) -> School:
    actor = actor_for(user)
    if actor.school_id is None:
        raise Http404
    return School.objects.get(pk=actor.school_id)


def current_year(user: User) -> SchoolYear | None:
    actor = actor_for(user)
    if actor.school_id is None:
        return None
    return SchoolYear.objects.filter(school_id=actor.school_id, is_current=True).first()


def _perm_exists(model, user: User, codename: str, outer: str = "pk"):
    return Exists(model.objects.filter(user=user, permission__codename=codename, content_object_id=OuterRef(outer)))


def classes_homeroom(user: User) -> QuerySet[ClassGroup]:
    """Classes the user is the homeroom teacher of (from the guardian rows)."""
    return ClassGroup.objects.filter(_perm_exists(ClassGroupUserObjectPermission, user, PERM_HOMEROOM))


def class_subjects_taught(user: User) -> QuerySet[ClassSubject]:
    """Subjects of classes the user enters scores for."""
    return ClassSubject.objects.filter(_perm_exists(ClassSubjectUserObjectPermission, user, PERM_ENTER_SCORES))


def classes_visible(user: User, year: SchoolYear | None = None) -> QuerySet[ClassGroup]:
    """Classes whose book the user may read: the whole school for leadership, admin and office and
    department heads (their department's subjects in every class); otherwise the classes taught or
    led."""
    actor = actor_for(user)
    if actor.school_id is None:
        return ClassGroup.objects.none()
    qs = ClassGroup.objects.filter(school_year__school_id=actor.school_id)
    if year is not None:
        qs = qs.filter(school_year=year)
    if actor.sees_whole_school or actor.has(Role.DEPARTMENT_HEAD):
        return qs
    return qs.filter(
        _perm_exists(ClassGroupUserObjectPermission, user, PERM_HOMEROOM)
        | _perm_exists(ClassGroupUserObjectPermission, user, PERM_TEACH)
    )


def class_subjects_visible(user: User) -> QuerySet[ClassSubject]:
    actor = actor_for(user)
    if actor.school_id is None:
        return ClassSubject.objects.none()
    qs = ClassSubject.objects.filter(class_group__school_year__school_id=actor.school_id)
    if actor.sees_whole_school:
        return qs
    visible = _perm_exists(ClassSubjectUserObjectPermission, user, PERM_ENTER_SCORES, "pk") | _perm_exists(
        ClassGroupUserObjectPermission, user, PERM_HOMEROOM, "class_group_id"
    )
    if actor.department_ids:
        from django.db.models import Q

        visible = visible | Q(subject__department_id__in=actor.department_ids)
    return qs.filter(visible)


def get_class_for_homeroom(user: User, class_id: int) -> ClassGroup:
    """The class, for its homeroom teacher's writes. Readers get 403, outsiders 404."""
    class_group = classes_visible(user).select_related("school_year").filter(pk=class_id).first()
    if class_group is None:
        raise Http404
    if not classes_homeroom(user).filter(pk=class_id).exists():
        raise PermissionDenied(_("Only the homeroom teacher of the class can change this."))
    return class_group


def get_class_for_view(user: User, class_id: int) -> ClassGroup:
    class_group = classes_visible(user).select_related("school_year").filter(pk=class_id).first()
    if class_group is None:
        raise Http404
    return class_group


def get_class_subject_for_view(user: User, class_subject_id: int) -> ClassSubject:
    cs = (
        class_subjects_visible(user)
        .select_related("class_group__school_year", "subject")
        .filter(pk=class_subject_id)
        .first()
    )
    if cs is None:
        raise Http404
    return cs


def get_class_subject_for_entry(user: User, class_subject_id: int) -> ClassSubject:
    """The class's subject, for score entry by an assigned teacher. Readers 403, outsiders 404."""
    cs = get_class_subject_for_view(user, class_subject_id)
    if not class_subjects_taught(user).filter(pk=cs.pk).exists():
        raise PermissionDenied(_("Only the teacher assigned to this subject can enter its scores."))
    return cs


# Accounts of the school: the admin board runs them (BM Đ8.1); the principal oversees them,
# read only (BM Đ3.2). A superuser counts as the admin board of their own school.
def _account_scope(user: User, *, change: bool) -> Actor:
    actor = actor_for(user)
    if user.is_superuser or actor.has(Role.ADMIN_BOARD):
        pass
    elif actor.has(Role.PRINCIPAL):
        if change:
            raise PermissionDenied(_("The principal oversees accounts; the admin board changes them."))
    else:
        raise PermissionDenied(_("Only the admin board manages accounts."))
    if actor.school_id is None:
        raise Http404
    return actor


def require_account_reader(user: User) -> Actor:
    return _account_scope(user, change=False)


def require_account_manager(user: User) -> Actor:
    return _account_scope(user, change=True)


def can_manage_accounts(user: User) -> bool:
    actor = actor_for(user)
    return user.is_superuser or actor.has(Role.ADMIN_BOARD)


def get_account_for_view(user: User, account_id: int) -> User:
    """An account of the reader's school; accounts of other schools do not exist for them (404)."""
    actor = require_account_reader(user)
    account = User.objects.filter(pk=account_id, school_id=actor.school_id).select_related("school").first()
    if account is None:
        raise Http404
    return account


def get_account_for_change(user: User, account_id: int) -> User:
    """An account of the manager's school: outsiders 404, the principal (read only) 403."""
    account = get_account_for_view(user, account_id)
    require_account_manager(user)
    return account
