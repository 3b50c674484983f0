"""Every adapter against the running sandbox PBX, over real sockets.

The sandbox was written from the vendor documents independently of calls/pbx, so a
request the adapter builds wrongly is refused here the way the vendor would refuse it.
"""

from __future__ import annotations

import time

import pytest

from calls.pbx.base import EventKind, HangupOutcome, PbxError
from tests.pbx.vs_sandbox import (
    BUSY,
    HANGS,
    RIGS,
    VENDORS,
    closed_port_url,
    finished_call,
    last_seq,
    originates,
    received_events,
)

pytestmark = pytest.mark.slow

WRONG_SECRET = {
    "while1": "api_token",
    "voipcenter": "private_key",
    "telphin": "client_secret",
    "sandbox": "api_token",
}


@pytest.fixture(params=VENDORS)
def rig(request, live_sandbox, receiver):
    return RIGS[request.param](live_sandbox, receiver)


def test_a_call_is_originated_once_and_its_events_parse_in_order(live_sandbox, receiver, rig):
    since = last_seq(live_sandbox)
    request = rig.request()
    result = rig.adapter.originate(request)
    assert result.ok, result.message
    sent = originates(live_sandbox, rig, since)
    assert [entry["verdict"] for entry in sent] == ["ok"]  # exactly one, and accepted

    call = finished_call(live_sandbox, rig)
    events = received_events(rig, receiver)
    assert [(event.kind, event.leg) for event in events] == rig.script
    assert events[-1].outcome is HangupOutcome.COMPLETED
    assert len({event.dedupe_key for event in events}) == len(events)
    if result.vendor_call_id:  # VoipCenter's call.php returns none
        assert {event.vendor_call_id for event in events} == {result.vendor_call_id}
    if rig.account["dialect"] in ("while1", "sandbox"):  # the dialects that echo our id
        assert {event.external_id for event in events} == {request.external_id}
    assert call["outcome"] == "completed"


def test_a_busy_customer_ends_the_call_busy(live_sandbox, receiver, rig):
    assert rig.adapter.originate(rig.request(BUSY)).ok
    finished_call(live_sandbox, rig)
    events = received_events(rig, receiver)
    assert events[-1].kind is EventKind.HANGUP
    assert events[-1].outcome is HangupOutcome.BUSY


def test_connection_check_tells_right_from_wrong_credentials(rig):
    check = rig.adapter.test_connection()
    assert check.ok, check.message
    wrong = rig.wrong(WRONG_SECRET[rig.account["dialect"]]).test_connection()
    assert not wrong.ok
    assert wrong.message.endswith(".") and len(wrong.message) > 40  # a sentence, not a code


def test_a_pbx_that_never_answers_may_still_ring(live_sandbox, rig):
    adapter = rig.adapter_with(read_timeout=0.4)
    if rig.account["dialect"] == "telphin":
        adapter.list_extensions()  # fetch the token first: only the callback should hang
    since = last_seq(live_sandbox)
    started = time.monotonic()
    with pytest.raises(PbxError) as caught:
        adapter.originate(rig.request(HANGS))
    assert time.monotonic() - started < 1.5
    assert caught.value.permanent  # never retried: the PBX has the request
    assert "may still ring" in caught.value.message
    assert len(originates(live_sandbox, rig, since)) == 1


def test_a_closed_port_is_safe_to_retry(rig):
    prefix = rig.adapter.config.base_url.rsplit("/", 1)[-1]
    adapter = rig.adapter_with(base_url=closed_port_url(prefix))
    with pytest.raises(PbxError) as caught:
        adapter.originate(rig.request())
    assert not caught.value.permanent  # the PBX provably never saw it
    assert "Could not reach" in caught.value.message
