"""The language a person chose in their profile wins over what the browser asks for."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.middleware import get_user
from django.http import HttpRequest, HttpResponse
from django.utils import translation

from calls.auth_backend import language_of


def saved_language(user) -> str:
    """The user's chosen language code, or "" to follow the browser."""
    if not getattr(user, "is_authenticated", False):
        return ""
    code = language_of(user)  # read with the user by calls.auth_backend
    return code if code in dict(settings.LANGUAGES) else ""


class UserLanguageMiddleware:
    """Runs right after LocaleMiddleware and overrides its guess with the saved choice.

    It sits before AuthenticationMiddleware, so it reads the user through the same
    per-request cache that ``request.user`` fills later: one user query per request.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        code = saved_language(get_user(request))
        request.saved_language = code  # the language menu marks the saved choice
        if code:
            translation.activate(code)
            request.LANGUAGE_CODE = code
        return self.get_response(request)
