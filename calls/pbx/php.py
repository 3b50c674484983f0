"""PHP's http_build_query and urlencode, byte for byte, for vendors whose servers are PHP.

While1 Voice signs requests with ``md5(http_build_query($params) . $api_key)``: the
PBX recomputes it with PHP's own functions, so ours must agree on every byte.
Checked against vectors computed by php-cli (tests/fixtures/while1/).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

PHP_FLOAT_PRECISION = 14  # php.ini "precision" default, used when PHP turns a float into text

_URLENCODE_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.")
_INT64 = (-(2**63), 2**63 - 1)


def php_urlencode(text: str) -> str:
    """PHP ``urlencode``: UTF-8 bytes, space as '+', only ``A-Za-z0-9-_.`` kept.

    Not ``urllib.parse.quote_plus``: that one keeps '~', PHP encodes it.
    """
    out = []
    for byte in text.encode("utf-8"):
        if byte in _URLENCODE_SAFE:
            out.append(chr(byte))
        elif byte == 0x20:
            out.append("+")
        else:
            out.append(f"%{byte:02X}")
    return "".join(out)


def php_float_str(value: float, precision: int = PHP_FLOAT_PRECISION) -> str:
    """A float as PHP 8 prints it with ``precision`` significant digits (php_gcvt).

    1.0 -> "1", 0.1 + 0.2 -> "0.3", 1e14 -> "1.0E+14", 1e-5 -> "1.0E-5", -0.0 -> "-0".
    """
    if math.isnan(value):
        return "NAN"
    if math.isinf(value):
        return "INF" if value > 0 else "-INF"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0"
    # Python's %e rounds correctly like zend_dtoa mode 2; dtoa drops trailing zeros.
    mantissa, exponent = f"{abs(value):.{precision - 1}e}".split("e")
    digits = _halfway_whole_digits(value, precision) or mantissa.replace(".", "").rstrip("0") or "0"
    decpt = int(exponent) + 1  # value = 0.<digits> * 10**decpt
    if decpt < -3 or decpt > precision:
        exp = decpt - 1
        return f"{sign}{digits[0]}.{digits[1:] or '0'}E{'-' if exp < 0 else '+'}{abs(exp)}"
    if decpt <= 0:
        return f"{sign}0.{'0' * -decpt}{digits}"
    whole, frac = digits[:decpt].ljust(decpt, "0"), digits[decpt:]
    return f"{sign}{whole}.{frac}" if frac else sign + whole


def _halfway_whole_digits(value: float, precision: int) -> str | None:
    """zend_dtoa's digits where they are not the usual ones, else None.

    A whole number below 10**15 with more digits than ``precision``, exactly halfway
    between two roundings, misses dtoa's quick path and takes its "small integer" one:
    that rounds half to even but keeps the zeros it leaves (214885836895505 ->
    "21488583689550", PHP prints 2.1488583689550E+14). Rounded up, there is no zero.
    """
    if not value.is_integer() or not 1 <= abs(value) < 10**15:
        return None
    whole = str(int(abs(value)))
    kept, dropped = whole[:precision], whole[precision:]
    if not dropped or dropped != "5".ljust(len(dropped), "0") or int(kept[-1]) % 2:
        return None
    return kept


def _scalar(value: Any) -> str:
    # bool first: it is an int subclass, and PHP prints true/false as 1/0.
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        if not _INT64[0] <= value <= _INT64[1]:
            raise ValueError(f"{value} does not fit PHP's int; the PBX would see a float")
        return str(value)
    if isinstance(value, float):
        return php_urlencode(php_float_str(value))
    if isinstance(value, str):
        return php_urlencode(value)
    raise TypeError(f"http_build_query cannot encode {type(value).__name__}")


def _items(value: Mapping | list | tuple) -> list[tuple[Any, Any]]:
    return list(value.items()) if isinstance(value, Mapping) else list(enumerate(value))


def _key(key: Any) -> str:
    if isinstance(key, bool) or not isinstance(key, int | str):
        raise TypeError(f"PHP array keys are int or str, not {type(key).__name__}")
    return str(key) if isinstance(key, int) else php_urlencode(key)


def _walk(prefix: str | None, value: Any, pairs: list[str]) -> None:
    for key, item in _items(value):
        name = _key(key) if prefix is None else f"{prefix}%5B{_key(key)}%5D"
        if item is None:
            continue  # PHP leaves nulls out; empty arrays vanish by recursion
        if isinstance(item, Mapping | list | tuple):
            _walk(name, item, pairs)
        else:
            pairs.append(f"{name}={_scalar(item)}")


def php_http_build_query(params: Mapping[str, Any] | list | tuple) -> str:
    """Port of PHP's ``http_build_query($params)`` with its default arguments.

    Supports what JSON can carry: dict/list/tuple (nested as ``a%5Bb%5D``, list
    keys numeric), str, int (64-bit), float (as PHP with precision=14), bool (1/0),
    None (left out). Empty arrays are left out. Order is the mapping's order.
    """
    pairs: list[str] = []
    _walk(None, params, pairs)
    return "&".join(pairs)
