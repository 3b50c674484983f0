"""Telphin adapter against recorded replies: OAuth, callback, event subscriptions."""

from __future__ import annotations

import json
import logging
import socket
from urllib.parse import parse_qs

import pytest
import requests
import responses

from calls.pbx.base import PbxError
from calls.pbx.telphin.auth import InMemoryTokenCache, cache_key, cache_lifetime
from tests.pbx.telphin_support import (
    BASE,
    CALLBACK_URL,
    EXT_URL,
    SECRET,
    TOKEN_1,
    TOKEN_2,
    TOKEN_URL,
    add_token,
    call,
    calls_to,
    fixture,
    make_adapter,
)

# -- OAuth -----------------------------------------------------------------


@responses.activate
def test_token_request_is_client_credentials_form():
    add_token(responses)
    responses.add(responses.GET, EXT_URL, json=fixture("extensions.json"))
    make_adapter(InMemoryTokenCache()).list_extensions()
    sent = responses.calls[0].request
    assert sent.headers["Content-Type"] == "application/x-www-form-urlencoded"
    assert parse_qs(sent.body) == {
        "grant_type": ["client_credentials"],
        "client_id": ["app-175"],
        "client_secret": [SECRET],
    }
    assert responses.calls[1].request.headers["Authorization"] == f"Bearer {TOKEN_1}"


@responses.activate
def test_one_token_request_serves_two_calls(adapter):
    add_token(responses)
    responses.add(responses.POST, CALLBACK_URL, json=fixture("callback_201.json"), status=201)
    assert adapter.originate(call()).ok
    assert adapter.originate(call()).ok
    assert len(calls_to(responses, TOKEN_URL)) == 1
    assert len(calls_to(responses, CALLBACK_URL)) == 2


@responses.activate
def test_token_is_shared_by_adapters_of_one_account_only(cache):
    add_token(responses)
    responses.add(responses.GET, EXT_URL, json=fixture("extensions.json"))
    make_adapter(cache).list_extensions()
    make_adapter(cache).list_extensions()
    assert len(calls_to(responses, TOKEN_URL)) == 1
    make_adapter(cache, client_id="other-app", client_secret=SECRET).list_extensions()
    assert len(calls_to(responses, TOKEN_URL)) == 2


@responses.activate
def test_token_is_refreshed_before_it_expires(adapter, clock):
    add_token(responses)
    responses.add(responses.GET, EXT_URL, json=fixture("extensions.json"))
    adapter.list_extensions()
    clock.now += 3600 - 61  # inside the 60 s margin: still good
    adapter.list_extensions()
    assert len(calls_to(responses, TOKEN_URL)) == 1
    clock.now += 2
    adapter.list_extensions()
    assert len(calls_to(responses, TOKEN_URL)) == 2


def test_cache_lifetime_and_key():
    assert cache_lifetime(3600) == 3540
    assert cache_lifetime(None) == 270
    assert cache_lifetime("30") == 27
    assert cache_key(BASE + "/", "a") == cache_key(BASE, "a") != cache_key(BASE, "b")
    assert " " not in cache_key("http://x y", "id with spaces")


@responses.activate
def test_401_gets_a_new_token_and_retries_exactly_once(adapter):
    add_token(responses)
    add_token(responses, "oauth_token_2.json")
    responses.add(responses.GET, EXT_URL, json=fixture("unauthorized_401.json"), status=401)
    responses.add(responses.GET, EXT_URL, json=fixture("extensions.json"))
    assert len(adapter.telphin_extensions()) == 4
    sent = calls_to(responses, EXT_URL)
    assert [c.request.headers["Authorization"] for c in sent] == [
        f"Bearer {TOKEN_1}",
        f"Bearer {TOKEN_2}",
    ]
    assert len(calls_to(responses, TOKEN_URL)) == 2


