"""Who may open what in the portal (roles-and-permissions.md, row "parent / student"; §9.6 P-PUB-1/2).

- A parent sees only his own children, a student only himself: the students of his parent or
  student grants. Anybody else (another child's parent, a teacher, the principal) gets 404: the
  portal page of a child does not exist for them.
- A message to parents: its recipients (the parents and the student of the class, or of the one
  student it is about) read it; the homeroom teacher of the class writes and reads the class's
  messages with their read receipts; the principal and vice-principal read every message of the
  school. Outsiders get 404; readers who may not write get 403.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404
from django.utils.translation import gettext as _

from accounts.access import actor_for, classes_homeroom, get_class_for_view
from accounts.models import Role, User
from schools.models import ClassGroup, Enrolment, Student

from .models import Message

FAMILY_ROLES = (Role.PARENT, Role.STUDENT)
MESSAGE_READERS = (Role.PRINCIPAL, Role.VICE_PRINCIPAL)


def family_student_ids(user: User) -> frozenset[int]:
    """The students a parent or student account looks at (empty for everybody else)."""
    actor = actor_for(user)
    if not actor.has(*FAMILY_ROLES):
        return frozenset()
    return actor.student_ids


def family_students(user: User) -> list[Student]:
    return list(Student.objects.filter(pk__in=family_student_ids(user)).order_by("given_name", "pk"))


def get_student_for_family(user: User, student_id: int) -> Student:
    """The parent's own child, or the student himself; 404 for every other person and student."""
    if student_id not in family_student_ids(user):
        raise Http404
    student = Student.objects.filter(pk=student_id).first()
    if student is None:
        raise Http404
    return student


def is_homeroom_of(user: User, class_group: ClassGroup) -> bool:
    return classes_homeroom(user).filter(pk=class_group.pk).exists()


def get_class_for_messages(user: User, class_id: int) -> tuple[ClassGroup, bool]:
    """The class and whether the user may write to its parents (its homeroom teacher only). The
    principal and vice-principal read; a teacher of the class who is not its homeroom teacher gets
    403; outsiders 404."""
    class_group = get_class_for_view(user, class_id)
    if is_homeroom_of(user, class_group):
        return class_group, True
    if actor_for(user).has(*MESSAGE_READERS):
        return class_group, False
    raise PermissionDenied(_("Only the homeroom teacher of the class writes to its parents."))


def messages_for_students(student_ids, class_ids=None) -> QuerySet[Message]:
    """Messages whose recipients include the parents of these students: to the whole class of a
    student still in it, or to the student himself."""
    in_class = Enrolment.objects.filter(student_id__in=student_ids).exclude(status__in=Enrolment.LEFT_STATUSES)
    if class_ids is not None:
        in_class = in_class.filter(class_group_id__in=class_ids)
    return Message.objects.filter(
        Q(student__isnull=True, class_group_id__in=in_class.values("class_group_id"))
        | Q(student_id__in=student_ids, class_group_id__in=in_class.values("class_group_id"))
    )


def get_message_for_reader(user: User, message_id: int) -> tuple[Message, bool]:
    """The message and whether the user is one of its recipients (his opening it is a read
    receipt). The homeroom teacher of its class and the school's leadership read it too."""
    message = (
        Message.objects.select_related("author", "class_group__school_year", "student").filter(pk=message_id).first()
    )
    if message is None:
        raise Http404
    student_ids = family_student_ids(user)
    if student_ids and messages_for_students(student_ids).filter(pk=message.pk).exists():
        return message, True
    actor = actor_for(user)
    if message.class_group.school_year.school_id == actor.school_id and (
        actor.has(*MESSAGE_READERS) or is_homeroom_of(user, message.class_group)
    ):
        return message, False
    raise Http404
