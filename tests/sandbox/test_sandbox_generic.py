"""Generic JSON dialect: originate, hangup, signed events in the contract's order."""

from __future__ import annotations

import hashlib
import hmac
import json
import time

import pytest

from tests.sandbox.harness import wait_for

OUTBOUND = [
    ("dial-in", "agent"),
    ("answer", "agent"),
    ("dial-out", "customer"),
    ("answer", "customer"),
    ("hangup", "customer"),
]


@pytest.fixture
def account(sandbox_pbx, receiver):
    return sandbox_pbx.put_account(
        {
            "dialect": "sandbox",
            "api_token": sandbox_pbx.unique("tok"),
            "event_url": f"{receiver.url}/hooks/sandbox/",
            "signing_secret": "whsec",
        }
    )


def auth(account):
    return {"Authorization": f"Bearer {account['api_token']}"}


def originate(sandbox_pbx, account, number="+40722000111", extension="101", **extra):
    body = {
        "external_id": sandbox_pbx.unique("ext"),
        "number": number,
        "extension": extension,
        "caller_name": "Ion",
        **extra,
    }
    return sandbox_pbx.http("POST", "/generic/originate", json_body=body, headers=auth(account))


def events(receiver):
    return [json.loads(e["body"]) for e in receiver.at("/hooks")]


def check_signature(entry, secret):
    parts = dict(p.split("=", 1) for p in entry["headers"]["x-pbx-signature"].split(","))
    mac = hmac.new(secret.encode(), f"{parts['t']}.".encode() + entry["body"], hashlib.sha256)
    assert hmac.compare_digest(mac.hexdigest(), parts["v1"])
    assert abs(time.time() - int(parts["t"])) < 60


def test_full_call_delivers_signed_events_in_order(sandbox_pbx, account, receiver):
    reply = originate(sandbox_pbx, account)
    assert reply.status == 201
    call_id = reply.json()["call_id"]
    snap = sandbox_pbx.wait_call(call_id)
    got = events(receiver)
    assert [(e["event"], e["leg"]) for e in got] == OUTBOUND
    assert {e["call_id"] for e in got} == {call_id}
    assert len({e["event_id"] for e in got}) == 5
    assert got[-1]["status"] == "completed" and got[0]["direction"] == "outbound"
    assert got[0]["to"] == "+40722000111" and got[0]["extension"] == "101"
    assert got[0]["external_id"] == snap["info"]["external_id"]
    for entry in receiver.at("/hooks"):
        check_signature(entry, "whsec")
    assert snap["outcome"] == "completed"
    assert all(t["ok"] for e in snap["events"] for t in e["deliveries"])


@pytest.mark.parametrize(
    ("number", "status"),
    [("+40722000486", "busy"), ("+40722000408", "no_answer"), ("+40722000603", "busy")],
)
def test_magic_numbers(sandbox_pbx, account, receiver, number, status):
    call_id = originate(sandbox_pbx, account, number=number).json()["call_id"]
    sandbox_pbx.wait_call(call_id)
    got = events(receiver)
    assert [e["event"] for e in got] == ["dial-in", "answer", "dial-out", "hangup"]
    assert got[-1]["status"] == status and got[-1]["reason"]


def test_agent_who_never_answers(sandbox_pbx, account, receiver):
    call_id = originate(sandbox_pbx, account, extension="998").json()["call_id"]
    sandbox_pbx.wait_call(call_id)
    got = events(receiver)
    assert [(e["event"], e["leg"]) for e in got] == [("dial-in", "agent"), ("hangup", "agent")]
    assert got[-1]["status"] == "no_answer"


def test_refusals(sandbox_pbx, account):
    assert originate(sandbox_pbx, account, extension="999").json()["error"] == "agent_offline"
    assert originate(sandbox_pbx, account, number="+40722000500").status == 502
    assert originate(sandbox_pbx, account, number="not a number").status == 400
    assert sandbox_pbx.http("POST", "/generic/originate", json_body={}).status == 401


def test_hangup_during_the_call(sandbox_pbx, receiver):
    account = sandbox_pbx.put_account(
        {
            "dialect": "sandbox",
            "api_token": sandbox_pbx.unique("t"),
            "event_url": f"{receiver.url}/hooks/",
            "talk_time": 30,
        }
    )
    call_id = originate(sandbox_pbx, account).json()["call_id"]
    wait_for(lambda: sandbox_pbx.call(call_id)["state"] == "answered")
    reply = sandbox_pbx.http("POST", f"/generic/calls/{call_id}/hangup", headers=auth(account))
    assert reply.status == 200 and reply.json()["state"] == "completed"
    snap = sandbox_pbx.wait_call(call_id)
    assert snap["reason"] == "Hung up through the API."
    assert "x-pbx-signature" not in receiver.at("/hooks")[0]["headers"]  # no signing secret
    assert (
        sandbox_pbx.http("POST", "/generic/calls/sbx-nope/hangup", headers=auth(account)).status
        == 404
    )


def test_receiver_failures_are_retried(sandbox_pbx, account, receiver):
    receiver.fail_first = 2
    call_id = originate(sandbox_pbx, account).json()["call_id"]
    snap = sandbox_pbx.wait_call(call_id)
    first = snap["events"][0]["deliveries"][0]
    assert [a["status"] for a in first["attempts"]] == [500, 500, 200] and first["ok"]
    assert first["secret"] == "***"
    assert [e["event"] for e in events(receiver)][-5:] == [e for e, _ in OUTBOUND]


def test_whoami(sandbox_pbx, account):
    reply = sandbox_pbx.http("GET", "/generic/whoami", headers=auth(account))
    assert reply.json() == {"account": account["name"], "dialect": "sandbox"}
