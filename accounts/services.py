"""Writes about people: accounts, roles, assignments, and the per-object rights that follow them.

The only way an assignment changes is through these functions, and each of them brings the
teacher's django-guardian rows back in line with the open assignments (``permissions_sync``), in
the same transaction, so a right never outlives its assignment.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from schools.models import ClassGroup, ClassSubject, HomeroomAssignment, School, TeachingAssignment

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
) -> User:
    """Create a personal account. ``password=None`` makes an account that cannot log in yet."""
    if User.objects.filter(username__iexact=username).exists():
        raise ValidationError({"username": _("This username is already taken.")})
    user = User(username=username, full_name=full_name, school=school, email=email, phone=phone)
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user._history_user = actor
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
) -> RoleGrant:
    """Give a person a role (idempotent)."""
    if role not in Role.values:
        raise ValidationError(_("Unknown role."))
    grant, _created = RoleGrant.objects.get_or_create(
        user=user, role=role, school=school, department=department, student=student, district=district
    )
    return grant


def role_revoke(*, grant: RoleGrant, actor: User, reason: str) -> None:
    grant._history_user = actor
    grant._change_reason = reason
    grant.delete()


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
