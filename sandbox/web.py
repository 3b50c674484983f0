"""Plain request/response values shared by the router, the dialects and the control API."""

from __future__ import annotations

import json
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

# Parameter and key names whose values never reach a log line or the request record.
SECRET_NAMES = frozenset(
    {
        "api_hash",
        "api_key",
        "api_token",
        "api_password",
        "password",
        "pwd",
        "pass",
        "private_key",
        "client_secret",
        "access_token",
        "refresh_token",
        "token",
        "secret",
        "signing_secret",
        "authorization",
    }
)
MASK = "***"


@dataclass
class Request:
    """One HTTP request as received, with the dialect prefix already stripped from ``path``."""

    method: str
    path: str
    raw_path: str
    query: list[tuple[str, str]]
    headers: dict[str, str]  # lower-cased names
    body: bytes
    received: float  # read whole and parsed
    arrived: float | None = None  # its first line read off the socket

    def header(self, name: str, default: str = "") -> str:
        return self.headers.get(name.lower(), default)

    def bearer(self) -> str:
        """The token of an ``Authorization: Bearer`` header, or ""."""
        scheme, _, token = self.header("authorization").partition(" ")
        return token.strip() if scheme.lower() == "bearer" else ""

    def is_json(self) -> bool:
        return self.header("content-type").split(";")[0].strip().lower() == "application/json"

    def json(self) -> Any:
        """The decoded JSON body; ``ValueError`` when it is not JSON."""
        return json.loads(self.body.decode("utf-8") or "null")

    def form(self) -> list[tuple[str, str]]:
        """Form-encoded body pairs in received order (blank values kept, as PHP does)."""
        text = self.body.decode("utf-8", errors="replace")
        return urllib.parse.parse_qsl(text, keep_blank_values=True)

    def params(self) -> dict[str, str]:
        """First value of each query and form parameter; the body wins, as in PHP $_REQUEST."""
        merged = dict(reversed(self.query))
        if self.method == "POST" and not self.is_json():
            merged.update(dict(reversed(self.form())))
        return merged


@dataclass
class Response:
    """What a handler answers, plus the verdict recorded in the request log."""

    status: int
    body: bytes = b""
    content_type: str = "application/json"
    headers: dict[str, str] = field(default_factory=dict)
    verdict: str = "ok"
    reason: str = ""
    account: str = ""


def json_response(status: int, data: Any, *, reason: str = "", account: str = "") -> Response:
    """A JSON reply; ``reason`` marks it refused in the request log."""
    body = json.dumps(data, ensure_ascii=False).encode("utf-8")
    verdict = "refused" if reason else "ok"
    return Response(status, body, verdict=verdict, reason=reason, account=account)


def empty_response(status: int = 204, *, account: str = "") -> Response:
    return Response(status, b"", content_type="", account=account)


def is_secret(name: str) -> bool:
    """True for ``pwd``, ``data[api_key]`` and the like."""
    base = name.rsplit("[", 1)[-1].rstrip("]").lower()
    return base in SECRET_NAMES or name.lower() in SECRET_NAMES


def mask_pairs(pairs: list[tuple[str, str]]) -> dict[str, str]:
    return {key: (MASK if is_secret(key) else value) for key, value in pairs}


def mask_mapping(data: Any) -> Any:
    """Copy of nested JSON data with secret values masked."""
    if isinstance(data, dict):
        return {k: (MASK if is_secret(str(k)) else mask_mapping(v)) for k, v in data.items()}
    if isinstance(data, list):
        return [mask_mapping(item) for item in data]
    return data


def mask_url(url: str) -> str:
    """``url`` with the values of secret query parameters replaced by ``***``."""
    head, sep, query = url.partition("?")
    if not sep:
        return url
    parts = []
    for pair in query.split("&"):
        key, eq, _value = pair.partition("=")
        name = urllib.parse.unquote_plus(key)
        parts.append(f"{key}={MASK}" if eq and is_secret(name) else pair)
    return f"{head}?{'&'.join(parts)}"
