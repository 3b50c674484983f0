"""What VoipCenter answers, and what its error codes mean in sentences a person can act on.

The vendor's API document lists error codes ("Head" and "Body") but never shows a
reply. We assume the shape the two public clients we know of read
(tijsverkoyen/php-voipcenter and bertouttier/voipcenter-hacs)::

    {"head": {"status": "1", "error_number": "", "error_message": ""},
     "body": {"status": "1", ...data...}}

and read it defensively, because nothing in the document promises it: a flat
object (no head/body) is checked as both, the error code may sit under any of
several keys, and XML is turned into the same nested dicts. The vendor's own
words are kept next to our sentence. PHP-serialized replies are refused:
unserializing data from the network is how PHP object injection happens, and we
always ask for JSON anyway. docs/vendors/voipcenter.md lists every assumption.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import requests

from calls.pbx.base import PbxError
from calls.pbx.redact import MASK, redact
from calls.pbx.words import gettext as _
from calls.pbx.words import gettext_noop

# code -> (the document's name for it, what a person should do about it).
HEAD_CODES: dict[str, tuple[str, str]] = {
    "10": (
        "missing parameters",
        gettext_noop(
            "check that the API ID, customer number, password and private API key are all filled "
            "in on this PBX account"
        ),
    ),
    "11": (
        "timestamp mismatch",
        gettext_noop("check the server clock (NTP); VoipCenter accepts requests within 5 seconds"),
    ),
    "12": (
        "wrong format",
        gettext_noop(
            "VoipCenter refused the reply format pbxportal asks for (json); report this to the "
            "pbxportal team"
        ),
    ),
    "13": (
        "too many attempts",
        gettext_noop(
            "VoipCenter is holding this API user back for a while; wait a few minutes before "
            "trying again"
        ),
    ),
    "14": (
        "incorrect hash",
        gettext_noop(
            "check the private API key (VoipCenter PBX: Config > Application Programming Interface)"
        ),
    ),
    "15": (
        "user password incorrect",
        gettext_noop("check the VoipCenter customer password on this PBX account"),
    ),
    "16": (
        "API user not allowed",
        gettext_noop(
            "check the API ID and that this API user is enabled in the VoipCenter PBX (Config > "
            "Application Programming Interface)"
        ),
    ),
    "17": (
        "param not correct",
        gettext_noop(
            "VoipCenter refused one of the values sent; check the agent's SIP account name and "
            "the number dialled"
        ),
    ),
}
BODY_CODES: dict[str, tuple[str, str]] = {
    "1": (
        "could not connect to server",
        gettext_noop("VoipCenter could not reach its own PBX server; try again in a few minutes"),
    ),
    "2": (
        "incorrect ID",
        gettext_noop(
            "the item asked for does not exist at VoipCenter; reload the list and choose again"
        ),
    ),
    "20": (
        "call auth failed",
        gettext_noop(
            "VoipCenter would not place a call from this SIP account; check the agent's SIP "
            "account name and that it may call out"
        ),
    ),
    "21": (
        "call leg failed",
        gettext_noop(
            "VoipCenter could not ring the agent's phone; check that the phone of this SIP "
            "account is switched on and registered"
        ),
    ),
    "25": (
        "incorrect login",
        gettext_noop("check the customer number and password on this PBX account"),
    ),
}
# The two lists share no number, so one lookup serves both places.
ERROR_CODES = {**HEAD_CODES, **BODY_CODES}

MAY_RING = gettext_noop("; the call may still ring")  # translated where it ends a sentence

_CODE_KEYS = ("error_number", "error_code", "errorcode", "errno", "error", "code")
_WORD_KEYS = ("error_message", "error_msg", "errormessage", "error", "message", "msg")
_SUCCESS = {"1", "true", "ok", "success"}
_FAILURE = {"0", "false", "error", "nok", "fail", "failed"}
# a:2:{...}  s:4:"..."  O:8:"stdClass":...  i:5;  d:0.5;  b:1;  N;
_SERIALIZED = re.compile(r"^(?:[aOCs]:\d+:|[idb]:-?[\d.E+-]+;|N;)")
_QUOTE_MAX = 200


class VoipCenterRefused(PbxError):
    """VoipCenter read the request and said no (``vendor_code`` holds its code, if any)."""


@dataclass(frozen=True)
class Reply:
    """One decoded reply: ``data`` is everything, untouched; head and body as found."""

    data: Any
    head: Mapping[str, Any]
    body: Any


def sentence(code: str, words: str = "", scrub: Callable[[str], str] = redact) -> str:
    """Our sentence for a VoipCenter error code, with the vendor's words when they add any."""
    words = _clip(scrub(words))
    if code in ERROR_CODES:
        name, advice = ERROR_CODES[code]
        text = f"VoipCenter {code}: {name} — {_(advice)}."
        if words and words.lower() != name.lower():
            text += " " + _('VoipCenter said: "%(words)s".') % {"words": words}
        return text
    if code:
        what = f'"{words}"' if words else _("an error code its API documentation does not list")
        return _("VoipCenter %(code)s: %(what)s — ask VoipCenter support what it means.") % {
            "code": code,
            "what": what,
        }
    return _("VoipCenter refused the request: %(words)s.") % {
        "words": words or _("it gave no reason")
    }


