"""Who may see and change conduct, the class overview and the results (roles-and-permissions.md),
on top of ``accounts.access``: outsiders get 404, people who may see the class's book but not this
part of it 403.

- Conduct (rèn luyện): the homeroom teacher rates it (BM Đ4.3); the principal and the
  vice-principal read it. Subject teachers write weekly notes on study discipline in their own
  subject (BM Đ5.3), which the homeroom teacher reads.
- Class overview and results: the homeroom teacher checks and proposes (BM Đ4.4, Đ4.6), the
  principal approves or returns (BM Đ3.5), the vice-principal reads.
- Summer re-assessment: entered by the subject's teacher; whoever reads the subject's grid reads it.
- Rollover to the next year: the admin board (BM Đ8.4).
"""

from __future__ import annotations

from dataclasses import dataclass

from django.core.exceptions import PermissionDenied
from django.utils.translation import gettext as _

from accounts.access import (
    actor_for,
    classes_homeroom,
    get_class_for_homeroom,
    get_class_for_view,
    get_class_subject_for_entry,
    get_class_subject_for_view,
    require_roles,
)
from accounts.models import Role, User
from schools.models import ClassGroup

READERS = (Role.PRINCIPAL, Role.VICE_PRINCIPAL)

__all__ = [
    "ClassAccess",
    "get_class_for_conduct",
    "get_class_for_conduct_entry",
    "get_class_for_decision",
    "get_class_for_proposal",
    "get_class_for_results",
    "get_class_subject_for_entry",
    "get_class_subject_for_view",
    "require_principal",
    "require_rollover",
    "require_school_results",
]


@dataclass(frozen=True)
class ClassAccess:
    class_group: ClassGroup
    is_homeroom: bool
    is_principal: bool


def _read(user: User, class_id: int, refusal: str) -> ClassAccess:
    class_group = get_class_for_view(user, class_id)  # 404 for outsiders
    homeroom = classes_homeroom(user).filter(pk=class_group.pk).exists()
    actor = actor_for(user)
    if not homeroom and not actor.has(*READERS):
        raise PermissionDenied(refusal)
    return ClassAccess(class_group, homeroom, actor.has(Role.PRINCIPAL))


def get_class_for_conduct(user: User, class_id: int) -> ClassAccess:
    return _read(user, class_id, _("Only the homeroom teacher and the school leadership see the class's conduct."))


def get_class_for_conduct_entry(user: User, class_id: int) -> ClassGroup:
    """The class, for its homeroom teacher's conduct ratings."""
    return get_class_for_homeroom(user, class_id)


def get_class_for_results(user: User, class_id: int) -> ClassAccess:
    """The class's overview and results: its homeroom teacher, the principal, the vice-principal."""
    return _read(user, class_id, _("Only the homeroom teacher and the school leadership see the class's results."))


def get_class_for_proposal(user: User, class_id: int) -> ClassGroup:
    """The class, for its homeroom teacher: compute and propose the results."""
    class_group = get_class_for_view(user, class_id)
    if not classes_homeroom(user).filter(pk=class_group.pk).exists():
        raise PermissionDenied(_("Only the homeroom teacher of the class computes and proposes its results."))
    return class_group


def get_class_for_decision(user: User, class_id: int) -> ClassGroup:
    """The class, for the principal: approve or return the proposed results."""
    class_group = get_class_for_view(user, class_id)
    if not actor_for(user).has(Role.PRINCIPAL):
        raise PermissionDenied(_("Only the principal approves or returns the results."))
    return class_group


def require_school_results(user: User):
    return require_roles(user, Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.ADMIN_BOARD)


def require_principal(user: User):
    return require_roles(user, Role.PRINCIPAL)


def require_rollover(user: User):
    return require_roles(user, Role.ADMIN_BOARD)
