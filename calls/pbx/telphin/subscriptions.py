"""Telphin's event subscriptions (``/extension/{id}/event/``): where Telphin sends the
dial-in, dial-out, answer and hangup events of one extension (docs/vendors/telphin.md)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from calls.pbx.base import Extension, PbxError, WebhookRegistration
from calls.pbx.telphin.replies import checked
from calls.pbx.telphin.resources import (
    EventSubscription,
    SubscriptionSync,
    same_endpoint,
    subscription_from,
)
from calls.pbx.words import gettext as _

if TYPE_CHECKING:
    from calls.pbx.telphin.adapter import TelphinAdapter

DEFAULT_EVENT_TYPES = ("dial-in", "dial-out", "answer", "hangup")


def listed(adapter: TelphinAdapter, extension_id: int | str) -> list[EventSubscription]:
    response = adapter.api("GET", f"/extension/{extension_id}/event/")
    body = checked(response, _("list the events of extension %(id)s") % {"id": extension_id})
    return (
        [subscription_from(item) for item in body if isinstance(item, dict)]
        if isinstance(body, list)
        else []
    )


def subscribe(
    adapter: TelphinAdapter,
    extension_id: int | str,
    url: str,
    method: str = "POST",
    event_types: tuple[str, ...] = DEFAULT_EVENT_TYPES,
) -> SubscriptionSync:
    """Make Telphin call ``url`` for ``event_types``; running it twice changes nothing.

    A subscription is ours when it points at our endpoint (same origin and
    path up to the last segment, so a rotated URL token is updated in place);
    subscriptions of other integrations are never touched.
    """
    method = method.upper()
    existing = listed(adapter, extension_id)
    created, updated, unchanged, duplicates = [], [], [], []
    for event_type in event_types:
        ours = [s for s in existing if s.event_type == event_type and same_endpoint(s.url, url)]
        duplicates.extend(s.id for s in ours[1:])
        if ours and ours[0].url == url and ours[0].method == method:
            unchanged.append(ours[0].id)
            continue
        sub_id = ours[0].id if ours else None
        saved = _write(adapter, extension_id, sub_id, event_type, url, method)
        (updated if ours else created).append(saved)
    return SubscriptionSync(tuple(created), tuple(updated), tuple(unchanged), tuple(duplicates))


def _write(
    adapter: TelphinAdapter,
    extension_id: int | str,
    sub_id: int | None,
    event_type: str,
    url: str,
    method: str,
) -> int:
    path = f"/extension/{extension_id}/event/"
    payload = {"url": url, "method": method, "event_type": event_type}
    if sub_id is None:
        response = adapter.api("POST", path, json=payload)
    else:
        response = adapter.api("PUT", f"{path}{sub_id}", json=payload)
    body = checked(
        response,
        _("save the %(event)s event of extension %(id)s")
        % {"event": event_type, "id": extension_id},
    )
    return int(body.get("id", sub_id or 0)) if isinstance(body, dict) else int(sub_id or 0)


def delete(adapter: TelphinAdapter, extension_id: int | str, subscription_id: int) -> None:
    response = adapter.api("DELETE", f"/extension/{extension_id}/event/{subscription_id}")
    if response.status_code != 404:  # already gone is what we wanted
        checked(
            response,
            _("delete event %(event)s of extension %(id)s")
            % {"event": subscription_id, "id": extension_id},
        )


def register(
    adapter: TelphinAdapter, url: str, extensions: Sequence[Extension]
) -> WebhookRegistration:
    """Every extension with a Telphin id sends its events to ``url``; one refusal does
    not stop the others (each is named in ``failures``)."""
    known = sorted((e for e in extensions if e.vendor_id), key=lambda e: e.name)
    if not known:
        raise PbxError(_("No agent has a Telphin extension id yet; import the extensions first."))
    counts = {"created": 0, "updated": 0, "unchanged": 0}
    failures = []
    for extension in known:
        try:
            sync = subscribe(adapter, extension.vendor_id, url, "POST")
        except PbxError as exc:
            failures.append(f"{extension.name}: {exc.message}")
            continue
        counts["created"] += len(sync.created)
        counts["updated"] += len(sync.updated)
        counts["unchanged"] += len(sync.unchanged)
    return WebhookRegistration(
        extensions=len(known) - len(failures), failures=tuple(failures), **counts
    )
