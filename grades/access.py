"""Fetch-with-permission for the grade pages, on top of ``accounts.access`` (outsiders 404,
readers 403). Reading a grid and writing it are the accounts layer's checks; reading a cell's
history is the one kind of check added here (roles-and-permissions.md, "read the audit trail")."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, QuerySet, Subquery
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.access import actor_for, class_subjects_taught, class_subjects_visible, classes_homeroom
from accounts.models import Role
from schools.models import ClassSubject

__all__ = [
    "can_enter",
    "get_class_subject_for_entry",
    "get_class_subject_for_history",
    "get_class_subject_for_view",
    "get_grid_for_view",
]

# What the grid pages read of a class's subject: its class, year and school, and the subject.
GRID_RELATED = ("class_group__school_year__school", "subject")


def _visible(user) -> QuerySet[ClassSubject]:
    """The subjects the person may read, each with ``may_enter``: whether they enter its scores
    (the same rights as ``accounts.access``, read in the same query)."""
    taught = class_subjects_taught(user).filter(pk=OuterRef("pk"))
    return class_subjects_visible(user).select_related(*GRID_RELATED).annotate(may_enter=Exists(taught))


def get_class_subject_for_view(user, class_subject_id: int) -> ClassSubject:
    """The class's subject, for reading (outsiders 404), with ``may_enter`` (one query)."""
    class_subject = _visible(user).filter(pk=class_subject_id).first()
    if class_subject is None:
        raise Http404
    return class_subject


def get_class_subject_for_entry(user, class_subject_id: int) -> ClassSubject:
    """The class's subject, for score entry by an assigned teacher. Readers 403, outsiders 404
    (one query)."""
    class_subject = get_class_subject_for_view(user, class_subject_id)
    if not class_subject.may_enter:
        raise PermissionDenied(_("Only the teacher assigned to this subject can enter its scores."))
    return class_subject


def get_grid_for_view(user, class_subject_id: int) -> tuple[ClassSubject, list[ClassSubject]]:
    """The class's subject and every subject of its class the person may read, in the school's
    subject order, each with ``may_enter`` (one query). Outsiders 404."""
    class_group = ClassSubject.objects.filter(pk=class_subject_id).values("class_group_id")[:1]
    subjects = list(
        _visible(user).filter(class_group_id=Subquery(class_group)).order_by("subject__order", "subject__name")
    )
    for class_subject in subjects:
        if class_subject.pk == class_subject_id:
            return class_subject, subjects
    raise Http404


def can_enter(user, class_subject: ClassSubject) -> bool:
    """Whether the person is assigned to enter this subject's scores (the grid is then editable);
    no query when the subject was fetched through this module."""
    may_enter = getattr(class_subject, "may_enter", None)
    if may_enter is not None:
        return may_enter
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
    if can_enter(user, class_subject) or classes_homeroom(user).filter(pk=class_subject.class_group_id).exists():
        return class_subject
    raise PermissionDenied(_("You may read the scores of this subject but not their history."))
