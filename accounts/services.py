"""Writes about people: accounts, roles, assignments, and the per-object rights that follow them.

The only way an assignment changes is through these functions, and each of them brings the
teacher's django-guardian rows back in line with the open assignments (``permissions_sync``), in
the same transaction, so a right never outlives its assignment.
"""

from __future__ import annotations

import re
import secrets
import unicodedata
from datetime import date

from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import (
    ClassGroup,
    ClassSubject,
    Department,
    HomeroomAssignment,
    School,
    Student,
    TeachingAssignment,
)

from .models import ClassGroupUserObjectPermission, ClassSubjectUserObjectPermission, Role, RoleGrant, User

PERM_HOMEROOM = "homeroom_classgroup"
PERM_TEACH = "teach_classgroup"
PERM_ENTER_SCORES = "enter_scores_classsubject"


def _today() -> date:
    return timezone.localdate()


def _is_open(starts_on: date, ends_on: date | None, today: date) -> bool:
    return starts_on <= today and (ends_on is None or ends_on > today)


def user_create(
    *,
    username: str,
    full_name: str,
    password: str | None,
    school: School | None,
    email: str = "",
    phone: str = "",
    actor: User | None = None,
    must_change_password: bool = False,
    reason: str = "",
) -> User:
    """Create a personal account. ``password=None`` makes an account that cannot log in yet."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is already taken.")})
    user = User(
        username=username,
        full_name=full_name,
        school=school,
        email=email,
        phone=phone,
        must_change_password=must_change_password,
    )
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user._history_user = actor
    user._change_reason = reason or None
    user.full_clean(exclude=["password"])
    user.save()
    return user


def role_grant(
    *,
    user: User,
    role: str,
    school: School | None = None,
    department=None,
    student=None,
    district=None,
    actor: User | None = None,
    reason: str = "",
) -> RoleGrant:
    """Give a person a role (idempotent); a new grant is recorded with the acting user."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    scope = {"school": school, "department": department, "student": student, "district": district}
    grant = RoleGrant.objects.filter(user=user, role=role, **scope).first()
    if grant is None:
        grant = RoleGrant(user=user, role=role, **scope)
        grant._history_user = actor
        grant._change_reason = reason or None
        grant.save()
    return grant


@transaction.atomic
def role_revoke(*, grant: RoleGrant, actor: User | None, reason: str) -> None:
    """Take a role away. The row goes; its history keeps the grant, who revoked it, when and why."""
    reason = _require_reason(reason)
    if grant.role == Role.TEACHER:
        today = _today()
        open_homerooms = HomeroomAssignment.objects.filter(teacher_id=grant.user_id).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gt=today)
        )
        open_teaching = TeachingAssignment.objects.filter(teacher_id=grant.user_id).filter(
            Q(ends_on__isnull=True) | Q(ends_on__gt=today)
        )
        if open_homerooms.exists() or open_teaching.exists():
            raise ValidationError(
                _("This teacher still has open homeroom or teaching assignments: end them before removing the role.")
            )
    if actor is not None and grant.user_id == actor.pk and grant.role == Role.ADMIN_BOARD:
        raise ValidationError(_("You cannot remove your own admin board role: ask another member of the board."))
    grant._history_user = actor
    grant._change_reason = reason
    grant.delete()


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason or the principal's decision for this change.")})
    return reason


def _remove_diacritics(text: str) -> str:
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def username_base(full_name: str) -> str:
    """The school's username style: given name, then the initials of the family and middle names,
    without diacritics ("Nguyễn Thị Lan" → "lannt")."""
    words = [w for w in re.split(r"[^\w]+", _remove_diacritics(full_name).lower()) if w]
    if not words:
        return ""
    return words[-1] + "".join(w[0] for w in words[:-1])


def username_suggest(full_name: str) -> str:
    """A free username in the school's style: ``lannt``, then ``lannt2``, ``lannt3``…"""
    base = username_base(full_name)
    if not base:
        return ""
    taken = {
        name.lower() for name in User.objects.filter(username__istartswith=base).values_list("username", flat=True)
    }
    if base not in taken:
        return base
    number = 2
    while f"{base}{number}" in taken:
        number += 1
    return f"{base}{number}"


def one_time_password() -> str:
    """Twelve characters without look-alikes (0/O, 1/l/I), easy to read out over the phone."""
    alphabet = "abcdefghjkmnpqrstuvwxyz23456789"
    return "-".join("".join(secrets.choice(alphabet) for _ in range(4)) for _ in range(3))


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from exc


