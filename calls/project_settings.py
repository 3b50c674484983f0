"""A project's vendor settings (``Project.settings``) as the API and the admin write them,
as the adapters read them, and as the API shows them.

Written: an object, bounded in size, the IP allowlist checked and stored in one form,
the webhook signing secret encrypted like PBX credentials (pbxportal/crypto.py).
Read: a value written before this (plain text) is still read as it is; it is encrypted
the next time the project's settings are saved. Shown: secrets never leave.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from calls.pbx.allowlist import BadAllowlist, canonical_allowlist
from pbxportal.crypto import decrypt_json, encrypt_json

# Settings kept encrypted at rest; the value in the column is SEALED_PREFIX + ciphertext.
SEALED = frozenset({"webhook_signing_secret"})
SEALED_PREFIX = "sealed:"
ALLOWLIST = "webhook_allowed_ips"
# Vendor settings whose values are secrets: never shown by the API or the admin.
_SECRET_NAME = re.compile(r"secret|password|passwd|token|private|api_key", re.IGNORECASE)
# Vendor settings are a handful of short values; anything this large is a mistake.
MOST_BYTES = 16 * 1024


class BadSettings(ValueError):
    """The settings cannot be stored; the message says why, for a person."""


def is_secret(key: str) -> bool:
    return bool(_SECRET_NAME.search(key))


def checked_settings(
    values: Any, stored: Mapping[str, Any] | None = None, *, keep_unsent_secrets: bool = True
) -> dict[str, Any]:
    """``values`` as they are stored, or BadSettings.

    With ``keep_unsent_secrets`` (the API) a sealed secret left out keeps its stored value:
    it is write-only, a client that read the settings never saw it; ``null`` or ""
    removes it. The admin shows every key (masked), so there a key left out is removed.
    """
    if not isinstance(values, dict):
        raise BadSettings(_("Vendor settings must be a JSON object."))
    if len(json.dumps(values, default=str)) > MOST_BYTES:
        raise BadSettings(_("Vendor settings are too large."))
    stored = stored or {}
    result = dict(values)
    if ALLOWLIST in result:
        try:
            result[ALLOWLIST] = canonical_allowlist(result[ALLOWLIST])
        except BadAllowlist as exc:
            raise BadSettings(str(exc)) from None
    for key in SEALED:
        if key not in result:
            if keep_unsent_secrets and stored.get(key):
                result[key] = stored[key]
            continue
        value = result[key]
        if value in (None, ""):
            del result[key]
        elif value != stored.get(key):
            result[key] = seal(str(value))
    return result


def seal(value: str) -> str:
    return SEALED_PREFIX + encrypt_json({"value": value})


def opened(value: Any) -> Any:
    """A sealed value in clear; a value stored before sealing existed, as it is."""
    if isinstance(value, str) and value.startswith(SEALED_PREFIX):
        return decrypt_json(value[len(SEALED_PREFIX) :]).get("value", "")
    return value


def opened_settings(settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """The settings as an adapter needs them: sealed secrets in clear."""
    settings = dict(settings or {})
    for key in SEALED & settings.keys():
        settings[key] = opened(settings[key])
    return settings


def shown_settings(settings: Mapping[str, Any] | None) -> dict[str, Any]:
    """The settings without their secrets (the API's answer)."""
    return {k: v for k, v in (settings or {}).items() if not is_secret(k)}


def stored_secrets(settings: Mapping[str, Any] | None) -> list[str]:
    """The names of the secrets a project has, so a client knows one is set."""
    return sorted(k for k, v in (settings or {}).items() if is_secret(k) and v)
