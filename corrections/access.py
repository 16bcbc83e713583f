"""Who may see correction minutes, their evidence, the locks and the audit trail.

The minutes and their evidence are seen only by the people the procedure names (LC Đ11.2a): the
teacher who drew them up, the principal and the admin board once they are submitted, and the
homeroom teacher of the class once they are submitted (the confirming step, P-COR-3). A draft is
the teacher's alone. Everyone else gets 404: they must not learn that the minutes exist.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.access import actor_for, class_subjects_taught, classes_homeroom
from accounts.models import Role, User

from .models import Correction, Evidence

LOCK_READERS = (Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.ADMIN_BOARD)
SIGNAL_READERS = (Role.PRINCIPAL, Role.VICE_PRINCIPAL)
AUDIT_WHOLE_SCHOOL = (Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.ADMIN_BOARD)


def corrections_visible(user: User) -> QuerySet[Correction]:
    actor = actor_for(user)
    if actor.school_id is None:
        return Correction.objects.none()
    qs = Correction.objects.filter(school_year__school_id=actor.school_id)
    seen = Q(requested_by=user)
    if actor.has(Role.PRINCIPAL, Role.ADMIN_BOARD):
        seen |= ~Q(status=Correction.Status.DRAFT)
    homeroom_ids = list(classes_homeroom(user).values_list("pk", flat=True))
    if homeroom_ids:
        seen |= Q(class_group_id__in=homeroom_ids) & ~Q(status=Correction.Status.DRAFT)
    return qs.filter(seen)


def get_correction_for_view(user: User, correction_id: int) -> Correction:
    correction = (
        corrections_visible(user)
        .select_related(
            "school_year__school",
            "term",
            "class_group",
            "class_subject__subject",
            "requested_by",
            "decided_by",
            "homeroom_by",
            "admin_applied_by",
            "principal_signed_by",
            "archived_by",
            "late_permit",
        )
        .filter(pk=correction_id)
        .first()
    )
    if correction is None:
        raise Http404
    return correction


def get_evidence_for_download(user: User, correction_id: int, evidence_id: int) -> Evidence:
    """Evidence is served only to those who may see its minutes (404 for everyone else)."""
    correction = get_correction_for_view(user, correction_id)
    evidence = Evidence.objects.filter(pk=evidence_id, correction=correction).first()
    if evidence is None:
        raise Http404
    return evidence


def require_school_roles(user: User, *roles: str):
    """A person of the school holding one of the roles; no school → 404, no role → 403."""
    actor = actor_for(user)
    if actor.school_id is None:
        raise Http404
    if not actor.has(*roles):
        raise PermissionDenied(_("You do not have the right to do this."))
    return actor


def may_draft(user: User) -> bool:
    return class_subjects_taught(user).exists() or classes_homeroom(user).exists()


@dataclass(frozen=True)
class AuditScope:
    """What part of the audit trail a person reads (roles document: "read the audit trail")."""

    school_id: int
    whole_school: bool
    user_id: int
    roles: frozenset[str] = frozenset()
    department_ids: frozenset[int] = frozenset()
    class_ids: frozenset[int] = frozenset()  # homeroom classes: every change in the class
    class_subject_ids: frozenset[int] = frozenset()  # taught subjects of classes


def audit_scope_for(user: User) -> AuditScope:
    """Whole school for the leadership and the admin board; their department for a department head;
    their class for a homeroom teacher; their subjects for a teacher. Others 403, outsiders 404."""
    actor = actor_for(user)
    if actor.school_id is None:
        raise Http404
    if actor.has(*AUDIT_WHOLE_SCHOOL):
        return AuditScope(actor.school_id, True, user.pk, actor.roles)
    class_ids = frozenset(classes_homeroom(user).values_list("pk", flat=True))
    class_subject_ids = frozenset(class_subjects_taught(user).values_list("pk", flat=True))
    departments = actor.department_ids if actor.has(Role.DEPARTMENT_HEAD) else frozenset()
    if not (class_ids or class_subject_ids or departments):
        raise PermissionDenied(_("You do not have the right to read the audit trail."))
    return AuditScope(actor.school_id, False, user.pk, actor.roles, departments, class_ids, class_subject_ids)
