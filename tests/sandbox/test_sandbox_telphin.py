"""Telphin dialect of the sandbox: OAuth, extensions, subscriptions, callback and events."""

from __future__ import annotations

import time
import urllib.parse
import uuid

import pytest

from sandbox.dialects.telphin import TelphinState
from tests.sandbox.harness import wait_for

API = "/telphin/api/ver1.0"


@pytest.fixture
def account(sandbox_pbx):
    return sandbox_pbx.put_account(
        {
            "dialect": "telphin",
            "client_id": sandbox_pbx.unique("app"),
            "client_secret": "cs-1",
            "extensions": [{"id": 175, "name": "000*099"}, {"id": 176, "name": "000*100"}],
        }
    )


def token(sandbox_pbx, account, secret=None):
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": account["client_id"],
            "client_secret": secret or account["client_secret"],
        }
    )
    return sandbox_pbx.http(
        "POST",
        "/telphin/oauth/token",
        data=form,
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )


def bearer(sandbox_pbx, account):
    return {"Authorization": f"Bearer {token(sandbox_pbx, account).json()['access_token']}"}


def test_token_flow_and_extensions(sandbox_pbx, account):
    reply = token(sandbox_pbx, account)
    assert reply.status == 200
    body = reply.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert token(sandbox_pbx, account, secret="wrong").status == 401
    extensions = sandbox_pbx.http(
        "GET",
        f"{API}/client/@me/extension/",
        headers={"Authorization": f"Bearer {body['access_token']}"},
    )
    assert [(e["id"], e["name"]) for e in extensions.json()] == [(175, "000*099"), (176, "000*100")]


def test_401_without_or_with_expired_token(sandbox_pbx, account):
    missing = sandbox_pbx.http("GET", f"{API}/client/@me/extension/")
    assert missing.status == 401 and missing.json()["error"] == "invalid_token"
    short = sandbox_pbx.put_account({**account, "token_ttl": 0})  # expired once issued
    headers = bearer(sandbox_pbx, short)
    expired = sandbox_pbx.http("GET", f"{API}/client/@me/extension/", headers=headers)
    assert expired.status == 401 and expired.json()["message"] == "Access token expired"


def test_a_token_works_until_its_lifetime_is_over():
    now = [1000.0]
    tokens = TelphinState(clock=lambda: now[0])
    token = tokens.issue("acme", ttl=60)
    now[0] += 59
    assert tokens.account_for(token) == ("acme", "")
    now[0] += 1
    assert tokens.account_for(token) == ("", "Access token expired")


def test_event_subscription_crud(sandbox_pbx, account):
    headers = bearer(sandbox_pbx, account)
    base = f"{API}/extension/175/event/"
    sub = {
        "url": "https://somehost.com/fordel/show.php?myid=175",
        "method": "GET",
        "event_type": "dial-out",
    }
    created = sandbox_pbx.http("POST", base, json_body=sub, headers=headers)
    assert created.status == 201
    event_id = created.json()["id"]
    assert created.json() == {**sub, "id": event_id}
    assert sandbox_pbx.http("GET", base, headers=headers).json() == [{**sub, "id": event_id}]
    one = f"{base}{event_id}"
    changed = sandbox_pbx.http("PUT", one, json_body={"event_type": "hangup"}, headers=headers)
    assert changed.json()["event_type"] == "hangup" and changed.json()["url"] == sub["url"]
    assert sandbox_pbx.http("GET", one, headers=headers).json()["event_type"] == "hangup"
    assert sandbox_pbx.http("DELETE", one, headers=headers).status == 204
    assert sandbox_pbx.http("GET", one, headers=headers).status == 404
    sandbox_pbx.http("POST", base, json_body=sub, headers=headers)
    assert sandbox_pbx.http("DELETE", base, headers=headers).status == 204
    assert sandbox_pbx.http("GET", base, headers=headers).json() == []
    bad = sandbox_pbx.http("POST", base, json_body={**sub, "event_type": "ring"}, headers=headers)
    assert bad.status == 400
    assert sandbox_pbx.http("GET", f"{API}/extension/999/event/", headers=headers).status == 404


