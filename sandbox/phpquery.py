"""Ports of PHP's ``http_build_query`` and ``parse_str``, written from PHP's behaviour.

While1 Voice signs a request with ``md5(http_build_query($params) . $api_key)`` and
recomputes it on its side from the parameters PHP decoded. To check a hash the way
While1 does, the sandbox must rebuild exactly the string PHP would: nested keys as
``data%5Bvars%5D%5BX%5D``, ``urlencode`` escaping (space as ``+``; ``~`` and ``*``
escaped), ``null`` and empty arrays dropped, ``true``/``false`` as ``1``/``0``, floats
printed with PHP's default ``precision`` of 14 significant digits.
"""

from __future__ import annotations

import math
import re
import urllib.parse
from collections.abc import Iterable
from typing import Any


def urlencode(text: str) -> str:
    """PHP ``urlencode``: only ``[A-Za-z0-9_.-]`` stay; space becomes ``+``."""
    # Python's quote_plus leaves "~" alone (RFC 3986); PHP's urlencode escapes it.
    return urllib.parse.quote_plus(text, safe="").replace("~", "%7E")


def php_float(value: float) -> str:
    """A float as PHP 8 prints it with ``precision=14`` (``1.0E+20``, ``0.3``, ``-0``)."""
    if math.isnan(value):
        return "NAN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    text = f"{value:.14G}"
    if "E" not in text:
        return text
    mantissa, exponent = text.split("E")
    if "." not in mantissa:
        mantissa += ".0"
    whole = int(abs(value)) if value.is_integer() else 0
    if 10**14 <= whole < 10**15 and whole % 10 == 5 and whole // 10 % 2 == 0:
        # A 15-digit whole number halfway between two 14-digit ones: PHP's dtoa rounds
        # it down to the even one and keeps the zeros that leaves (2.1488583689550E+14).
        kept = str(whole)[:14]
        mantissa = f"{'-' if value < 0 else ''}{kept[0]}.{kept[1:]}"
    digits = exponent[1:].lstrip("0") or "0"
    return f"{mantissa}E{exponent[0]}{digits}"


def scalar(value: Any) -> str | None:
    """A leaf value as http_build_query writes it; None means "left out"."""
    if value is None:
        return None
    if value is True:
        return "1"
    if value is False:
        return "0"
    if isinstance(value, float):
        return php_float(value)
    return str(value)


def http_build_query(params: dict[Any, Any] | list[Any]) -> str:
    """PHP ``http_build_query($params)`` with default separator and RFC 1738 encoding."""
    pairs: list[str] = []
    _walk(params, None, pairs)
    return "&".join(pairs)


def _walk(value: dict[Any, Any] | list[Any], prefix: str | None, out: list[str]) -> None:
    items: Iterable[tuple[Any, Any]]
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        name = urlencode(str(key))
        if prefix is not None:
            name = f"{prefix}%5B{name}%5D"
        if isinstance(item, dict | list):
            _walk(item, name, out)  # an empty array contributes nothing, as in PHP
            continue
        text = scalar(item)
        if text is not None:
            out.append(f"{name}={urlencode(text)}")


_SEGMENT = re.compile(r"\[([^\]]*)\]")


def _key_path(raw: str) -> list[str] | None:
    """``data[vars][X]`` -> ["data", "vars", "X"]; "" segments mean "append"."""
    bracket = raw.find("[")
    base = raw if bracket < 0 else raw[:bracket]
    rest = "" if bracket < 0 else raw[bracket:]
    base = base.lstrip(" ")
    # PHP turns spaces and dots in the top-level name into underscores.
    base = base.replace(" ", "_").replace(".", "_")
    if not base:
        return None
    path = [base]
    position = 0
    while position < len(rest):
        match = _SEGMENT.match(rest, position)
        if match is None:
            break  # PHP ignores whatever follows a malformed segment
        path.append(match.group(1))
        position = match.end()
    return path


def _next_index(container: dict[Any, Any]) -> int:
    numbers = [k for k in container if isinstance(k, int)]
    return max(numbers) + 1 if numbers else 0


def _key(segment: str) -> Any:
    """PHP stores decimal-integer string keys as integers."""
    if re.fullmatch(r"-?[1-9][0-9]*|0", segment) and len(segment) < 19:
        return int(segment)
    return segment


def parse_str(pairs: Iterable[tuple[str, str]]) -> dict[Any, Any]:
    """PHP ``parse_str`` over already-decoded pairs, in order; later duplicates win."""
    result: dict[Any, Any] = {}
    for raw_key, value in pairs:
        path = _key_path(raw_key)
        if path is None:
            continue
        node = result
        keys = [path[0], *path[1:]]
        for depth, segment in enumerate(keys):
            key = _next_index(node) if segment == "" and depth else _key(segment)
            if depth == len(keys) - 1:
                node[key] = value
            else:
                if not isinstance(node.get(key), dict):
                    node[key] = {}
                node = node[key]
    return result
