"""While1 Voice adapter: the request it sends and what it makes of the PBX's replies.

Replies are the ones printed in While1's API documentation (EN and RO pages).
"""

from __future__ import annotations

import json
import logging
import socket

import pytest
import requests
import responses

from calls.pbx.base import InboundRequest, OriginateRequest, PbxConfig, PbxError
from calls.pbx.while1.adapter import While1Adapter

BASE = "http://pbx.example.test/while1"
ENDPOINT = BASE + "/api/originate-call"
TOKEN = "tok-5ecret-T0ken"
KEY = "k3y~*+ ș"
# PHP's md5(http_build_query($params) . KEY) for this request: tests/fixtures/while1/
# vectors.json, "adapter-request".
HASH = "062ffebd01845d2ed444b3d2d70b10de"

CALL = OriginateRequest(
    external_id="3f2b8c1e-5d4a-4e7b-9c0d-1a2b3c4d5e6f",
    number="+40212345678",
    agent_extension="101",
    destination_type="user",
    caller_name="Ștefan Bălan",
    backend_link="https://crm.example.com/contacts/42?tab=calls&q=a b~*",
)

EXPECTED_BODY = (
    b'{"data":{"project_id":7,"caller_id":"+40212345678",'
    b'"caller_id_name":"\\u0218tefan B\\u0103lan","type":"user","destination":"101",'
    b'"external_id":"3f2b8c1e-5d4a-4e7b-9c0d-1a2b3c4d5e6f","async":1,'
    b'"outbound_number":"+40310000000","vars":{"SKIP_WELCOME":1,'
    b'"BACKEND_LINK":"https://crm.example.com/contacts/42?tab=calls&q=a b~*"}},'
    b'"api_hash":"062ffebd01845d2ed444b3d2d70b10de"}'
)

OK = {"has_error": False, "messages": [], "results": ["Call successfully originated for user: 101"]}
INVALID_QUEUE = {
    "has_error": True,
    "messages": ["Invalid Queue. Check if pbx queue exists"],
    "results": [],
}
TOKEN_MISMATCH = {
    "has_error": True,
    "messages": ["Token does not match"],
    "pagination": [],
    "results": [],
}
DEPRECATED = {
    "has_error": False,
    "messages": [],
    "warnings": [
        "API Username and Password are deprecated. Please use 'Authorization: Bearer $token' header"
    ],
    "results": [],
}


def make_adapter(base: str = BASE, credentials: dict | None = None, **settings) -> While1Adapter:
    defaults = {"project_id": "7", "outbound_number": "+40310000000", "vars": {"SKIP_WELCOME": 1}}
    if credentials is None:
        credentials = {"api_token": TOKEN, "api_key": KEY}
    return While1Adapter(
        PbxConfig(base_url=base, credentials=credentials, settings={**defaults, **settings})
    )


@pytest.fixture
def pbx():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def sent_data(pbx) -> dict:
    return json.loads(pbx.calls[-1].request.body)["data"]


def test_originate_sends_exactly_the_documented_request(pbx):
    pbx.post(ENDPOINT, json=OK)
    make_adapter().originate(CALL)
    request = pbx.calls[0].request
    assert request.url == ENDPOINT
    assert request.body == EXPECTED_BODY
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"
    assert request.headers["Content-Type"] == "application/json"
    assert json.loads(request.body)["api_hash"] == HASH


def test_successful_call_reports_the_pbx_words(pbx):
    pbx.post(ENDPOINT, json=OK)
    result = make_adapter().originate(CALL)
    assert result.ok
    assert result.message == "Call successfully originated for user: 101"
    assert result.answered is False
    assert result.warnings == ()


def test_refused_call_keeps_the_vendors_words(pbx):
    pbx.post(ENDPOINT, json=INVALID_QUEUE)
    result = make_adapter().originate(CALL)
    assert not result.ok
    assert result.message == (
        "While1 Voice refused the call: Invalid Queue. Check if pbx queue exists"
    )


def test_messages_keyed_by_error_code_keep_the_code(pbx):
    pbx.post(ENDPOINT, json={"has_error": True, "messages": {"12": "Invalid Queue"}, "results": []})
    result = make_adapter().originate(CALL)
    assert not result.ok
    assert result.vendor_code == "12"
    assert result.message == "While1 Voice refused the call: Invalid Queue (code 12)"