def read_reply(
    response: requests.Response, *, after: str = "", secrets: Iterable[str] = ()
) -> Reply:
    """Decode a reply and raise VoipCenterRefused if it carries an error.

    ``after`` ends every unreadable-reply message (MAY_RING for call.php: the
    request reached VoipCenter, so we cannot say the call did not start).
    ``secrets`` are masked wherever vendor text is quoted: an error page that
    echoes our request need not do it in the name=value shape redact() knows.
    """
    scrub = scrubber(secrets)
    after = _(after) if after else ""
    if not 200 <= response.status_code < 300:
        answered = _("VoipCenter answered HTTP %(status)s (%(reason)s)%(after)s.") % {
            "status": response.status_code,
            "reason": response.reason or _("no reason"),
            "after": after,
        }
        raise PbxError(answered + _quoted(response.content, scrub))
    reply = _split(_decode(response.content, after, scrub))
    _check(reply, scrub)
    return reply


def scrubber(secrets: Iterable[str]) -> Callable[[str], str]:
    """redact(), and then every given secret value masked wherever it appears."""
    # Longest first, so a secret containing another is masked whole; very short
    # values are skipped: masking every "1" would garble the text and hide nothing.
    values = sorted({s for s in secrets if len(s) >= 4}, key=len, reverse=True)

    def scrub(text: str) -> str:
        text = redact(text)
        for value in values:
            text = text.replace(value, MASK)
        return text

    return scrub


def items(body: Any) -> list[dict[str, Any]]:
    """The rows of a list reply, whichever container VoipCenter puts them in.

    JSON from PHP arrays keyed ``id_<n>`` (as php-voipcenter reads it) gives a
    dict of dicts; a wrapper (``{"data": [...]}``, XML ``<data><item/>...</data>``)
    is opened when it is the only container; a lone flat dict is one row (XML
    with a single element).
    """
    if isinstance(body, list):
        return [dict(row) for row in body if isinstance(row, Mapping)]
    if not isinstance(body, Mapping):
        return []
    rows, containers = [], []
    for key, value in body.items():
        keyed = str(key).startswith("id_") or str(key).isdigit()
        if isinstance(value, Mapping) and (keyed or not _nested(value)):
            row = dict(value)
            if keyed:
                row.setdefault("id", str(key).removeprefix("id_"))
            rows.append(row)
        elif isinstance(value, list | Mapping):
            containers.append(value)
    if not rows and len(containers) == 1:
        return items(containers[0])
    return rows


def _nested(mapping: Mapping[str, Any]) -> bool:
    return any(isinstance(value, list | Mapping) for value in mapping.values())