def subscribe(sandbox_pbx, headers, receiver, method):
    for event_type in ("dial-in", "dial-out", "answer", "hangup"):
        sub = {
            "url": f"{receiver.url}/hook/{event_type}?myid=175",
            "method": method,
            "event_type": event_type,
        }
        assert (
            sandbox_pbx.http(
                "POST", f"{API}/extension/175/event/", json_body=sub, headers=headers
            ).status
            == 201
        )


def callback(sandbox_pbx, headers, dst="+79817654321"):
    body = {
        "src_num": ["000*099"],
        "dst_num": dst,
        "caller_id_name": "Shop",
        "caller_id_number": "+74950000000",
        "call_twice": False,
    }
    return sandbox_pbx.http(
        "POST", f"{API}/extension/175/callback/", json_body=body, headers=headers
    )


def fields(entry):
    if entry["method"] == "GET":
        return entry["query"]
    return dict(urllib.parse.parse_qsl(entry["body"].decode()))


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_callback_sends_events_in_order(sandbox_pbx, account, receiver, method):
    headers = bearer(sandbox_pbx, account)
    subscribe(sandbox_pbx, headers, receiver, method)
    reply = callback(sandbox_pbx, headers)
    assert reply.status == 201
    call_id = reply.json()["call_id"]
    assert reply.json() == {"call_api_id": call_id, "call_id": call_id}
    assert len(call_id) == 32 and int(call_id, 16) >= 0  # plain hex, as a public SDK recorded
    wait_for(lambda: len(receiver.at("/hook")) >= 3)
    time.sleep(0.1)  # nothing more may follow
    got = [fields(e) for e in receiver.at("/hook")]
    # "Calling itself": no dial-in for the agent's own extension.
    assert [g["EventType"] for g in got] == ["dial-out", "answer", "hangup"]
    assert all(
        e["method"] == method and e["query"].get("myid") == "175" for e in receiver.at("/hook")
    )
    # The live shapes: CallID is the callback's id, CallAPIID the same hex dashed after digits.
    assert {g["CallID"] for g in got} == {call_id}
    assert {g["CallAPIID"] for g in got} == {f"3584709739-{uuid.UUID(call_id)}"}
    assert {g["SubCallID"] for g in got} == {f"175-{call_id}"}
    assert [g["CallStatus"] for g in got] == ["CALLING", "ANSWER", "ANSWER"]
    assert {g["RemoteNumber"] for g in got} == {"+79817654321"}
    assert len({g["CallBackID"] for g in got}) == 1
    assert {g["CallFlow"] for g in got} == {"out"}
    assert got[0]["CalledNumber"] == "+79817654321" and (
        got[0]["CallerExtension"] == "000*099@sipproxy.telphin.ru"
    )
    assert got[2]["CallStatus"] == "ANSWER" and int(got[2]["Duration"]) > 0
    assert int(got[0]["EventTime"]) <= int(got[1]["EventTime"]) <= int(got[2]["EventTime"])


def test_busy_customer_ends_with_busy(sandbox_pbx, account, receiver):
    headers = bearer(sandbox_pbx, account)
    subscribe(sandbox_pbx, headers, receiver, "POST")
    assert callback(sandbox_pbx, headers, dst="+79817654486").status == 201
    wait_for(lambda: any(fields(e)["EventType"] == "hangup" for e in receiver.at("/hook")))
    got = [fields(e) for e in receiver.at("/hook")]
    assert [g["EventType"] for g in got] == ["dial-out", "hangup"]
    assert got[-1]["CallStatus"] == "BUSY" and got[-1]["Duration"] == "0"