@responses.activate
def test_second_401_is_an_error_not_a_loop(adapter):
    add_token(responses)
    add_token(responses, "oauth_token_2.json")
    responses.add(responses.GET, EXT_URL, json=fixture("unauthorized_401.json"), status=401)
    check = adapter.test_connection()
    assert not check.ok
    assert "Invalid or expired access token" in check.message
    assert len(calls_to(responses, EXT_URL)) == 2
    assert len(calls_to(responses, TOKEN_URL)) == 2


@responses.activate
def test_401_keeps_a_token_another_worker_already_renewed(adapter, cache):
    key = cache_key(BASE, "app-175")
    cache.set(key, "stale", 100)

    def refused_while_another_worker_renews(request):
        cache.set(key, "fresh-from-elsewhere", 100)
        return 401, {}, json.dumps(fixture("unauthorized_401.json"))

    responses.add_callback(responses.GET, EXT_URL, callback=refused_while_another_worker_renews)
    responses.add(responses.GET, EXT_URL, json=fixture("extensions.json"))
    adapter.list_extensions()
    second = calls_to(responses, EXT_URL)[1].request.headers["Authorization"]
    assert second == "Bearer fresh-from-elsewhere"
    assert not calls_to(responses, TOKEN_URL)


@responses.activate
def test_refused_credentials_say_what_to_check(adapter):
    add_token(responses, "oauth_invalid_client.json", status=401)
    with pytest.raises(PbxError) as err:
        adapter.originate(call())
    assert err.value.permanent
    assert "Client authentication failed." in err.value.message
    assert "client_id and client_secret" in err.value.message
    assert not calls_to(responses, CALLBACK_URL)


def test_missing_credentials(cache):
    with pytest.raises(PbxError, match="client_id and client_secret"):
        make_adapter(cache, client_id="app").access_token()