def _decode(content: bytes, after: str, scrub: Callable[[str], str]) -> Any:
    text = content.decode("utf-8-sig", errors="replace").strip()
    if not text:
        raise PbxError(_("VoipCenter sent an empty reply%(after)s.") % {"after": after})
    if text[0] in "{[":
        try:
            return json.loads(text)
        except ValueError:
            raise PbxError(
                _("VoipCenter sent a JSON reply that does not parse%(after)s.") % {"after": after}
                + _quoted(content, scrub)
            ) from None
    if text[0] == "<":
        return _xml(content, text, after, scrub)
    if _SERIALIZED.match(text):
        raise PbxError(
            _(
                "VoipCenter answered in PHP-serialized format, which pbxportal does not read "
                "(unserializing it is unsafe); pbxportal asks for JSON, so check the account's "
                "base URL points at the VoipCenter API%(after)s."
            )
            % {"after": after}
        )
    raise PbxError(
        _("VoipCenter sent a reply that is neither JSON nor XML%(after)s.") % {"after": after}
        + _quoted(content, scrub)
    )


def _xml(content: bytes, text: str, after: str, scrub: Callable[[str], str]) -> Any:
    start = text[:512].lower()
    if "<html" in start or "<!doctype html" in start:
        raise PbxError(
            _(
                "VoipCenter answered with a web page instead of API data; check the account's "
                "base URL%(after)s."
            )
            % {"after": after}
        )
    if "<!doctype" in start or "<!entity" in text.lower():
        # No API reply needs a DTD; refusing them rules out entity-expansion attacks.
        raise PbxError(
            _("VoipCenter sent XML with a document type declaration, refused%(after)s.")
            % {"after": after}
        )
    try:
        root = ET.fromstring(content)  # noqa: S314 - DTDs refused above: no entity expansion
    except ET.ParseError:
        raise PbxError(
            _("VoipCenter sent an XML reply that does not parse%(after)s.") % {"after": after}
            + _quoted(content, scrub)
        ) from None
    return _element(root)


def _element(element: ET.Element) -> Any:
    """XML to the nested dicts json_decode would give; repeated tags become lists."""
    children = list(element)
    text = (element.text or "").strip()
    if not children and not element.attrib:
        return text
    node: dict[str, Any] = {f"@{name}": value for name, value in element.attrib.items()}
    if text and not children:
        node["#text"] = text
    for child in children:
        value = _element(child)
        if child.tag not in node:
            node[child.tag] = value
        elif isinstance(node[child.tag], list):
            node[child.tag].append(value)
        else:
            node[child.tag] = [node[child.tag], value]
    return node


def _split(data: Any) -> Reply:
    if isinstance(data, Mapping) and ("head" in data or "body" in data):
        head = data.get("head")
        return Reply(data, head if isinstance(head, Mapping) else {}, data.get("body", {}))
    if isinstance(data, Mapping):
        return Reply(data, data, data)  # flat reply: status and data side by side
    return Reply(data, {}, data)


def _check(reply: Reply, scrub: Callable[[str], str]) -> None:
    # Head errors first: they mean the request was refused before anything was done.
    for section in (reply.head, reply.body):
        if isinstance(section, Mapping) and (found := _section_error(section)):
            code, words = found
            raise VoipCenterRefused(sentence(code, words, scrub), vendor_code=code or None)


def _section_error(section: Mapping[str, Any]) -> tuple[str, str] | None:
    status = _text(section.get("status")).lower()
    code = ""
    for key in _CODE_KEYS:
        value = _text(section.get(key))
        if not (value.isascii() and value.isdigit()) or int(value) == 0:
            continue
        if key == "code" and (status in _SUCCESS or value == "200"):
            continue  # a bare "code" beside a success status is not an error number
        code = str(int(value))
        break
    words = next(
        (w for key in _WORD_KEYS if (w := _text(section.get(key))) and not w.isdigit()), ""
    )
    if (detail := _text(section.get("detail"))) and detail != words:
        words = f"{words} ({detail})" if words else detail
    flagged = _text(section.get("error")).lower() not in ("", "0", "false")
    if code or status in _FAILURE or flagged:
        return code, words
    return None


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str | int | float):
        return str(value).strip()
    return ""


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _QUOTE_MAX else text[: _QUOTE_MAX - 1] + "…"


def _quoted(content: bytes, scrub: Callable[[str], str]) -> str:
    text = _clip(scrub(content.decode("utf-8", errors="replace")))
    return f' It began: "{text}"' if text else ""
