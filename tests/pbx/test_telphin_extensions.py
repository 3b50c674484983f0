"""Telphin extensions and event subscriptions, against recorded replies."""

from __future__ import annotations

import json

import pytest
import responses
from responses import matchers

from calls.pbx.base import NotSupported, PbxError
from calls.pbx.telphin.adapter import TelphinAdapter
from tests.pbx.telphin_support import (
    EVENTS_URL,
    EXT_URL,
    HOOK,
    add_token,
    fixture,
)


@responses.activate
def test_connection_counts_extensions(adapter):
    add_token(responses)
    responses.add(responses.GET, EXT_URL, json=fixture("extensions.json"))
    check = adapter.test_connection()
    assert check.ok and check.message == "Connected: 4 extensions" and not check.warnings
    assert [e.name for e in adapter.telphin_extensions()][:2] == ["000*001", "000*099"]
    # What "Import extensions" makes agents of: the phones, with the id Telphin's API needs.
    assert [(e.name, e.vendor_id) for e in adapter.list_extensions()] == [
        ("000*099", "175"),
        ("000*100", "176"),
    ]


class FakeEvents:
    """Telphin's /extension/175/event/ resource, with state, for responses."""

    def __init__(self, items: list[dict]) -> None:
        self.items = [dict(i) for i in items]
        self.next_id = 100

    def install(self, rsps) -> None:
        item_url = matchers.re.compile(rf"{EVENTS_URL}(\d+)$")
        rsps.add_callback(responses.GET, EVENTS_URL, callback=self.list)
        rsps.add_callback(responses.POST, EVENTS_URL, callback=self.create)
        rsps.add_callback(responses.PUT, item_url, callback=self.update)
        rsps.add_callback(responses.DELETE, item_url, callback=self.delete)

    def list(self, request):
        return 200, {}, json.dumps(self.items)

    def create(self, request):
        item = {**json.loads(request.body), "id": self.next_id}
        self.next_id += 1
        self.items.append(item)
        return 201, {}, json.dumps(item)

    def update(self, request):
        sub_id = int(request.url.rsplit("/", 1)[1])
        item = next(i for i in self.items if i["id"] == sub_id)
        item.update(json.loads(request.body))
        return 200, {}, json.dumps(item)

    def delete(self, request):
        sub_id = int(request.url.rsplit("/", 1)[1])
        if not any(i["id"] == sub_id for i in self.items):
            return 404, {}, json.dumps({"message": "Not found"})
        self.items = [i for i in self.items if i["id"] != sub_id]
        return 204, {}, ""


@responses.activate
def test_register_webhooks_is_idempotent_and_leaves_others_alone(adapter):
    add_token(responses)
    fake = FakeEvents(fixture("events_existing.json"))
    fake.install(responses)
    crm = dict(fake.items[0])

    first = adapter.subscribe_extension(175, HOOK)
    assert first.unchanged == (74,)  # hangup was already right
    assert first.updated == (73,)  # answer: old URL token and GET -> POST
    assert len(first.created) == 2  # dial-in, and dial-out beside the CRM's own
    assert fake.items[0] == crm
    ours = {i["event_type"]: i for i in fake.items if i["url"] == HOOK}
    assert set(ours) == {"dial-in", "dial-out", "answer", "hangup"}
    assert all(i["method"] == "POST" for i in ours.values())

    writes_before = len([c for c in responses.calls if c.request.method in ("POST", "PUT")])
    second = adapter.subscribe_extension(175, HOOK)
    writes_after = len([c for c in responses.calls if c.request.method in ("POST", "PUT")])
    assert writes_after == writes_before
    assert not second.created and not second.updated and len(second.unchanged) == 4


@responses.activate
def test_register_webhooks_reports_our_duplicates(adapter):
    add_token(responses)
    doubled = [
        {"id": 1, "url": HOOK, "method": "POST", "event_type": "hangup"},
        {"id": 2, "url": HOOK, "method": "POST", "event_type": "hangup"},
    ]
    FakeEvents(doubled).install(responses)
    sync = adapter.subscribe_extension(175, HOOK, event_types=("hangup",))
    assert sync.unchanged == (1,) and sync.duplicates == (2,)


@responses.activate
def test_subscription_limit_is_a_sentence(adapter):
    add_token(responses)
    responses.add(responses.GET, EVENTS_URL, json=[])
    responses.add(responses.POST, EVENTS_URL, json={"message": "Events limit exceeded"}, status=400)
    with pytest.raises(PbxError, match="Events limit exceeded"):
        adapter.subscribe_extension(175, HOOK)


@responses.activate
def test_delete_event_subscription_is_idempotent(adapter):
    add_token(responses)
    fake = FakeEvents(fixture("events_existing.json"))
    fake.install(responses)
    adapter.delete_event_subscription(175, 73)
    adapter.delete_event_subscription(175, 73)
    assert [s.id for s in adapter.list_event_subscriptions(175)] == [72, 74]


def test_hang_up_needs_the_agents_extension_id(adapter):
    assert TelphinAdapter.can_hangup is True
    with pytest.raises(NotSupported, match="extension id"):
        adapter.hangup("4b1c0f5e8a6d11ef9d3a0242ac120007")
