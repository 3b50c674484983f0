"""Every API error is {"detail": "<a sentence>"} (plus "errors" by field for bad input)."""

from __future__ import annotations

from rest_framework import exceptions
from rest_framework.views import exception_handler

from calls.api.throttling import record_failed_authentication


def _first_message(detail: object) -> str:
    if isinstance(detail, dict):
        for key, value in detail.items():
            message = _first_message(value)
            return message if key in ("non_field_errors", "detail") else f"{key}: {message}"
    if isinstance(detail, list) and detail:
        return _first_message(detail[0])
    return str(detail)


def api_exception_handler(exc, context):
    if isinstance(exc, exceptions.AuthenticationFailed) and context.get("request") is not None:
        record_failed_authentication(context["request"])
    response = exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        response.data = {"detail": _first_message(exc.detail), "errors": exc.detail}
    return response