@transaction.atomic
def account_create(
    *,
    school: School,
    full_name: str,
    username: str = "",
    password: str = "",
    email: str = "",
    phone: str = "",
    actor: User,
) -> tuple[User, str]:
    """Create a personal account for the school. Without a password one is generated; either way
    the person must choose their own at first login. Returns the account and the one-time password
    (shown once to the admin board, never stored in clear)."""
    full_name = " ".join(full_name.split())
    if not full_name:
        raise ValidationError({"full_name": _("Enter the person's full name.")})
    username = (username or "").strip().lower() or username_suggest(full_name)
    if not username:
        raise ValidationError({"username": _("Enter a username.")})
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError(
            {
                "username": _("The username “%(taken)s” is already taken. A free one: “%(free)s”.")
                % {"taken": username, "free": username_suggest(full_name) or username + "2"}
            }
        )
    generated = not password
    password = password or one_time_password()
    probe = User(username=username, full_name=full_name, email=email)
    if not generated:
        _check_password(password, probe)
    user = user_create(
        username=username,
        full_name=full_name,
        password=password,
        school=school,
        email=email,
        phone=phone,
        actor=actor,
        must_change_password=True,
        reason=_("Account created"),
    )
    return user, password


@transaction.atomic
def account_update(*, account: User, full_name: str, email: str, phone: str, actor: User, reason: str = "") -> User:
    full_name = " ".join(full_name.split())
    if not full_name:
        raise ValidationError({"full_name": _("Enter the person's full name.")})
    account.full_name, account.email, account.phone = full_name, email.strip(), phone.strip()
    account.full_clean(exclude=["password"])
    account._history_user = actor
    account._change_reason = reason or _("Profile edited")
    account.save(update_fields=["full_name", "email", "phone"])
    return account


@transaction.atomic
def account_set_active(*, account: User, active: bool, actor: User, reason: str) -> User:
    """Deactivate or reactivate an account. Accounts are never deleted: their history names them."""
    reason = _require_reason(reason)
    if not active and account.pk == actor.pk:
        raise ValidationError(_("You cannot deactivate your own account."))
    account.is_active = active
    account._history_user = actor
    account._change_reason = reason
    account.save(update_fields=["is_active"])
    return account


@transaction.atomic
def account_password_reset(*, account: User, actor: User, password: str = "", reason: str = "") -> str:
    """Set a new password (generated unless given) that the person must change at next login."""
    if password:
        _check_password(password, account)
    else:
        password = one_time_password()
    account.set_password(password)
    account.must_change_password = True
    account._history_user = actor
    account._change_reason = reason or _("Password reset by the admin board")
    account.save(update_fields=["password", "must_change_password"])
    return password


@transaction.atomic
def account_homeroom_end(*, assignment: HomeroomAssignment, actor: User, reason: str) -> HomeroomAssignment:
    return homeroom_end(assignment=assignment, actor=actor, reason=_require_reason(reason))


def account_password_changed(*, account: User) -> None:
    """The person chose their own password: the one-time password is gone."""
    if account.must_change_password:
        account.must_change_password = False
        account._history_user = account
        account._change_reason = _("Own password chosen")
        account.save(update_fields=["must_change_password"])


def login_is_locked(username: str) -> bool:
    """Whether django-axes currently refuses this username (from some address)."""
    from axes.models import AccessAttempt

    since = timezone.now() - settings.AXES_COOLOFF_TIME
    return AccessAttempt.objects.filter(
        username=username, failures_since_start__gte=settings.AXES_FAILURE_LIMIT, attempt_time__gte=since
    ).exists()


@transaction.atomic
def account_unlock(*, account: User, actor: User, reason: str = "") -> int:
    """Clear django-axes' failed attempts for the username, from every address. The unlock is
    recorded on the account's history (axes keeps no history of its own)."""
    from axes.handlers.proxy import AxesProxyHandler

    removed = AxesProxyHandler.reset_attempts(username=account.username)
    account._history_user = actor
    account._change_reason = reason or _("Login unlocked (%(n)s failed attempts cleared)") % {"n": removed}
    # A write of an unchanged field: it is what makes simple-history record who unlocked and when.
    account.save(update_fields=["is_active"])
    return removed


