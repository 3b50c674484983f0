"""Encryption at rest for PBX credentials (Fernet, keys derived from settings).

MultiFernet lets an operator rotate keys: the first key encrypts, every key
decrypts, so old rows stay readable until re-saved.
"""

from __future__ import annotations

import base64
import hashlib
import json
from functools import cache
from typing import Any

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.utils.translation import gettext as _


@cache
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    derived = []
    for key in keys:
        digest = hashlib.sha256(f"pbxportal-credentials:{key}".encode()).digest()
        derived.append(Fernet(base64.urlsafe_b64encode(digest)))
    return MultiFernet(derived)


def _current() -> MultiFernet:
    return _fernet(tuple(settings.FIELD_ENCRYPTION_KEYS))


def encrypt_json(value: dict[str, Any]) -> str:
    return _current().encrypt(json.dumps(value, sort_keys=True).encode()).decode()


class UndecryptableCredentials(Exception):
    """Stored credentials were encrypted with a key this server does not have."""


def decrypt_json(token: str) -> dict[str, Any]:
    if not token:
        return {}
    try:
        return json.loads(_current().decrypt(token.encode()))
    except InvalidToken:
        raise UndecryptableCredentials(
            _(
                "The stored PBX credentials cannot be decrypted with this server's keys; "
                "check FIELD_ENCRYPTION_KEYS or enter the credentials again."
            )
        ) from None
