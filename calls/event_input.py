"""What a PBX sent, bounded and cleaned before it becomes a call change.

The webhook log keeps the request exactly as it came; these run between it and the
adapter (``bounded_body``) and between the adapter and the call (``cleaned_event``),
for every vendor at once.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from typing import Any

from calls.pbx.base import NormalizedEvent

# Bodies a PBX sends are a few kilobytes, nested two or three levels.
MOST_BODY_BYTES = 1024 * 1024
MOST_NESTING = 32

# C0 and C1 control characters (NUL included) and DEL: never part of a number or a name.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
_JSON_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKET = re.compile(rb"[\[\]{}]")
_TEXT_FIELDS = tuple(f.name for f in dataclasses.fields(NormalizedEvent) if f.type in ("str", str))


class UnreadableRequest(ValueError):
    """The stored request is too large or too deeply nested to be read as events."""


def bounded_body(body: bytes) -> bytes:
    """``body``, or UnreadableRequest when reading it could exhaust the applier (a JSON
    body nested thousands deep makes json.loads raise RecursionError)."""
    if len(body) > MOST_BODY_BYTES:
        raise UnreadableRequest(
            f"the body has {len(body)} bytes; at most {MOST_BODY_BYTES} are read"
        )
    # Counting brackets first keeps the usual few-kilobyte body off the full scan.
    brackets = body.count(b"[") + body.count(b"{")
    if (
        brackets > MOST_NESTING
        and body.lstrip()[:1] in (b"{", b"[")
        and nesting_depth(body) > MOST_NESTING
    ):
        raise UnreadableRequest(f"the body nests deeper than {MOST_NESTING} levels")
    return body


def nesting_depth(body: bytes) -> int:
    """How deep JSON brackets nest in ``body`` (strings skipped), without recursion."""
    depth = deepest = 0
    for match in _BRACKET.finditer(_JSON_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth = max(depth - 1, 0)
    return deepest


def cleaned_text(value: str) -> str:
    return _CONTROL.sub("", value)


def cleaned_event(event: NormalizedEvent) -> NormalizedEvent:
    """The event with control characters and NUL taken out of its text fields, and NUL out
    of its raw payload (PostgreSQL stores no NUL in text or JSON)."""
    changes: dict[str, Any] = {}
    for name in _TEXT_FIELDS:
        value = getattr(event, name)
        if isinstance(value, str) and _CONTROL.search(value):
            changes[name] = cleaned_text(value)
    if _has_nul(event.raw):
        changes["raw"] = _without_nul(event.raw)
    return dataclasses.replace(event, **changes) if changes else event


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, Mapping):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list | tuple):
        return any(_has_nul(v) for v in value)
    return False


def _without_nul(value: Any) -> Any:
    """``value`` with NUL removed from every string in it. Depth is bounded by
    ``bounded_body`` before anything is parsed."""
    if isinstance(value, str):
        return value.replace("\x00", "")
    if isinstance(value, Mapping):
        return {_without_nul(k): _without_nul(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_without_nul(v) for v in value]
    return value
