"""Receive one webhook request: authenticate, parse, apply, and keep it in the project's log."""

from __future__ import annotations

import ipaddress
import logging
from dataclasses import dataclass
from urllib.parse import parse_qs, urlencode

from django.db import DatabaseError, transaction

from calls.adapters import adapter_for
from calls.event_service import apply_event
from calls.models import Project, WebhookRequest, WebhookVerdict
from calls.pbx.base import InboundRequest, PbxAdapter, WebhookAuthError
from calls.pbx.redact import MASK, redact

log = logging.getLogger("calls.webhooks")

# Headers that may carry credentials: kept out of the log whatever the vendor sends.
SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "cookie", "x-pbx-signature"})
MAX_LOGGED_BODY = 64 * 1024


@dataclass(frozen=True)
class Outcome:
    status: int
    body: dict


def receive(
    project: Project, vendor: str, inbound: InboundRequest, *, authenticated: bool = False
) -> Outcome:
    """Apply every event of ``inbound`` once; 403 with nothing applied when auth fails.

    ``authenticated`` skips the checks for an admin's replay of a logged request,
    whose signature timestamp has long expired.
    """
    adapter = _adapter(project)
    if not authenticated:
        try:
            check_source(project, inbound.remote_addr)
            adapter.validate_request(inbound)
        except WebhookAuthError as exc:
            log.warning("webhook for project %s refused: %s", project.pk, exc)
            _record(project, vendor, inbound, WebhookVerdict.REFUSED, error=str(exc))
            return Outcome(403, {"detail": "authentication failed"})
    events = adapter.parse_events(inbound)
    try:
        with transaction.atomic():
            results = [apply_event(project=project, vendor=vendor, event=e) for e in events]
            applied = sum(not result.duplicate for result in results)
            _record(project, vendor, inbound, WebhookVerdict.ACCEPTED, len(events), applied)
    except DatabaseError as exc:
        # A 5xx makes the PBX send it again; the dedupe keys absorb whatever did get through.
        log.exception("webhook for project %s not stored", project.pk)
        _record_failure(project, vendor, inbound, len(events), exc)
        return Outcome(503, {"detail": "try again"})
    return Outcome(200, {"received": len(events), "applied": applied})


def _adapter(project: Project) -> PbxAdapter:
    """The project's adapter, kept on the instance: building one decrypts the credentials
    and makes an HTTP session, and calls.webhooks reuses project instances for a few seconds.
    Only its pure inbound half (validate, parse) is used here."""
    adapter = getattr(project, "_inbound_adapter", None)
    if adapter is None:
        adapter = project._inbound_adapter = adapter_for(project)
    return adapter


def check_source(project: Project, remote_addr: str) -> None:
    """Refuse requests from outside the project's IP allowlist, when it has one."""
    allowed = project.settings.get("webhook_allowed_ips") or []
    if not allowed:
        return
    try:
        address = ipaddress.ip_address(remote_addr)
    except ValueError:
        raise WebhookAuthError(f"unreadable source address {remote_addr!r}") from None
    for entry in allowed:
        if address in ipaddress.ip_network(str(entry), strict=False):
            return
    raise WebhookAuthError(f"source {remote_addr} is not in the project's IP allowlist")


def _record(project, vendor, inbound, verdict, events=0, applied=0, error="") -> None:
    body = inbound.body[:MAX_LOGGED_BODY].decode("utf-8", errors="replace")
    WebhookRequest.objects.create(
        project=project,
        vendor=vendor,
        method=inbound.method,
        query=redact(urlencode([(k, v) for k, vs in inbound.query.items() for v in vs])),
        headers={k: MASK if k in SECRET_HEADERS else redact(v) for k, v in inbound.headers.items()},
        body=redact(body),
        remote_addr=inbound.remote_addr or None,
        verdict=verdict,
        events=events,
        applied=applied,
        error=error[:2000],
    )


def _record_failure(project, vendor, inbound, events, exc) -> None:
    try:
        _record(project, vendor, inbound, WebhookVerdict.FAILED, events, 0, str(exc))
    except DatabaseError:
        log.error("webhook log for project %s lost too: the database is unavailable", project.pk)


def replay(entry: WebhookRequest) -> Outcome:
    """Parse and apply a logged request again; events already applied are not applied twice."""
    form_encoded = entry.headers.get("content-type", "").startswith(
        "application/x-www-form-urlencoded"
    )
    inbound = InboundRequest(
        method=entry.method,
        path="(replay)",
        query=parse_qs(entry.query, keep_blank_values=True),
        form=parse_qs(entry.body, keep_blank_values=True) if form_encoded else {},
        body=entry.body.encode(),
        headers=dict(entry.headers),
        remote_addr=entry.remote_addr or "",
    )
    return receive(entry.project, entry.vendor, inbound, authenticated=True)
