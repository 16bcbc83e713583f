"""The parent/student portal and the homeroom teacher's messages to parents. Thin views:
access → form → service → response."""

from __future__ import annotations

from django.contrib import messages as flash
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from accounts.access import actor_for, current_year

from . import selectors, services
from .access import (
    MESSAGE_READERS,
    family_students,
    get_class_for_messages,
    get_message_for_reader,
    get_student_for_family,
)
from .forms import MessageForm


@login_required
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """A parent chooses among his children (straight to the page when there is one); a student
    goes to his own page."""
    children = family_students(request.user)
    if not children:
        raise PermissionDenied(_("The portal is for parents and students."))
    if len(children) == 1:
        return redirect("portal:child", student_id=children[0].pk)
    return render(request, "portal/home.html", {"children": children})


@login_required
@require_GET
def child(request: HttpRequest, student_id: int) -> HttpResponse:
    student = get_student_for_family(request.user, student_id)
    page = selectors.child_page(student, request.user, today=timezone.localdate())
    siblings = family_students(request.user)
    return render(request, "portal/child.html", {"page": page, "siblings": siblings if len(siblings) > 1 else []})


@login_required
@require_GET
def message(request: HttpRequest, message_id: int) -> HttpResponse:
    """A message: opening it is the recipient's read receipt; the homeroom teacher and the
    leadership see who has read it."""
    msg, is_recipient = get_message_for_reader(request.user, message_id)
    receipts = None
    if is_recipient:
        services.message_mark_read(message=msg, user=request.user)
    else:
        receipts = selectors.message_receipts(msg)
    back_student = request.GET.get("hs", "")
    return render(
        request,
        "portal/message.html",
        {
            "msg": msg,
            "receipts": receipts,
            "is_recipient": is_recipient,
            "back_student": back_student if back_student.isdigit() else "",
        },
    )


@login_required
@require_GET
def messages_index(request: HttpRequest) -> HttpResponse:
    """The classes whose parents the person writes to (homeroom) or whose messages he reads."""
    actor = actor_for(request.user)
    whole_school = actor.has(*MESSAGE_READERS)
    year = current_year(request.user)
    classes = selectors.message_classes(request.user, year, whole_school=whole_school)
    if not classes and not whole_school:
        raise PermissionDenied(_("Only homeroom teachers write to parents."))
    if len(classes) == 1 and not whole_school:
        return redirect("portal:class_messages", class_id=classes[0].pk)
    return render(request, "portal/messages_index.html", {"classes": classes, "year": year})


@login_required
@require_http_methods(["GET", "POST"])
def class_messages(request: HttpRequest, class_id: int) -> HttpResponse:
    class_group, may_write = get_class_for_messages(request.user, class_id)
    students = selectors.class_students(class_group) if may_write else []
    form = MessageForm(students=students) if may_write else None
    if request.method == "POST":
        if not may_write:
            raise PermissionDenied(_("Only the homeroom teacher of the class writes to its parents."))
        form = MessageForm(request.POST, students=students)
        if form.is_valid():
            try:
                services.message_send(
                    actor=request.user,
                    class_group=class_group,
                    student=form.chosen_student(),
                    title=form.cleaned_data["title"],
                    body=form.cleaned_data["body"],
                )
            except ValidationError as exc:
                for name, errors in exc.message_dict.items():
                    for error in errors:
                        form.add_error(name if name in form.fields else None, error)
            else:
                flash.success(request, _("The message has been sent."))
                return redirect("portal:class_messages", class_id=class_group.pk)
    return render(
        request,
        "portal/class_messages.html",
        {
            "class_group": class_group,
            "may_write": may_write,
            "form": form,
            "sent": selectors.class_messages(class_group),
        },
        status=400 if request.method == "POST" else 200,
    )