def test_refusal_without_a_reason_says_where_to_look(pbx):
    pbx.post(ENDPOINT, json={"has_error": True, "messages": [], "results": []})
    result = make_adapter().originate(CALL)
    assert not result.ok
    assert "API log" in result.message


def test_deprecation_warning_reaches_the_person(pbx, caplog):
    pbx.post(ENDPOINT, json=DEPRECATED)
    result = make_adapter().originate(CALL)
    assert result.ok
    assert result.warnings == tuple(DEPRECATED["warnings"])
    assert "deprecated" in caplog.text


@pytest.mark.parametrize(
    ("status", "reply"),
    [(200, TOKEN_MISMATCH), (401, TOKEN_MISMATCH), (401, None), (403, None)],
)
def test_rejected_token_points_at_the_api_token(pbx, status, reply):
    if reply is None:
        pbx.post(ENDPOINT, status=status, body="Unauthorized")
    else:
        pbx.post(ENDPOINT, status=status, json=reply)
    result = make_adapter().originate(CALL)
    assert not result.ok
    assert "did not accept the API token" in result.message
    if reply:
        assert "Token does not match" in result.message


def test_rejected_hash_points_at_the_api_key(pbx):
    pbx.post(ENDPOINT, json={"has_error": True, "messages": ["Invalid hash"], "results": []})
    result = make_adapter().originate(CALL)
    assert not result.ok
    assert "API key" in result.message
    assert "Invalid hash" in result.message


def test_server_error_page_is_a_status_in_words(pbx):
    pbx.post(ENDPOINT, status=500, body="<html><body>Oops</body></html>", content_type="text/html")
    result = make_adapter().originate(CALL)
    assert not result.ok
    assert "HTTP 500 Internal Server Error" in result.message
    assert "<html>" not in result.message


def test_reply_that_is_not_json_points_at_the_address(pbx):
    pbx.post(ENDPOINT, status=200, body="<html>login</html>", content_type="text/html")
    result = make_adapter().originate(CALL)
    assert not result.ok
    assert "not its JSON reply (text/html)" in result.message
    assert "PBX address" in result.message


def test_wrong_address_404_says_so(pbx):
    pbx.post(ENDPOINT, status=404, body="Not Found")
    result = make_adapter().originate(CALL)
    assert "HTTP 404 Not Found" in result.message
    assert "Check the PBX address" in result.message


def test_redirect_is_not_followed_and_says_where(pbx):
    pbx.post(ENDPOINT, status=301, headers={"Location": "https://pbx.example.test/while1/"})
    result = make_adapter().originate(CALL)
    assert not result.ok
    assert "redirected the request to https://pbx.example.test/while1/" in result.message
    assert len(pbx.calls) == 1


def test_read_timeout_is_permanent_and_warns_the_call_may_ring(pbx):
    pbx.post(ENDPOINT, body=requests.ReadTimeout("read timed out"))
    with pytest.raises(PbxError) as failure:
        make_adapter().originate(CALL)
    assert failure.value.permanent is True
    assert "may still ring" in failure.value.message


def test_refused_connection_may_be_retried():
    with socket.socket() as sock:  # a loopback port nobody listens on once closed
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    with pytest.raises(PbxError) as failure:
        make_adapter(base=f"http://127.0.0.1:{port}/while1").originate(CALL)
    assert failure.value.permanent is False
    assert "Could not reach the While1 Voice PBX" in failure.value.message


def test_synchronous_mode_waits_for_the_agent_and_reports_answered(pbx):
    pbx.post(ENDPOINT, json=OK)
    result = make_adapter(**{"async": 0, "answer_timeout": 45}).originate(CALL)
    assert result.ok and result.answered
    assert sent_data(pbx)["async"] == 0
    assert pbx.calls[0].request.req_kwargs["timeout"] == (5.0, 60.0)


def test_synchronous_mode_defaults_to_a_minute_plus_margin(pbx):
    pbx.post(ENDPOINT, json=OK)
    make_adapter(**{"async": "0"}).originate(CALL)
    assert pbx.calls[0].request.req_kwargs["timeout"] == (5.0, 75.0)


