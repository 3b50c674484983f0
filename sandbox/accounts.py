"""Vendor accounts (credentials as the real vendor would issue them) and call timings.

Accounts come from the JSON config file, re-read whenever its mtime changes, and
from the control API (``PUT /_sandbox/accounts/<name>``), which wins on a name clash
and is cleared by ``POST /_sandbox/reset``.
"""

from __future__ import annotations

import hmac
import json
import logging
import threading
from pathlib import Path
from typing import Any

from sandbox.web import mask_mapping

log = logging.getLogger("sandbox")

DIALECTS = ("while1", "voipcenter", "telphin", "sandbox")

# Built-in timings in seconds; see docs/sandbox.md for what each one governs.
DEFAULT_TIMINGS: dict[str, float] = {
    "agent_answer_delay": 1.0,
    "customer_answer_delay": 2.0,
    "talk_time": 6.0,
    "ring_timeout": 20.0,
    "hang_time": 120.0,
    "token_ttl": 3600.0,
    "delivery_backoff": 0.5,
}
TIMING_KEYS = tuple(DEFAULT_TIMINGS)


class AccountError(ValueError):
    """An account or config document the sandbox cannot use."""


def _extensions(raw: Any) -> list[dict[str, Any]]:
    """Normalise ``[{"id": 175, "name": "000*099"}, "101", ...]`` to id/name dicts."""
    if raw is None:
        return []
    if not isinstance(raw, list):
        raise AccountError("extensions must be a list")
    result = []
    for index, item in enumerate(raw, start=1):
        if isinstance(item, str | int):
            item = {"id": index, "name": str(item)}
        if not isinstance(item, dict) or "name" not in item:
            raise AccountError("each extension needs a name")
        result.append({**item, "id": int(item.get("id", index)), "name": str(item["name"])})
    return result


def validate_account(data: Any, name: str | None = None) -> dict[str, Any]:
    """Check one account document and return a normalised copy."""
    if not isinstance(data, dict):
        raise AccountError("an account must be a JSON object")
    account = dict(data)
    if name is not None:
        account["name"] = name
    if not isinstance(account.get("name"), str) or not account["name"]:
        raise AccountError("an account needs a name")
    if account.get("dialect") not in DIALECTS:
        raise AccountError(f"dialect must be one of {', '.join(DIALECTS)}")
    for key in TIMING_KEYS:
        if key in account:
            try:
                account[key] = float(account[key])
            except (TypeError, ValueError):
                raise AccountError(f"{key} must be a number of seconds") from None
            if account[key] < 0:
                raise AccountError(f"{key} must not be negative")
    account["extensions"] = _extensions(account.get("extensions"))
    return account


def _read_config(path: Path) -> tuple[dict[str, dict], dict[str, float]]:
    """Accounts and default timings from the config file: an object or a bare list."""
    doc = json.loads(path.read_text(encoding="utf-8") or "{}")
    if isinstance(doc, list):
        doc = {"accounts": doc}
    if not isinstance(doc, dict):
        raise AccountError("the config file must hold an object or a list of accounts")
    accounts = {}
    for item in doc.get("accounts") or []:
        account = validate_account(item)
        accounts[account["name"]] = account
    defaults = {k: float(v) for k, v in (doc.get("defaults") or {}).items() if k in TIMING_KEYS}
    return accounts, defaults


class AccountStore:
    """Thread-safe view over config-file accounts plus control-API accounts."""

    def __init__(self, path: Path | None, overrides: dict[str, float] | None = None) -> None:
        self._path = path
        self._overrides = dict(overrides or {})  # from the CLI / environment
        self._lock = threading.Lock()
        self._file: dict[str, dict] = {}
        self._file_defaults: dict[str, float] = {}
        self._api: dict[str, dict] = {}
        self._mtime: float | None = None

    def _refresh(self) -> None:
        """Re-read the config file when its mtime changed; a missing file means no accounts."""
        if self._path is None:
            return
        try:
            mtime = self._path.stat().st_mtime
        except OSError:
            mtime = None
        if mtime == self._mtime:
            return
        self._mtime = mtime
        if mtime is None:
            self._file, self._file_defaults = {}, {}
            return
        try:
            self._file, self._file_defaults = _read_config(self._path)
            log.info("config %s loaded: %d account(s)", self._path, len(self._file))
        except (OSError, ValueError) as exc:
            # A half-saved edit must not drop every account: keep the last good state.
            log.warning("config %s not loaded, keeping the previous accounts: %s", self._path, exc)

    def all(self) -> list[dict[str, Any]]:
        with self._lock:
            self._refresh()
            return list({**self._file, **self._api}.values())

    def get(self, name: str) -> dict[str, Any] | None:
        with self._lock:
            self._refresh()
            return self._api.get(name) or self._file.get(name)

    def find(self, dialect: str, key: str, value: str) -> dict[str, Any] | None:
        """The account of ``dialect`` whose ``key`` equals ``value`` (constant-time compare)."""
        if not value:
            return None
        found = None
        for account in self.all():
            stored = str(account.get(key) or "")
            if account["dialect"] == dialect and stored:
                if hmac.compare_digest(stored.encode(), value.encode()):
                    found = account
        return found

    def put(self, name: str, data: Any) -> dict[str, Any]:
        account = validate_account(data, name)
        with self._lock:
            self._api[name] = account
        return account

    def delete(self, name: str) -> bool:
        with self._lock:
            return self._api.pop(name, None) is not None

    def reset(self) -> None:
        with self._lock:
            self._api.clear()

    def timing(self, account: dict[str, Any] | None, key: str) -> float:
        """Account value, else CLI/env, else config ``defaults``, else the built-in."""
        if account and key in account:
            return float(account[key])
        if key in self._overrides:
            return self._overrides[key]
        with self._lock:
            self._refresh()
            return self._file_defaults.get(key, DEFAULT_TIMINGS[key])


def public(account: dict[str, Any]) -> dict[str, Any]:
    """An account as the control API shows it: secrets masked."""
    return mask_mapping(account)
