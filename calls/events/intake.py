"""Step 2, stored: authenticate one PBX request and keep it, raw, in the project's log
(``WebhookRequest``) as ``queued`` for the applier (applier.py)."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from urllib.parse import urlencode

from django.db import DatabaseError
from django.utils import timezone

from calls import statements
from calls.events.projects import inbound_adapter
from calls.models import Project, WebhookRequest, WebhookVerdict
from calls.pbx.allowlist import BadAllowlist, address_allowed, parse_ip_allowlist
from calls.pbx.base import InboundRequest, WebhookAuthError
from calls.pbx.redact import MASK, redact

log = logging.getLogger("calls.webhooks")

# Headers that may carry credentials: kept out of the log whatever the vendor sends.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-pbx-signature"})


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict
    empty: bool = False  # the PBX wants an empty body (While1), not our JSON


def receive(project: Project, vendor: str, inbound: InboundRequest) -> Outcome:
    """Authenticate ``inbound`` and queue it for the event applier; 403 when auth fails.

    The PBX's answer means "stored", not "applied": storing is one INSERT, so a burst
    of events is absorbed at the speed of the database and applied in batches by
    calls/events/applier.py (docs/webhooks.md).
    """
    empty = inbound_adapter(project).empty_webhook_reply(inbound)
    try:
        check_source(project, inbound.remote_addr)
        inbound_adapter(project).validate_request(inbound)
    except WebhookAuthError as exc:
        log.warning("webhook for project %s refused: %s", project.pk, exc)
        _store(project, vendor, inbound, WebhookVerdict.REFUSED, error=str(exc))
        return Outcome(403, {"detail": "authentication failed"}, empty)
    try:
        _store(project, vendor, inbound, WebhookVerdict.QUEUED)
    except DatabaseError:
        # A 5xx makes the PBX send it again: nothing of it was kept.
        log.exception("webhook for project %s not stored", project.pk)
        return Outcome(503, {"detail": "try again"}, empty)
    return Outcome(200, {"queued": True}, empty)


def check_source(project: Project, remote_addr: str) -> None:
    """Refuse requests from outside the project's IP allowlist, when it has one.

    A stored allowlist that cannot be read (saved before it was checked) refuses every
    request, logged as refused with the bad entry: never a 500 the PBX retries forever.
    """
    try:
        allowed = parse_ip_allowlist((project.settings or {}).get("webhook_allowed_ips"))
    except BadAllowlist as exc:
        raise WebhookAuthError(f"the project's IP allowlist is unreadable: {exc}") from None
    if not allowed:
        return
    try:
        ipaddress.ip_address(remote_addr)
    except ValueError:
        raise WebhookAuthError(f"unreadable source address {remote_addr!r}") from None
    if not address_allowed(remote_addr, allowed):
        raise WebhookAuthError(f"source {remote_addr} is not in the project's IP allowlist")


def _store(project, vendor, inbound, verdict, error="") -> int:
    """INSERT the log row; returns its id. Written out (SQL built once) because it is the
    whole of the webhook's work and the ORM's compile cost more than the INSERT itself.
    The body is kept whole (Django caps it at DATA_UPLOAD_MAX_MEMORY_SIZE): the applier
    parses the stored copy. Masking never touches the fields events are read from."""
    query = inbound.query_string
    if query is None:
        query = urlencode([(k, v) for k, vs in inbound.query.items() for v in vs])
    row = WebhookRequest(
        project=project,
        vendor=vendor,
        received_at=timezone.now(),
        method=inbound.method,
        query=redact(query),
        headers={k: MASK if k in SECRET_HEADERS else redact(v) for k, v in inbound.headers.items()},
        # PostgreSQL stores no NUL in text: it is kept as undecodable bytes are, as U+FFFD.
        body=redact(inbound.body.decode("utf-8", errors="replace").replace("\x00", "\ufffd")),
        remote_addr=inbound.remote_addr or None,
        verdict=verdict,
        error=error[:2000],
    )
    return statements.insert_returning_pk(row, _LOG_COLUMNS)


_LOG_COLUMNS = (
    "project",
    "vendor",
    "received_at",
    "method",
    "query",
    "headers",
    "body",
    "remote_addr",
    "verdict",
    "events",
    "applied",
    "error",
)