def test_callback_validation(sandbox_pbx, account):
    headers = bearer(sandbox_pbx, account)
    bad = sandbox_pbx.http(
        "POST",
        f"{API}/extension/175/callback/",
        json_body={"src_num": "000*099", "dst_num": "1"},
        headers=headers,
    )
    assert bad.status == 400
    unknown = sandbox_pbx.http(
        "POST",
        f"{API}/extension/1/callback/",
        json_body={"src_num": ["1"], "dst_num": "1"},
        headers=headers,
    )
    assert unknown.status == 404


def test_extensions_come_page_by_page(sandbox_pbx):
    many = [{"id": 1000 + i, "name": f"000*{100 + i}"} for i in range(5)]
    many.append({"id": 2000, "name": "000*001", "type": "ivr"})
    account = sandbox_pbx.put_account(
        {
            "dialect": "telphin",
            "client_id": sandbox_pbx.unique("a"),
            "client_secret": "cs",
            "extensions": many,
        }
    )
    headers = bearer(sandbox_pbx, account)

    def page(number):
        query = f"type=phone&status=active&per_page=2&page={number}"
        return sandbox_pbx.http(
            "GET", f"{API}/client/@me/extension/?{query}", headers=headers
        ).json()

    assert [[e["id"] for e in page(n)] for n in (1, 2, 3, 4)] == [
        [1000, 1001],
        [1002, 1003],
        [1004],
        [],
    ]


def test_current_calls_lists_a_live_call_and_delete_ends_it(sandbox_pbx, receiver):
    account = sandbox_pbx.put_account(
        {
            "dialect": "telphin",
            "client_id": sandbox_pbx.unique("app"),
            "client_secret": "cs-1",
            "extensions": [{"id": 175, "name": "000*099"}],
            "talk_time": 30,
        }
    )
    headers = bearer(sandbox_pbx, account)
    subscribe(sandbox_pbx, headers, receiver, "POST")
    call_id = callback(sandbox_pbx, headers).json()["call_id"]
    wait_for(lambda: any(fields(e)["EventType"] == "answer" for e in receiver.at("/hook")))
    current = f"{API}/extension/175/current_calls/"
    [row] = sandbox_pbx.http("GET", current, headers=headers).json()["call_list"]
    assert row["call_api_id"] == f"3584709739-{uuid.UUID(call_id)}"
    assert row["call_flow"] == "OUT" and row["answer_time_gmt"]
    assert sandbox_pbx.http("DELETE", current + row["call_api_id"], headers=headers).status == 204
    wait_for(lambda: any(fields(e)["EventType"] == "hangup" for e in receiver.at("/hook")))
    hangup = fields(receiver.at("/hook")[-1])
    assert hangup["CallStatus"] == "ANSWER" and int(hangup["Duration"]) > 0
    assert sandbox_pbx.http("GET", current, headers=headers).json() == {"call_list": []}
    gone = sandbox_pbx.http("DELETE", current + row["call_api_id"], headers=headers)
    assert gone.status == 404


def test_webhooks_registered_before_a_restart_keep_coming(sandbox_pbx, receiver):
    """The real Telphin keeps an extension's subscriptions; the sandbox forgets its own on
    restart, so the demo's config names the webhook its admin registered once."""
    account = sandbox_pbx.put_account(
        {
            "dialect": "telphin",
            "client_id": sandbox_pbx.unique("app"),
            "client_secret": "cs-1",
            "extensions": [{"id": 175, "name": "000*099"}],
            "registered_webhook": f"{receiver.url}/kept",
        }
    )
    assert callback(sandbox_pbx, bearer(sandbox_pbx, account)).status == 201
    wait_for(lambda: len(receiver.at("/kept")) >= 3)
    assert [fields(e)["EventType"] for e in receiver.at("/kept")] == [
        "dial-out",
        "answer",
        "hangup",
    ]
    assert {e["method"] for e in receiver.at("/kept")} == {"POST"}