def test_asynchronous_mode_uses_the_normal_timeout(pbx):
    pbx.post(ENDPOINT, json=OK)
    make_adapter().originate(CALL)
    assert pbx.calls[0].request.req_kwargs["timeout"] == (5.0, 15.0)


def test_without_api_key_no_hash_is_sent(pbx):
    pbx.post(ENDPOINT, json=OK)
    make_adapter(credentials={"api_token": TOKEN}).originate(CALL)
    assert "api_hash" not in json.loads(pbx.calls[0].request.body)


def test_optional_fields_are_left_out_when_empty(pbx):
    pbx.post(ENDPOINT, json=OK)
    make_adapter(outbound_number="", vars=None).originate(
        OriginateRequest(external_id="x1", number="+40212345678", agent_extension="101")
    )
    data = sent_data(pbx)
    assert list(data) == [
        "project_id",
        "caller_id",
        "caller_id_name",
        "type",
        "destination",
        "external_id",
        "async",
    ]
    assert data["caller_id_name"] == "+40212345678"  # the PBX requires a name


@pytest.mark.parametrize(
    ("settings", "number", "expected"),
    [
        ({}, "+40212345678", "+40212345678"),
        ({"dial_format": "digits"}, "+40212345678", "40212345678"),
        ({"dial_format": "national"}, "+40212345678", "0212345678"),
        ({"dial_format": "national", "dial_region": "RO"}, "+442071234567", "00442071234567"),
    ],
)
def test_customer_number_follows_the_pbx_dial_format(pbx, settings, number, expected):
    pbx.post(ENDPOINT, json=OK)
    make_adapter(**settings).originate(
        OriginateRequest(external_id="x1", number=number, agent_extension="101")
    )
    assert sent_data(pbx)["caller_id"] == expected


def test_queue_destination_and_configured_trunk(pbx):
    pbx.post(ENDPOINT, json=OK)
    make_adapter(outbound_trunk="default-trunk").originate(
        OriginateRequest(
            external_id="x1",
            number="+40212345678",
            agent_extension="101",
            destination_type="queue",
            destination="sales",
        )
    )
    data = sent_data(pbx)
    assert (data["type"], data["destination"], data["outbound_trunk"]) == (
        "queue",
        "sales",
        "default-trunk",
    )


def test_missing_project_or_bad_destination_fails_before_sending(pbx):
    with pytest.raises(PbxError, match="project ID"):
        make_adapter(project_id="").originate(CALL)
    with pytest.raises(PbxError, match="user, queue, context"):
        make_adapter().originate(
            OriginateRequest(
                external_id="x", number="+40212345678", agent_extension="1", destination_type="ivr"
            )
        )
    assert len(pbx.calls) == 0


def test_connection_check_reports_an_unreachable_pbx():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    check = make_adapter(base=f"http://127.0.0.1:{port}").test_connection()
    assert not check.ok
    assert "Could not reach" in check.message


def test_no_secret_reaches_the_logs(pbx, caplog):
    caplog.set_level(logging.DEBUG)
    pbx.post(ENDPOINT, json=OK)
    pbx.post(ENDPOINT, json=TOKEN_MISMATCH)
    pbx.post(ENDPOINT, status=500, body="oops")
    pbx.post(ENDPOINT, body=requests.ReadTimeout("read timed out"))
    adapter = make_adapter()
    messages = [adapter.originate(CALL).message for _ in range(3)]
    with pytest.raises(PbxError) as failure:
        adapter.originate(CALL)
    messages.append(adapter.test_connection().message)
    messages.append(failure.value.message)
    assert "originate-call" in caplog.text  # the requests were logged, redacted
    for secret in (TOKEN, KEY, HASH):
        assert secret not in caplog.text
        assert all(secret not in message for message in messages)


def test_events_use_the_generic_json_format():
    body = json.dumps({"event_id": "w1-1", "call_id": "c1", "event": "answer", "leg": "agent"})
    request = InboundRequest(
        method="POST", path="/hooks/while1/t/", query={}, form={}, body=body.encode(), headers={}
    )
    make_adapter().validate_request(request)  # no signing secret configured: accepted
    (event,) = make_adapter().parse_events(request)
    assert (event.kind, event.dedupe_key, event.leg) == ("answer", "w1-1", "agent")