@responses.activate
def test_token_timeout_is_retryable_and_says_no_call_started(adapter):
    responses.add(responses.POST, TOKEN_URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(PbxError) as err:
        adapter.originate(call())
    assert err.value.permanent is False
    assert "no call was started" in err.value.message


# -- Callback (originate) ----------------------------------------------------


@responses.activate
def test_callback_success_keeps_call_id_the_id_events_carry(adapter):
    add_token(responses)
    responses.add(responses.POST, CALLBACK_URL, json=fixture("callback_201.json"), status=201)
    result = adapter.originate(call())
    assert result.ok
    assert result.vendor_call_id == "4b1c0f5e8a6d11ef9d3a0242ac120007"
    body = json.loads(calls_to(responses, CALLBACK_URL)[0].request.body)
    assert body == {
        "src_num": ["000*099"],
        "dst_num": "+79817654321",
        "src_caller_id_number": "+79817654321",
        "src_caller_id_name": "Acme: Ivan Petrov",
    }
    assert "caller_id_name" not in body  # would be shown to the customer


@responses.activate
def test_callback_with_only_a_dashed_call_api_id_keeps_its_plain_hex(adapter):
    add_token(responses)
    dashed = {"call_api_id": "3584709739-b5187f38-a9cc-43f2-ba06-8bce983a513e"}
    responses.add(responses.POST, CALLBACK_URL, json=dashed, status=201)
    result = adapter.originate(call())
    assert result.ok and result.vendor_call_id == "b5187f38a9cc43f2ba068bce983a513e"


@responses.activate
def test_callback_without_any_id_is_still_a_started_call(adapter):
    add_token(responses)
    responses.add(responses.POST, CALLBACK_URL, json={}, status=201)
    result = adapter.originate(call())
    assert result.ok and result.vendor_call_id == "" and result.warnings


@responses.activate
def test_callback_401_is_retried_once_with_a_new_token(adapter):
    add_token(responses)
    add_token(responses, "oauth_token_2.json")
    responses.add(responses.POST, CALLBACK_URL, json=fixture("unauthorized_401.json"), status=401)
    responses.add(responses.POST, CALLBACK_URL, json=fixture("callback_201.json"), status=201)
    assert adapter.originate(call()).ok
    assert len(calls_to(responses, CALLBACK_URL)) == 2


@pytest.mark.parametrize(
    ("status", "name", "telphin_words", "advice"),
    [
        (400, "callback_400.json", "is not a valid number", "E.164"),
        (404, "callback_404.json", "Extension not found", "re-import the extensions"),
        (403, "unauthorized_401.json", "Invalid or expired", "application's type and rights"),
    ],
)
@responses.activate
def test_callback_refusal_is_a_sentence(adapter, status, name, telphin_words, advice):
    add_token(responses)
    responses.add(responses.POST, CALLBACK_URL, json=fixture(name), status=status)
    result = adapter.originate(call())
    assert not result.ok
    assert result.message.startswith("Telphin refused the call: “")
    assert telphin_words in result.message and advice in result.message
    assert result.vendor_code == str(status)
    assert len(calls_to(responses, CALLBACK_URL)) == 1


@responses.activate
def test_callback_rate_limit_is_retryable(adapter):
    add_token(responses)
    responses.add(responses.POST, CALLBACK_URL, json={"message": "Too many requests"}, status=429)
    with pytest.raises(PbxError) as err:
        adapter.originate(call())
    assert err.value.permanent is False


@responses.activate
def test_callback_server_error_is_permanent_and_not_retried(adapter):
    add_token(responses)
    responses.add(responses.POST, CALLBACK_URL, body="<html>Bad Gateway</html>", status=502)
    with pytest.raises(PbxError) as err:
        adapter.originate(call())
    assert err.value.permanent
    assert "may still ring" in err.value.message
    assert len(calls_to(responses, CALLBACK_URL)) == 1


@responses.activate
def test_callback_read_timeout_is_permanent_and_never_resent(adapter):
    add_token(responses)
    responses.add(responses.POST, CALLBACK_URL, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(PbxError) as err:
        adapter.originate(call())
    assert err.value.permanent is True
    assert len(calls_to(responses, CALLBACK_URL)) == 1


def test_agent_without_extension_id_is_refused_before_any_request(adapter):
    result = adapter.originate(call(vendor_extension_id=""))
    assert not result.ok and "extension id" in result.message


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_closed_port_on_callback_is_retryable(cache):
    base = f"http://127.0.0.1:{closed_port()}/telphin"
    cache.set(cache_key(base, "app-175"), TOKEN_1, 100)  # straight to the callback
    with pytest.raises(PbxError) as err:
        make_adapter(cache, base_url=base).originate(call())
    assert err.value.permanent is False


def test_closed_port_on_token_is_retryable(cache):
    base = f"http://127.0.0.1:{closed_port()}/telphin"
    with pytest.raises(PbxError) as err:
        make_adapter(cache, base_url=base).originate(call())
    assert err.value.permanent is False


@responses.activate
def test_logs_and_errors_never_show_secret_or_tokens(adapter, caplog):
    caplog.set_level(logging.DEBUG)
    add_token(responses)
    add_token(responses, "oauth_token_2.json")
    responses.add(responses.POST, CALLBACK_URL, json=fixture("unauthorized_401.json"), status=401)
    responses.add(responses.POST, CALLBACK_URL, json=fixture("callback_400.json"), status=400)
    result = adapter.originate(call())
    adapter.tokens.delete(cache_key(BASE, "app-175"))
    refusal = fixture("oauth_invalid_client.json")
    responses.replace(responses.POST, TOKEN_URL, json=refusal, status=400)
    with pytest.raises(PbxError) as err:
        adapter.originate(call())
    seen = caplog.text + result.message + err.value.message
    assert caplog.records  # the DEBUG lines were captured
    for secret in (SECRET, TOKEN_1, TOKEN_2):
        assert secret not in seen


# -- Extensions and event subscriptions -------------------------------------
