"""A 403 is an answer, not an error: Django logs PermissionDenied with its traceback."""

from __future__ import annotations

import logging

from django.core.exceptions import PermissionDenied


class QuietPermissionDenied(logging.Filter):
    """Keeps the one "Forbidden (Permission denied): /path" line and drops its traceback."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        if isinstance(exc, PermissionDenied):
            record.exc_info = None
            record.exc_text = None
        return True