@transaction.atomic
def account_role_add(
    *,
    account: User,
    role: str,
    actor: User,
    reason: str,
    department: Department | None = None,
    class_group: ClassGroup | None = None,
    student: Student | None = None,
) -> RoleGrant | HomeroomAssignment:
    """Grant one role of the school's roles-and-permissions table, with its scope, to an account of
    the school. ``role="homeroom"`` makes the person the homeroom teacher of ``class_group``."""
    reason = _require_reason(reason)
    school = account.school
    if school is None:
        raise ValidationError(_("This account belongs to no school."))
    if role == HOMEROOM:
        if class_group is None:
            raise ValidationError({"class_group": _("Choose the class.")})
        if class_group.school_year.school_id != school.pk:
            raise ValidationError({"class_group": _("This class is not in the account's school.")})
        if not RoleGrant.objects.filter(user=account, role=Role.TEACHER, school=school).exists():
            raise ValidationError(_("Only a teacher can be a homeroom teacher: grant the teacher role first."))
        return homeroom_assign(teacher=account, class_group=class_group, actor=actor, reason=reason)
    if role not in GRANTABLE_ROLES:
        raise ValidationError({"role": _("Unknown role.")})
    if role == Role.DEPARTMENT_HEAD:
        if department is None:
            raise ValidationError({"department": _("Choose the department.")})
        if department.school_id != school.pk:
            raise ValidationError({"department": _("This department is not in the account's school.")})
        return role_grant(user=account, role=role, school=school, department=department, actor=actor, reason=reason)
    if role in (Role.PARENT, Role.STUDENT):
        if student is None:
            raise ValidationError({"student_code": _("Enter the student's code.")})
        if student.school_id != school.pk:
            raise ValidationError({"student_code": _("This student is not in the account's school.")})
        return role_grant(user=account, role=role, student=student, actor=actor, reason=reason)
    return role_grant(user=account, role=role, school=school, actor=actor, reason=reason)


HOMEROOM = "homeroom"
GRANTABLE_ROLES = (
    Role.TEACHER,
    Role.DEPARTMENT_HEAD,
    Role.VICE_PRINCIPAL,
    Role.PRINCIPAL,
    Role.OFFICE,
    Role.ADMIN_BOARD,
    Role.PARENT,
    Role.STUDENT,
)


@transaction.atomic
def teaching_assign(
    *, teacher: User, class_subject: ClassSubject, starts_on: date | None = None, actor: User | None, reason: str = ""
) -> TeachingAssignment:
    """Assign a teacher to teach a subject in a class, and grant the rights that go with it."""
    if teacher.school_id != class_subject.class_group.school_year.school_id:
        raise ValidationError(_("The teacher does not work at this school."))
    if TeachingAssignment.objects.filter(teacher=teacher, class_subject=class_subject, ends_on__isnull=True).exists():
        raise ValidationError(_("This teacher already teaches this subject in this class."))
    assignment = TeachingAssignment(teacher=teacher, class_subject=class_subject, starts_on=starts_on or _today())
    assignment._history_user = actor
    assignment._change_reason = reason or _("Teaching assignment")
    assignment.save()
    permissions_sync(user=teacher)
    return assignment


@transaction.atomic
def teaching_end(
    *, assignment: TeachingAssignment, ends_on: date | None = None, actor: User | None, reason: str
) -> TeachingAssignment:
    """End a teaching assignment (it is kept, with its end date, for the record)."""
    ends_on = ends_on or _today()
    if ends_on < assignment.starts_on:
        raise ValidationError(_("An assignment cannot end before it starts."))
    assignment.ends_on = ends_on
    assignment._history_user = actor
    assignment._change_reason = reason
    assignment.save(update_fields=["ends_on"])
    permissions_sync(user=assignment.teacher)
    return assignment


@transaction.atomic
def teaching_move(
    *, assignment: TeachingAssignment, new_teacher: User, on: date | None = None, actor: User | None, reason: str
) -> TeachingAssignment:
    """Hand a class's subject over to another teacher from a date."""
    on = on or _today()
    teaching_end(assignment=assignment, ends_on=on, actor=actor, reason=reason)
    return teaching_assign(
        teacher=new_teacher, class_subject=assignment.class_subject, starts_on=on, actor=actor, reason=reason
    )


