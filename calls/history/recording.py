"""Fetching a call's recording from the vendor, server-side, for a permitted person.

The vendor's address may carry credentials, so it never leaves the server: no
redirect, no error message containing it, no log line with it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT = 3.05
READ_TIMEOUT = 20
CHUNK_SIZE = 64 * 1024
_EXTENSIONS = {
    "audio/mpeg": "mp3",
    "audio/mp3": "mp3",
    "audio/wav": "wav",
    "audio/x-wav": "wav",
    "audio/wave": "wav",
    "audio/ogg": "ogg",
    "audio/mp4": "m4a",
    "audio/webm": "webm",
}


class RecordingUnavailable(Exception):
    """The vendor did not hand over the file; deliberately carries no address."""


@dataclass
class Recording:
    chunks: Iterator[bytes]
    content_type: str
    extension: str
    length: str


def open_recording(url: str, *, call_id: int) -> Recording:
    """Start streaming the file; raises RecordingUnavailable when the vendor fails."""
    if urlsplit(url).scheme not in ("http", "https"):
        raise RecordingUnavailable
    try:
        reply = requests.get(
            url,
            stream=True,
            timeout=(CONNECT_TIMEOUT, READ_TIMEOUT),
            allow_redirects=True,
            headers={"User-Agent": "pbxportal"},
        )
    except requests.RequestException as exc:
        # The exception's text contains the URL: log its kind only.
        logger.warning("recording of call %s: %s", call_id, type(exc).__name__)
        raise RecordingUnavailable from None
    if reply.status_code != 200:
        logger.warning("recording of call %s: vendor answered %s", call_id, reply.status_code)
        reply.close()
        raise RecordingUnavailable
    content_type = reply.headers.get("Content-Type", "").split(";")[0].strip().lower()
    if not content_type.startswith("audio/"):
        content_type = "application/octet-stream"
    return Recording(
        chunks=_chunks(reply, call_id),
        content_type=content_type,
        extension=_EXTENSIONS.get(content_type, "bin"),
        length=reply.headers.get("Content-Length", "")
        if not reply.headers.get("Content-Encoding")
        else "",
    )


def _chunks(reply: requests.Response, call_id: int) -> Iterator[bytes]:
    try:
        yield from reply.iter_content(CHUNK_SIZE)
    except requests.RequestException as exc:
        # Headers are gone already; the person sees a cut download, the log says why.
        logger.warning("recording of call %s cut: %s", call_id, type(exc).__name__)
    finally:
        reply.close()
