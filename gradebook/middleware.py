"""Vietnamese unless the person chose otherwise.

Django's LocaleMiddleware follows the browser's Accept-Language, and many school computers run an
English browser; the gradebook must still open in Vietnamese. The language menu's choice (the
language cookie) is the only thing that switches it.
"""

from django.conf import settings
from django.http import HttpResponseForbidden
from django.shortcuts import redirect
from django.urls import Resolver404, resolve
from django.utils import translation


class ChosenLanguageMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.supported else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class PasswordChangeRequiredMiddleware:
    """A person given a one-time password (a new account, a reset) changes it before anything else:
    every page but the password change itself, logging out, the language switch and the health
    check sends them to the password change page (GET) or is refused (other methods). Static files
    never reach here (WhiteNoise, or runserver's static handler, answers them first)."""

    ALLOWED = frozenset({"password_change", "password_change_done", "logout", "set_language", "healthz"})

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and getattr(user, "must_change_password", False):
            try:
                name = resolve(request.path_info).url_name
            except Resolver404:
                name = None
            if name not in self.ALLOWED:
                if request.method in ("GET", "HEAD"):
                    return redirect("password_change")
                message = translation.gettext("Change your one-time password first.")
                return HttpResponseForbidden(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)
