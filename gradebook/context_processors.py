"""The main menu: each person sees the parts of the book their roles reach (roles-and-permissions.md)."""

from __future__ import annotations

from django.urls import NoReverseMatch, reverse
from django.utils.translation import pgettext_lazy

from accounts.access import actor_for
from accounts.models import Role

# (url name, label, roles that see it; "homeroom"/"teaching" stand for per-object rights)
MENU = [
    (
        "grades:index",
        pgettext_lazy("menu", "Scores"),
        {Role.TEACHER, Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.DEPARTMENT_HEAD, Role.ADMIN_BOARD},
    ),
    (
        "attendance:index",
        pgettext_lazy("menu", "Homeroom"),
        {Role.TEACHER, Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.OFFICE},
    ),
    ("grades:results_index", pgettext_lazy("menu", "Results"), {Role.TEACHER, Role.PRINCIPAL, Role.VICE_PRINCIPAL}),
    (
        "corrections:minutes_list",
        pgettext_lazy("menu", "Corrections"),
        {Role.TEACHER, Role.PRINCIPAL, Role.ADMIN_BOARD},
    ),
    ("corrections:locks", pgettext_lazy("menu", "Locks"), {Role.PRINCIPAL, Role.ADMIN_BOARD}),
    (
        "corrections:audit",
        pgettext_lazy("menu", "Change log"),
        {Role.TEACHER, Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.DEPARTMENT_HEAD, Role.ADMIN_BOARD},
    ),
    (
        "printing:index",
        pgettext_lazy("menu", "Printing"),
        {Role.OFFICE, Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.TEACHER},
    ),
    (
        "exports:index",
        pgettext_lazy("menu", "Reports"),
        {Role.PRINCIPAL, Role.VICE_PRINCIPAL, Role.ADMIN_BOARD, Role.OFFICE, Role.SUPERVISOR},
    ),
    # Parents and students read their own child's book (P-PUB-1); the homeroom teacher writes to the
    # class's parents and the leadership reads those messages (P-PUB-2).
    ("portal:home", pgettext_lazy("menu", "Contact book"), {Role.PARENT, Role.STUDENT}),
    (
        "portal:messages_index",
        pgettext_lazy("menu", "Messages to parents"),
        {Role.TEACHER, Role.PRINCIPAL, Role.VICE_PRINCIPAL},
    ),
    # The admin board runs the accounts (BM Đ8.1); the principal oversees them, read only (BM Đ3.2).
    ("account_list", pgettext_lazy("menu", "Accounts"), {Role.ADMIN_BOARD, Role.PRINCIPAL}),
]


def main_menu(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"main_menu": []}
    actor = actor_for(user)
    items = []
    for url_name, label, roles in MENU:
        if not actor.roles & roles:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:  # a part of the product this installation does not serve yet
            continue
        items.append({"url": url, "label": label, "active": request.path.startswith(url)})
    return {"main_menu": items}
