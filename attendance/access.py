"""Who may read and change a class's register and attendance (roles-and-permissions.md), built on
``accounts.access``: the only way a view of this app gets a class or a student.

- Class list and profiles: the homeroom teacher changes them (BM Đ4.1, LC Đ7.1); the principal,
  vice-principal, admin board (who load the year's data, BM Đ8.4) and office (who print the
  profile pages) read them.
- Monthly attendance: the homeroom teacher records it (BM Đ4.2, LC Đ7.3); the principal,
  vice-principal and office read it; nobody else.

Outsiders (another school, a teacher with nothing to do with the class) get 404; a person who may
see the class's book but not this part of it gets 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.access import actor_for, classes_homeroom, get_class_for_homeroom, get_class_for_view
from accounts.models import Role, User
from schools.models import ClassGroup, Enrolment

REGISTER_READERS = (Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.ADMIN_BOARD, Role.OFFICE)
ATTENDANCE_READERS = (Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.OFFICE)


def _is_homeroom(user: User, class_group: ClassGroup) -> bool:
    return classes_homeroom(user).filter(pk=class_group.pk).exists()


def _readable(user: User, class_id: int, readers: tuple[str, ...], refusal: str) -> tuple[ClassGroup, bool]:
    class_group = get_class_for_view(user, class_id)  # 404 for outsiders
    if _is_homeroom(user, class_group):
        return class_group, True
    if actor_for(user).has(*readers):
        return class_group, False
    raise PermissionDenied(refusal)


def get_class_for_register_view(user: User, class_id: int) -> tuple[ClassGroup, bool]:
    """The class and whether the user may change its list (True only for its homeroom teacher)."""
    return _readable(
        user, class_id, REGISTER_READERS, _("Only the homeroom teacher and the school leadership see the class list.")
    )


def get_class_for_attendance_view(user: User, class_id: int) -> tuple[ClassGroup, bool]:
    """The class and whether the user may record its attendance (True only for its homeroom teacher)."""
    return _readable(
        user,
        class_id,
        ATTENDANCE_READERS,
        _("Only the homeroom teacher, the school leadership and the office see the attendance."),
    )


def get_class_for_register_edit(user: User, class_id: int) -> ClassGroup:
    """The class, for its homeroom teacher's changes to the list, profiles and attendance."""
    return get_class_for_homeroom(user, class_id)


def get_enrolment_of_class(class_group: ClassGroup, enrolment_id: int) -> Enrolment:
    """A student's enrolment, only if it belongs to this class: an id from another class is 404."""
    enrolment = (
        Enrolment.objects.select_related("student", "school_year")
        .filter(pk=enrolment_id, class_group=class_group)
        .first()
    )
    if enrolment is None:
        raise Http404
    return enrolment
