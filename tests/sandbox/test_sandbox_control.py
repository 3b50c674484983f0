"""Inbound calls with caller lookup, the control API, and the config file."""

from __future__ import annotations

import json
import os
import time
import urllib.parse

from tests.sandbox.harness import running_sandbox, wait_for


def test_inbound_call_asks_the_lookup_url_first(sandbox_pbx, receiver):
    account = sandbox_pbx.put_account(
        {
            "dialect": "while1",
            "api_token": sandbox_pbx.unique("t"),
            "event_url": f"{receiver.url}/hooks/",
            "lookup_url": f"{receiver.url}/lookup/tok123/?",
        }
    )
    reply = sandbox_pbx.http(
        "POST",
        "/_sandbox/inbound",
        json_body={
            "account": account["name"],
            "from": "+40722000111",
            "to": "+40212345678",
            "extension": "101",
            "answer": True,
        },
    )
    assert reply.status == 201
    snap = sandbox_pbx.wait_call(reply.json()["call_id"])
    lookup = receiver.at("/lookup")[0]
    assert lookup["query"] == {"telephone": "+40722000111", "dnid": "+40212345678"}
    assert receiver.received.index(lookup) == 0  # before any event
    assert snap["lookup"]["body"]["name"] == "John Doe"
    assert "tok123" in snap["lookup"]["url"]  # a path segment, not a secret parameter
    # While1's own Send Events: GETs, the answer naming the agent, then its end.
    got = [e["query"] for e in receiver.at("/hooks")]
    assert all(e["method"] == "GET" for e in receiver.at("/hooks"))
    assert [e["event"] for e in got] == ["queue_answer", "queue_answer_end"]
    assert got[0]["agent"] == "101" and got[0]["direction"] == "IN"
    assert got[0]["telephone"] == "0722000111"  # While1 writes numbers nationally


def test_missed_inbound_call(sandbox_pbx, receiver):
    account = sandbox_pbx.put_account(
        {
            "dialect": "sandbox",
            "api_token": sandbox_pbx.unique("t"),
            "event_url": f"{receiver.url}/hooks/",
        }
    )
    call_id = sandbox_pbx.http(
        "POST",
        "/_sandbox/inbound",
        json_body={
            "account": account["name"],
            "from": "+40722000111",
            "to": "+40212345678",
            "extension": "101",
            "answer": False,
        },
    ).json()["call_id"]
    sandbox_pbx.wait_call(call_id)
    got = [json.loads(e["body"]) for e in receiver.at("/hooks")]
    assert [e["event"] for e in got] == ["dial-in", "hangup"]
    assert got[-1]["status"] == "no_answer"
    assert receiver.at("/lookup") == []


def test_telphin_inbound_events(sandbox_pbx, receiver):
    account = sandbox_pbx.put_account(
        {
            "dialect": "telphin",
            "client_id": sandbox_pbx.unique("c"),
            "client_secret": "s",
            "extensions": [{"id": 175, "name": "000*099"}],
        }
    )
    form = urllib.parse.urlencode(
        {
            "grant_type": "client_credentials",
            "client_id": account["client_id"],
            "client_secret": "s",
        }
    )
    access = sandbox_pbx.http("POST", "/telphin/oauth/token", data=form).json()["access_token"]
    for kind in ("dial-in", "answer", "hangup"):
        sandbox_pbx.http(
            "POST",
            "/telphin/api/ver1.0/extension/175/event/",
            json_body={"url": f"{receiver.url}/hook", "method": "POST", "event_type": kind},
            headers={"Authorization": f"Bearer {access}"},
        )
    call_id = sandbox_pbx.http(
        "POST",
        "/_sandbox/inbound",
        json_body={
            "account": account["name"],
            "from": "+79817654321",
            "to": "+74950000000",
            "extension": "000*099",
        },
    ).json()["call_id"]
    sandbox_pbx.wait_call(call_id)
    got = [dict(urllib.parse.parse_qsl(e["body"].decode())) for e in receiver.at("/hook")]
    assert [g["EventType"] for g in got] == ["dial-in", "answer", "hangup"]
    assert {g["CallFlow"] for g in got} == {"in"}
    assert got[0]["CalledExtension"] == "000*099@sipproxy.telphin.ru"  # Telphin's live form
    assert got[0]["CallerIDNum"] == got[0]["RemoteNumber"] == "+79817654321"


def test_requests_since_and_health(sandbox_pbx):
    health = sandbox_pbx.http("GET", "/_sandbox/health").json()
    assert health["status"] == "ok"
    seq = max([e["seq"] for e in sandbox_pbx.requests()] or [0])
    sandbox_pbx.http(
        "POST",
        "/generic/originate",
        json_body={},
        headers={"Authorization": "Bearer secret-token-value"},
    )
    newer = sandbox_pbx.requests(since=seq)
    assert len(newer) == 1 and newer[0]["verdict"] == "refused" and newer[0]["status"] == 401
    assert "secret-token-value" not in json.dumps(newer)


def test_accounts_api_masks_secrets(sandbox_pbx):
    account = sandbox_pbx.put_account({"dialect": "sandbox", "api_token": "very-secret"})
    shown = sandbox_pbx.http("GET", f"/_sandbox/accounts/{account['name']}").json()
    assert shown["api_token"] == "***"
    bad = sandbox_pbx.http("PUT", "/_sandbox/accounts/x", json_body={"dialect": "nope"})
    assert bad.status == 400


def test_config_file_is_reread_and_reset(tmp_path):
    config = tmp_path / "sandbox.json"
    with running_sandbox(tmp_path, config=config) as sandbox:
        assert sandbox.http("GET", "/_sandbox/accounts").json() == []
        config.write_text(
            json.dumps(
                {
                    "defaults": {"talk_time": 0.05},
                    "accounts": [
                        {"name": "from-file", "dialect": "sandbox", "api_token": "file-token"}
                    ],
                }
            )
        )
        headers = {"Authorization": "Bearer file-token"}
        wait_for(lambda: sandbox.http("GET", "/generic/whoami", headers=headers).status == 200)
        config.write_text("{ broken")  # a half-saved edit keeps the last good accounts
        stamp = time.time() + 5
        os.utime(config, (stamp, stamp))
        assert sandbox.http("GET", "/generic/whoami", headers=headers).status == 200
        config.unlink()
        assert sandbox.http("GET", "/generic/whoami", headers=headers).status == 401
        sandbox.put_account({"name": "api", "dialect": "sandbox", "api_token": "api-token"})
        sandbox.reset()
        assert sandbox.http("GET", "/_sandbox/accounts").json() == []
        assert sandbox.requests() == []
        log = sandbox.log_path.read_text()
        assert "file-token" not in log and "api-token" not in log
