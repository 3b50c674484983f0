"""Telphin's extension and event-subscription resources as plain values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit


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
