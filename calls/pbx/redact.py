"""Scrub secrets from anything that may reach a log line or an error page."""

from __future__ import annotations

import logging
import re

# Query/form parameters and JSON keys that carry secrets in the vendor dialects.
SECRET_NAMES = (
    "api_hash",
    "api_key",
    "api_token",
    "api_password",
    "pwd",
    "pass",
    "password",
    "private_key",
    "client_secret",
    "access_token",
    "refresh_token",
    "token",
    "secret",
)

_NAMES = "|".join(re.escape(n) for n in sorted(SECRET_NAMES, key=len, reverse=True))
_PAIR = re.compile(rf"(?i)(?<![\w\[])({_NAMES})(\]?=)([^&\s\"']+)")
_JSON = re.compile(rf"(?i)(\"(?:{_NAMES})\"\s*:\s*\")([^\"]*)(\")")
_BEARER = re.compile(r"(?i)\b(bearer\s+)([A-Za-z0-9._~+/=-]+)")

MASK = "***"


def redact(text: str) -> str:
    """Return ``text`` with secret values replaced by ``***``."""
    if not text:
        return text
    text = _PAIR.sub(lambda m: f"{m.group(1)}{m.group(2)}{MASK}", text)
    text = _JSON.sub(lambda m: f"{m.group(1)}{MASK}{m.group(3)}", text)
    return _BEARER.sub(lambda m: f"{m.group(1)}{MASK}", text)


def redact_mapping(data: dict) -> dict:
    """Copy of a (possibly nested) mapping with secret values masked."""
    clean: dict = {}
    for key, value in data.items():
        if isinstance(key, str) and key.lower() in SECRET_NAMES:
            clean[key] = MASK
        elif isinstance(value, dict):
            clean[key] = redact_mapping(value)
        else:
            clean[key] = value
    return clean


class RedactFilter(logging.Filter):
    """Masks secrets in a log record before any handler writes it."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        cleaned = redact(message)
        if cleaned != message:
            record.msg, record.args = cleaned, None
        return True