@transaction.atomic
def homeroom_assign(
    *, teacher: User, class_group: ClassGroup, starts_on: date | None = None, actor: User | None, reason: str = ""
) -> HomeroomAssignment:
    """Make a teacher the homeroom teacher of a class; the previous one, if any, is ended."""
    if teacher.school_id != class_group.school_year.school_id:
        raise ValidationError(_("The teacher does not work at this school."))
    starts_on = starts_on or _today()
    current = (
        HomeroomAssignment.objects.select_for_update().filter(class_group=class_group, ends_on__isnull=True).first()
    )
    if current is not None:
        if current.teacher_id == teacher.pk:
            return current
        homeroom_end(assignment=current, ends_on=starts_on, actor=actor, reason=reason or _("Homeroom handed over"))
    assignment = HomeroomAssignment(teacher=teacher, class_group=class_group, starts_on=starts_on)
    assignment._history_user = actor
    assignment._change_reason = reason or _("Homeroom assignment")
    assignment.save()
    permissions_sync(user=teacher)
    return assignment


@transaction.atomic
def homeroom_end(
    *, assignment: HomeroomAssignment, ends_on: date | None = None, actor: User | None, reason: str
) -> HomeroomAssignment:
    ends_on = ends_on or _today()
    if ends_on < assignment.starts_on:
        raise ValidationError(_("An assignment cannot end before it starts."))
    assignment.ends_on = ends_on
    assignment._history_user = actor
    # Set before the save: update_change_reason() would UPDATE the history row, which the
    # append-only history tables refuse (schools.audit).
    assignment._change_reason = reason
    assignment.save(update_fields=["ends_on"])
    permissions_sync(user=assignment.teacher)
    return assignment


def _perm(codename: str, model) -> int:
    from django.contrib.auth.models import Permission
    from django.contrib.contenttypes.models import ContentType

    return Permission.objects.get(content_type=ContentType.objects.get_for_model(model), codename=codename).pk


@transaction.atomic
def permissions_sync(*, user: User, today: date | None = None) -> None:
    """Bring the user's per-object rights in line with their open assignments.

    Homeroom assignment → ``homeroom_classgroup`` on the class; teaching assignment →
    ``enter_scores_classsubject`` on the class's subject and ``teach_classgroup`` on the class.
    Rows that no open assignment justifies are removed. A constant number of queries.
    """
    today = today or _today()
    homeroom_perm = _perm(PERM_HOMEROOM, ClassGroup)
    teach_perm = _perm(PERM_TEACH, ClassGroup)
    enter_perm = _perm(PERM_ENTER_SCORES, ClassSubject)

    homeroom_classes = {
        a.class_group_id
        for a in HomeroomAssignment.objects.filter(teacher=user).only("class_group_id", "starts_on", "ends_on")
        if _is_open(a.starts_on, a.ends_on, today)
    }
    teaching = [
        a
        for a in TeachingAssignment.objects.filter(teacher=user)
        .select_related("class_subject")
        .only("class_subject_id", "class_subject__class_group_id", "starts_on", "ends_on")
        if _is_open(a.starts_on, a.ends_on, today)
    ]
    wanted_class = {(homeroom_perm, c) for c in homeroom_classes} | {
        (teach_perm, a.class_subject.class_group_id) for a in teaching
    }
    wanted_subject = {(enter_perm, a.class_subject_id) for a in teaching}

    _reconcile(ClassGroupUserObjectPermission, user, {homeroom_perm, teach_perm}, wanted_class)
    _reconcile(ClassSubjectUserObjectPermission, user, {enter_perm}, wanted_subject)


def _reconcile(model, user: User, perm_ids: set[int], wanted: set[tuple[int, int]]) -> None:
    existing = {
        (row.permission_id, row.content_object_id): row.pk
        for row in model.objects.filter(user=user, permission_id__in=perm_ids).only(
            "pk", "permission_id", "content_object_id"
        )
    }
    stale = [pk for key, pk in existing.items() if key not in wanted]
    if stale:
        model.objects.filter(pk__in=stale).delete()
    missing = [
        model(user=user, permission_id=perm, content_object_id=obj)
        for perm, obj in wanted
        if (perm, obj) not in existing
    ]
    if missing:
        model.objects.bulk_create(missing)


def permissions_sync_all(*, today: date | None = None) -> int:
    """Re-sync every teacher (a daily job catches assignments that start or end by date)."""
    teacher_ids = set(TeachingAssignment.objects.values_list("teacher_id", flat=True)) | set(
        HomeroomAssignment.objects.values_list("teacher_id", flat=True)
    )
    for user in User.objects.filter(pk__in=teacher_ids):
        permissions_sync(user=user, today=today)
    return len(teacher_ids)
