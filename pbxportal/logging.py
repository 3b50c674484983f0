"""The logging filter named in settings.LOGGING; it lives beside the redaction rules.

Beyond calls.pbx.redact's rules it masks the tokens in our own webhook and caller
lookup URLs (/hooks/<vendor>/<token>/, /lookup/<token>/): Django's request logger and
the server's access log print the path of every 4xx/5xx. A prefix stays, so a person
can still tell the projects apart.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping

from calls.pbx.redact import MASK, RedactFilter, redact

TOKEN_PREFIX = 4
_URL_TOKEN = re.compile(
    rf"(/(?:hooks/[\w-]+|lookup)/)([A-Za-z0-9_-]{{{TOKEN_PREFIX}}})[A-Za-z0-9_-]+"
)


def mask_url_tokens(text: str) -> str:
    return _URL_TOKEN.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)


def _masked(value: object) -> object:
    return redact(mask_url_tokens(value)) if isinstance(value, str) else value


class RedactSecretsFilter(RedactFilter):
    """Masks secrets and URL tokens. The arguments are masked one by one first, so a
    formatter that reads them (uvicorn's access log) still finds them where it expects."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_masked(arg) for arg in record.args)
        elif isinstance(record.args, Mapping):
            record.args = {key: _masked(arg) for key, arg in record.args.items()}
        if isinstance(record.msg, str):
            record.msg = mask_url_tokens(record.msg)
        message = record.getMessage()
        if mask_url_tokens(message) != message:
            record.msg, record.args = mask_url_tokens(message), None
        return super().filter(record)


__all__ = ["RedactSecretsFilter", "mask_url_tokens"]
