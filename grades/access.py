"""Fetch-with-permission for the grade pages, on top of ``accounts.access`` (outsiders 404,
readers 403). Reading a grid and writing it are the accounts layer's checks; reading a cell's
history is the one kind of check added here (roles-and-permissions.md, "read the audit trail")."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.access import (
    actor_for,
    class_subjects_taught,
    classes_homeroom,
    get_class_subject_for_entry,
    get_class_subject_for_view,
)
from accounts.models import Role
from schools.models import ClassSubject

__all__ = [
    "can_enter",
    "get_class_subject_for_entry",
    "get_class_subject_for_history",
    "get_class_subject_for_view",
]


def can_enter(user, class_subject: ClassSubject) -> bool:
    """Whether the person is assigned to enter this subject's scores (the grid is then editable)."""
    return class_subjects_taught(user).filter(pk=class_subject.pk).exists()


def get_class_subject_for_history(user, class_subject_id: int) -> ClassSubject:
    """The class's subject, for reading its audit trail: the leadership and the admin board, the
    department head of the subject, the class's homeroom teacher and the subject's teacher. The
    office reads scores to print them, not their history (403)."""
    class_subject = get_class_subject_for_view(user, class_subject_id)
    actor = actor_for(user)
    if actor.has(Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.ADMIN_BOARD):
        return class_subject
    if class_subject.subject.department_id in actor.department_ids:
        return class_subject
    if (
        class_subjects_taught(user).filter(pk=class_subject.pk).exists()
        or classes_homeroom(user).filter(pk=class_subject.class_group_id).exists()
    ):
        return class_subject
    raise PermissionDenied(_("You may read the scores of this subject but not their history."))
