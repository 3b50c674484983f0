"""While1 Voice dialect of the sandbox, over real sockets, with hand-written requests."""

from __future__ import annotations

import copy
import socket
import time
import urllib.error
import urllib.request

import pytest

from tests.sandbox.while1_example import ORIGINATE_EXAMPLE, PHP_HASH, PHP_QUERY

PARAMS = {**ORIGINATE_EXAMPLE, "api_hash": PHP_HASH}
URL = "/while1/api/originate-call"


@pytest.fixture
def signed(sandbox_pbx):
    """An account with an api_key, as the vendor's Settings :: Parameters page issues it."""
    return sandbox_pbx.put_account(
        {"dialect": "while1", "api_token": "tok-" + "x" * 20, "api_key": "k3y", "project_id": 1}
    )


def auth(account):
    return {"Authorization": f"Bearer {account['api_token']}"}


def test_json_with_php_hash_is_accepted(sandbox_pbx, signed):
    reply = sandbox_pbx.http("POST", URL, json_body=PARAMS, headers=auth(signed))
    assert reply.status == 200
    assert reply.json() == {
        "has_error": False,
        "messages": [],
        "results": ["Call successfully originated for queue: test-queue"],
    }


@pytest.mark.parametrize("method", ["POST", "GET"])
def test_form_and_query_with_php_hash_are_accepted(sandbox_pbx, signed, method):
    query = f"{PHP_QUERY}&api_hash={PHP_HASH}"
    if method == "POST":
        headers = {**auth(signed), "Content-Type": "application/x-www-form-urlencoded"}
        reply = sandbox_pbx.http("POST", URL, data=query, headers=headers)
    else:
        reply = sandbox_pbx.http("GET", f"{URL}?{query}", headers=auth(signed))
    assert reply.json()["has_error"] is False


def test_one_changed_byte_breaks_the_hash(sandbox_pbx, signed):
    tampered = copy.deepcopy(PARAMS)
    tampered["data"]["caller_id_name"] = "John Dof"
    reply = sandbox_pbx.http("POST", URL, json_body=tampered, headers=auth(signed))
    assert reply.json() == {
        "has_error": True,
        "messages": ["Hash does not match"],
        "pagination": [],
        "results": [],
    }


def test_missing_bearer_is_token_does_not_match(sandbox_pbx, signed):
    reply = sandbox_pbx.http("POST", URL, json_body=PARAMS)
    assert reply.json()["messages"] == ["Token does not match"]
    last = sandbox_pbx.requests()[-1]
    assert last["verdict"] == "refused" and last["reason"] == "Token does not match"
    assert last["params"]["api_hash"] == "***"


def test_legacy_username_password_warns(sandbox_pbx):
    account = sandbox_pbx.put_account(
        {
            "dialect": "while1",
            "api_token": "t-legacy-1",
            "api_username": "usr",
            "api_password": "pw",
        }
    )
    body = {"api_username": "usr", "api_password": "pw", "data": {**PARAMS["data"]}}
    reply = sandbox_pbx.http("POST", URL, json_body=body).json()
    assert reply["has_error"] is False
    assert "deprecated" in reply["warnings"][0]
    wrong = sandbox_pbx.http("POST", URL, json_body={**body, "api_password": "nope"}).json()
    assert wrong["messages"] == ["Token does not match"]
    assert account["name"]


def plain(sandbox_pbx, **extra):
    return sandbox_pbx.put_account(
        {"dialect": "while1", "api_token": sandbox_pbx.unique("t"), **extra}
    )


def originate(sandbox_pbx, account, timeout=5.0, **data):
    fields = {
        "project_id": 1,
        "caller_id": "+40722000111",
        "caller_id_name": "Ion",
        "type": "user",
        "destination": "101",
        "external_id": sandbox_pbx.unique("e"),
        **data,
    }
    return sandbox_pbx.http(
        "POST", URL, json_body={"data": fields}, headers=auth(account), timeout=timeout
    )


def test_mandatory_fields_and_project(sandbox_pbx):
    account = plain(sandbox_pbx, project_id=7)
    reply = sandbox_pbx.http(
        "POST", URL, json_body={"data": {"caller_id": "1"}}, headers=auth(account)
    ).json()
    assert "Missing mandatory parameter: project_id" in reply["messages"]
    assert originate(sandbox_pbx, account, project_id=1).json()["messages"] == [
        "Invalid Project. Check if pbx project exists"
    ]
    assert originate(sandbox_pbx, account, project_id=7, type="bogus").json()["has_error"]


def test_offline_agent_and_refusing_trunk(sandbox_pbx):
    account = plain(sandbox_pbx)
    assert originate(sandbox_pbx, account, destination="999").json()["messages"] == [
        "User is not online"
    ]
    refused = originate(sandbox_pbx, account, caller_id="+40722000500").json()
    assert refused["has_error"] and "refused" in refused["messages"][0]


def test_async_0_holds_until_the_agent_answers(sandbox_pbx):
    account = plain(sandbox_pbx, agent_answer_delay=0.4)
    started = time.monotonic()
    reply = originate(sandbox_pbx, account, **{"async": 0}).json()
    assert reply["has_error"] is False
    assert time.monotonic() - started >= 0.35


def test_async_0_reports_an_agent_who_never_answers(sandbox_pbx):
    account = plain(sandbox_pbx, ring_timeout=0.3)
    reply = originate(sandbox_pbx, account, destination="998", **{"async": 0}).json()
    assert reply == {
        "has_error": True,
        "messages": ["User did not answer"],
        "pagination": [],
        "results": [],
    }


def test_magic_504_never_answers_in_time(sandbox_pbx):
    account = plain(sandbox_pbx, hang_time=2)
    with pytest.raises((TimeoutError, socket.timeout, urllib.error.URLError)):
        originate(sandbox_pbx, account, caller_id="+40722000504", timeout=0.5)


def test_unknown_endpoint_is_404(sandbox_pbx):
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(sandbox_pbx.url + "/while1/api/nope", timeout=5)
    assert info.value.code == 404
