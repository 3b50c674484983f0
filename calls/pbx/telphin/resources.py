"""Telphin's extension and event-subscription resources as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from calls.pbx.telphin.events import plain_call_id


@dataclass(frozen=True)
class TelphinExtension:
    id: int
    name: str  # "<client prefix>*<number>", what src_num and events use
    type: str = ""  # phone | queue | ivr | fax
    status: str = ""
    label: str = ""


@dataclass(frozen=True)
class EventSubscription:
    id: int
    event_type: str
    url: str
    method: str


@dataclass(frozen=True)
class SubscriptionSync:
    """What register_webhooks changed, by subscription id."""

    created: tuple[int, ...] = ()
    updated: tuple[int, ...] = ()
    unchanged: tuple[int, ...] = ()
    duplicates: tuple[int, ...] = ()  # more of ours for one event type: left alone


def subscription_from(item: dict[str, Any]) -> EventSubscription:
    return EventSubscription(
        id=int(item.get("id") or 0),
        event_type=str(item.get("event_type", "")),
        url=str(item.get("url", "")),
        method=str(item.get("method", "")).upper(),
    )


def same_endpoint(a: str, b: str) -> bool:
    pa, pb = urlsplit(a), urlsplit(b)
    return (pa.scheme, pa.netloc, pa.path.rstrip("/").rsplit("/", 1)[0]) == (
        pb.scheme,
        pb.netloc,
        pb.path.rstrip("/").rsplit("/", 1)[0],
    )


def extensions_from(items: list[Any]) -> list[TelphinExtension]:
    """One page of ``/client/@me/extension/``; rows without a numeric id are skipped."""
    return [
        TelphinExtension(
            id=int(item["id"]),
            name=str(item.get("name", "")),
            type=str(item.get("type", "")),
            status=str(item.get("status", "")),
            label=str(item.get("label", "") or ""),
        )
        for item in items
        if isinstance(item, dict) and str(item.get("id", "")).isdigit()
    ]


def live_call_api_id(body: Any, call_id: str) -> str:
    """Our call's id as an extension's ``current_calls`` list writes it, or "".

    The list is ``{"call_list": [...]}`` (Telphin's CRM plugin) or a bare list;
    an entry is ours when its call_api_id, or call_id, is our plain hex in any shape.
    """
    entries = body.get("call_list") if isinstance(body, dict) else body
    wanted = plain_call_id(call_id)
    for entry in entries if isinstance(entries, list) else ():
        if not isinstance(entry, dict):
            continue
        api_id = str(entry.get("call_api_id") or "")
        if wanted and wanted in (
            plain_call_id(api_id),
            plain_call_id(str(entry.get("call_id") or "")),
        ):
            return api_id or wanted
    return ""
