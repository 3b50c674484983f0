"""Step 3, read by the applier: apply queued webhook requests, the second half of
receiving PBX events.

The webhook view authenticates a request, stores it as ``queued`` and answers the PBX
(intake.py). This loop (``manage.py apply_events``, the ``events``
process of the Procfile) takes the queued requests oldest first, in batches, parses
them and applies their events in one transaction per batch: one BEGIN/COMMIT and one
UPDATE of the log for up to BATCH requests instead of per request, and the PBX never
waits for our state machine. A request that cannot be applied is marked ``failed``
with the error and the rest of its batch is applied all the same.

Several appliers may run against PostgreSQL (``FOR UPDATE SKIP LOCKED`` hands each
request to one of them); with SQLite run one.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from functools import cache

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from calls import live
from calls.events.call_moves import LockedCalls, apply_event
from calls.events.projects import recent_projects
from calls.events.reading import read_events
from calls.events.wakeups import WakeUps
from calls.models import Project, WebhookRequest, WebhookVerdict
from calls.pbx.base import NormalizedEvent

log = logging.getLogger("calls.webhooks")

BATCH = 200


def apply_queued(limit: int = BATCH) -> int:
    """Apply up to ``limit`` queued requests, oldest first; return how many were taken."""
    if not _anything_queued():  # outside a transaction: an idle poll takes no lock
        return 0
    queue = WebhookRequest.objects.filter(verdict=WebhookVerdict.QUEUED)
    with live.batched(), transaction.atomic():
        entries = list(queue.select_for_update(skip_locked=True).order_by("id")[:limit])
        if not entries:
            return 0
        _share_projects(entries)
        parsed = []
        for entry in entries:
            try:
                parsed.append((entry, read_events(entry)))
            except Exception as exc:  # an unreadable request fails alone
                _failed(entry, exc)
        try:
            with transaction.atomic():
                locked = _lock_calls(parsed)
                for entry, events in parsed:
                    apply_request(entry, events, locked[entry.project_id])
        except (OperationalError, InterfaceError):
            raise  # the database itself: the batch stays queued and is taken again
        except Exception:  # one bad request must not hold up the others
            log.warning("a batch of %d webhook requests failed; applying one by one", len(parsed))
            for entry, _ in parsed:
                apply_request_alone(entry)
        _mark_done(entries)
    return len(entries)


def apply_request(
    entry: WebhookRequest,
    events: list[NormalizedEvent] | None = None,
    locked: LockedCalls | None = None,
) -> int:
    """Apply the events of ``entry`` (parsed here unless given) in the caller's transaction.

    Fills in the entry's verdict and counts without saving it; returns the number of
    events applied (repeats of stored events excluded).
    """
    if events is None:
        events = read_events(entry)
    results = [
        apply_event(project=entry.project, vendor=entry.vendor, event=e, locked=locked)
        for e in events
    ]
    entry.verdict = WebhookVerdict.ACCEPTED
    entry.events = len(events)
    entry.applied = sum(not result.duplicate for result in results)
    return entry.applied


def apply_request_alone(entry: WebhookRequest) -> None:
    """Apply ``entry`` in a savepoint of its own; on error mark it failed with the reason."""
    try:
        with transaction.atomic():
            apply_request(entry)
    except (OperationalError, InterfaceError):
        raise
    except Exception as exc:  # kept on the entry for the admin to read
        _failed(entry, exc)


def _failed(entry: WebhookRequest, exc: Exception) -> None:
    log.error("webhook request %s could not be applied: %r", entry.pk, exc, exc_info=exc)
    entry.verdict = WebhookVerdict.FAILED
    entry.events = entry.applied = 0
    entry.error = f"{type(exc).__name__}: {exc}"[:2000]


def _lock_calls(parsed: list[tuple[WebhookRequest, list]]) -> dict[int, LockedCalls]:
    by_project: dict[int, tuple[Project, list]] = {}
    for entry, events in parsed:
        by_project.setdefault(entry.project_id, (entry.project, []))[1].extend(events)
    return {pid: LockedCalls(project, events) for pid, (project, events) in by_project.items()}


def _mark_done(entries: list[WebhookRequest]) -> None:
    """Write back the batch's verdicts: one UPDATE per distinct outcome (most requests
    carry one event, so a batch needs two or three) instead of a row-by-row CASE."""
    now = timezone.now()
    groups: dict[tuple, list[int]] = {}
    for entry in entries:
        key = (entry.verdict, entry.events, entry.applied, entry.error)
        groups.setdefault(key, []).append(entry.pk)
        entry.applied_at = now
    for (verdict, events, applied, error), ids in groups.items():
        WebhookRequest.objects.filter(id__in=ids).update(
            verdict=verdict, events=events, applied=applied, error=error, applied_at=now
        )


def _anything_queued() -> bool:
    """The look before each batch (on SQLite 40 times a second when idle): one index
    probe, its SQL built once."""
    with connection.cursor() as cursor:
        cursor.execute(_probe_sql())
        return cursor.fetchone() is not None


@cache
def _probe_sql() -> str:
    meta, quote = WebhookRequest._meta, connection.ops.quote_name
    verdict = quote(meta.get_field("verdict").column)
    return f"SELECT 1 FROM {quote(meta.db_table)} WHERE {verdict} = 'queued' LIMIT 1"  # noqa: S608


def _share_projects(entries: list[WebhookRequest]) -> None:
    """One Project instance per project, kept a few seconds across batches (the token
    cache of projects.py, emptied when a project or PBX account is saved), so its
    adapter is built once and a batch of one event costs no project query."""
    wanted = {entry.project_id for entry in entries}
    projects = {pid: p for pid in wanted if (p := recent_projects.get(("applier", pid)))}
    missing = wanted - projects.keys()
    if missing:
        for pid, project in Project.objects.select_related("pbx_account").in_bulk(missing).items():
            recent_projects.put(("applier", pid), project)
            projects[pid] = project
    for entry in entries:
        entry.project = projects[entry.project_id]


def replay(entry: WebhookRequest) -> WebhookRequest:
    """Apply a logged request again, now, as a new log entry.

    Authentication is not checked again (a signature's timestamp has long expired);
    events applied before are not applied twice.
    """
    again = WebhookRequest.objects.create(
        project=entry.project,
        vendor=entry.vendor,
        method=entry.method,
        query=entry.query,
        headers=entry.headers,
        body=entry.body,
        remote_addr=entry.remote_addr,
        verdict=WebhookVerdict.QUEUED,
    )
    apply_request_alone(again)
    if again.verdict != WebhookVerdict.FAILED:
        again.error = f"replay of request {entry.pk}"
    again.applied_at = timezone.now()
    again.save(update_fields=["verdict", "events", "applied", "applied_at", "error"])
    return again


def run(
    stop: threading.Event,
    *,
    poll: float | None = None,
    batch: int = BATCH,
    after_batch: Callable[[], None] | None = None,
) -> None:
    """Apply queued requests until ``stop`` is set; when idle, wait for the next one
    (wakeups.py: notified on PostgreSQL, a ``poll`` interval elsewhere)."""
    wake_ups = WakeUps(settings.WEBHOOK_APPLY_POLL_SECONDS if poll is None else poll)
    try:
        while not stop.is_set():
            try:
                taken = apply_queued(batch)
                if taken and after_batch is not None:
                    after_batch()
            except DatabaseError:
                log.exception("event applier: database unavailable; retrying in 1 s")
                connection.close()
                stop.wait(1.0)
                continue
            if not taken:
                wake_ups.wait(stop)
    finally:
        wake_ups.close()
