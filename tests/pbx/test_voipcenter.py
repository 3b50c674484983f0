"""VoipCenter adapter: requests built exactly, transport failures, secrets kept out of logs.

Replies and error codes are tested in test_voipcenter_replies.py. Recorded replies go
through ``responses``; what only a real socket shows (a refused connection, urllib3's
own logging) uses one. Expected URLs come from the PHP vectors, so what we send is
what the vendor document's PHP would send.
"""

from __future__ import annotations

import json
import logging
import socket
import subprocess
import sys
import threading
from datetime import date
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest
import requests
import responses

from calls.pbx.base import (
    EventKind,
    InboundRequest,
    OriginateRequest,
    PbxConfig,
    PbxError,
)
from calls.pbx.voipcenter.adapter import VoipCenterAdapter, dialable, did_routes_param
from pbxportal.logging import RedactSecretsFilter

BASE = "https://pbxonline.be"
VECTORS = {
    v["name"]: v
    for v in json.loads(
        (Path(__file__).resolve().parents[1] / "fixtures/voipcenter/vectors.json").read_text(
            encoding="utf-8"
        )
    )["vectors"]
}
DOC = VECTORS["call-e164"]  # the "doc" account; every request below is signed with it
PASSWORD, PRIVATE_KEY = DOC["password"], DOC["private_key"]
SECRETS = (PASSWORD, PRIVATE_KEY, DOC["pwd"])

OK = {"head": {"status": "1", "error_number": "", "error_message": ""}, "body": {"status": "1"}}
SIPACCS = {
    "head": {"status": "1", "error_number": "", "error_message": ""},
    "body": {
        "id_11": {"logname": "Bureau 1", "SIPusername": "sipaccount1"},
        "id_12": {"logname": "Bureau 2", "SIPusername": "sipaccount2"},
        "id_13": {"logname": "Onthaal", "SIPusername": "sipaccount3"},
    },
}


def adapter(base_url: str = BASE, **overrides: str) -> VoipCenterAdapter:
    credentials = {
        "api_id": DOC["api_id"],
        "customer_number": DOC["customer_number"],
        "password": PASSWORD,
        "private_key": PRIVATE_KEY,
        **overrides,
    }
    config = PbxConfig(base_url=base_url, credentials=credentials, read_timeout=2.0)
    return VoipCenterAdapter(config, clock=lambda: int(DOC["ts"]) + 0.9)


def call(number: str = "+3221234567", extension: str = "sipaccount1") -> OriginateRequest:
    return OriginateRequest(external_id="c0ffee", number=number, agent_extension=extension)


def url_of(vector_name: str) -> str:
    vector = VECTORS[vector_name]
    return f"{BASE}/api/{vector['endpoint']}.php?{vector['query_rawurlencode']}"


def error_reply(code: str, words: str, where: str = "head") -> dict:
    reply = json.loads(json.dumps(OK))
    reply[where].update(status="0", error_number=code, error_message=words)
    return reply


# --- what we send ---------------------------------------------------------------------


@responses.activate
def test_originate_sends_the_documents_request_and_succeeds() -> None:
    responses.get(f"{BASE}/api/call.php", json=OK)

    result = adapter().originate(call())

    assert result.ok and result.vendor_call_id == "" and result.vendor_code is None
    assert "sipaccount1" in result.message and "3221234567" in result.message
    assert len(responses.calls) == 1
    assert responses.calls[0].request.method == "GET"
    assert responses.calls[0].request.url == url_of("call-e164")


@responses.activate
def test_sip_account_names_with_specials_are_encoded() -> None:
    responses.get(f"{BASE}/api/call.php", json=OK)
    vector = VECTORS["call-spaces"]
    spaces = adapter(
        api_id=vector["api_id"],
        customer_number=vector["customer_number"],
        password=vector["password"],
        private_key=vector["private_key"],
    )
    spaces.clock = lambda: int(vector["ts"])

    # call-spaces dials a national number, which we never send: check the request alone.
    spaces.originate(call("+3293456789", vector["fields"]["sipacc"]))

    sent = responses.calls[0].request.url
    assert "&sipacc=bureau%2F%C3%B6%26a%3Db&telnr=3293456789&" in sent
    assert f"apiID={vector['query_rawurlencode'].split('&')[0].split('=')[1]}&" in sent


@responses.activate
def test_get_with_a_filter_sends_it_unsigned() -> None:
    responses.get(f"{BASE}/api/get.php", json={"head": OK["head"], "body": {}})

    assert adapter().list_calls(date(2014, 5, 1)) == []
    assert responses.calls[0].request.url == url_of("get-calls-day")


@responses.activate
def test_get_one_item_sends_no_filter() -> None:
    responses.get(f"{BASE}/api/get.php", json={"head": OK["head"], "body": {"did": "540"}})

    assert adapter().get("did", 540) == {"did": "540"}
    assert responses.calls[0].request.url == url_of("get-did")


def test_a_filter_on_one_item_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="id=0"):
        adapter().get("sipacc", 12, "bureau")


@responses.activate
def test_update_did_routes_and_indicator() -> None:
    responses.get(f"{BASE}/api/update.php", json=OK)
    vc = adapter()

    vc.set_did_routes(100, holidays=10, vacations=20, office_hours=30, route=140, backup_route=150)
    vc.set_did_routes(100, backup_route="150", route="140")
    vc.set_indicator(100, on=True)

    sent = [c.request.url for c in responses.calls]
    assert sent == [
        url_of("update-did-all"),
        url_of("update-did-routes"),
        url_of("update-indicator-on"),
    ]


def test_did_routes_param_refuses_what_would_corrupt_p() -> None:
    assert did_routes_param(route=140) == "r=140"
    with pytest.raises(ValueError, match="digits"):
        did_routes_param(route="140|k=1")
    with pytest.raises(TypeError, match="colour"):
        did_routes_param(colour=1)
    with pytest.raises(ValueError, match="at least one"):
        did_routes_param()


@pytest.mark.parametrize(
    ("number", "telnr"),
    [
        ("+3221234567", "3221234567"),
        (" +31209988776 ", "31209988776"),
        ("021234567", ""),
        ("+32 2 123", ""),
        ("+0123456789", ""),
        ("3221234567", ""),
    ],
)
def test_dialable_sends_e164_digits_without_plus(number: str, telnr: str) -> None:
    assert dialable(number) == telnr


@responses.activate
def test_a_number_not_in_e164_is_refused_without_a_request() -> None:
    result = adapter().originate(call("02/123.45.67"))

    assert not result.ok and "international format" in result.message
    assert len(responses.calls) == 0


@responses.activate
def test_an_agent_without_sip_account_is_refused_without_a_request() -> None:
    result = adapter().originate(call(extension=" "))

    assert not result.ok and "SIP account" in result.message
    assert len(responses.calls) == 0


def test_missing_credentials_are_named() -> None:
    with pytest.raises(PbxError, match="no private API key") as caught:
        adapter(private_key="").originate(call())
    assert caught.value.permanent


def test_vendor_identity_and_credentials() -> None:
    assert VoipCenterAdapter.vendor == "voipcenter" and VoipCenterAdapter.label == "VoipCenter"
    secret = {f.name: f.secret for f in VoipCenterAdapter.credential_fields}
    assert secret == {
        "api_id": False,
        "customer_number": False,
        "password": True,
        "private_key": True,
        "ws_user": False,  # optional: the websocket add-on's user, for the live stream
        "ws_url": False,
    }
    optional = {f.name for f in VoipCenterAdapter.credential_fields if not f.required}
    assert optional == {"ws_user", "ws_url"}


# --- transport ------------------------------------------------------------------------


@responses.activate
def test_http_500_is_permanent_and_quotes_the_reply_without_secrets() -> None:
    # An error page echoing our request, one secret in a shape redact() cannot know.
    echo = f"Fatal at /api/call.php?pwd={DOC['pwd']}&pass=abc; key: {PRIVATE_KEY}, pw {PASSWORD}"
    responses.get(f"{BASE}/api/call.php", status=500, body=echo)

    with pytest.raises(PbxError, match="HTTP 500") as caught:
        adapter().originate(call())

    assert caught.value.permanent
    assert "the call may still ring" in caught.value.message
    assert "Fatal at" in caught.value.message
    assert not any(secret in caught.value.message for secret in SECRETS)
    assert "key: ***, pw ***" in caught.value.message


@responses.activate
def test_read_timeout_is_permanent_because_the_call_may_ring() -> None:
    responses.get(f"{BASE}/api/call.php", body=requests.ReadTimeout("read timed out"))

    with pytest.raises(PbxError, match="did not answer in 2 s; the call may still ring") as caught:
        adapter().originate(call())

    assert caught.value.permanent


def test_a_closed_loopback_port_may_be_retried() -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The port is closed now: the connection is refused, the PBX never saw a request.

    with pytest.raises(PbxError, match="Could not reach the VoipCenter PBX") as caught:
        adapter(base_url=f"http://127.0.0.1:{port}/voipcenter").originate(call())

    assert caught.value.permanent is False
    check = adapter(base_url=f"http://127.0.0.1:{port}").test_connection()
    assert not check.ok and "Could not reach" in check.message


@responses.activate
def test_connection_asks_for_all_sip_accounts() -> None:
    responses.get(f"{BASE}/api/get.php", json=SIPACCS)

    assert adapter().test_connection().message == "Connected: 3 SIP accounts."
    assert responses.calls[0].request.url == url_of("get-sipacc")


# --- secrets --------------------------------------------------------------------------


@responses.activate
def test_debug_logs_hold_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    responses.get(f"{BASE}/api/call.php", json=OK)
    responses.get(f"{BASE}/api/get.php", json=error_reply("14", "Incorrect hash"))

    adapter().originate(call())
    adapter().test_connection()

    assert "call.php" in caplog.text and "pwd=***" in caplog.text and "pass=***" in caplog.text
    signatures = [VECTORS["call-e164"]["pass"], VECTORS["get-sipacc"]["pass"]]
    assert not any(secret in caplog.text for secret in (*SECRETS, *signatures))


class _Ok(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        payload = json.dumps(OK).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        pass


def _redaction_installed() -> bool:
    root = logging.getLogger()
    return any(isinstance(f, RedactSecretsFilter) for h in root.handlers for f in h.filters)


@pytest.mark.skipif(not _redaction_installed(), reason="the project's LOGGING is not loaded")
def test_debug_logs_over_a_real_socket_hold_no_secret(caplog: pytest.LogCaptureFixture) -> None:
    # urllib3 logs the whole request line at DEBUG, beyond http.send's own redaction;
    # only the project's logging filter (pbxportal/logging.py) keeps pwd= and pass= out.
    server = HTTPServer(("127.0.0.1", 0), _Ok)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    caplog.set_level(logging.DEBUG)
    try:
        base = f"http://127.0.0.1:{server.server_port}"
        assert adapter(base_url=base).originate(call()).ok
    finally:
        server.shutdown()
        server.server_close()

    assert '"GET /api/call.php?' in caplog.text  # urllib3's line was there to be checked
    assert not any(secret in caplog.text for secret in (*SECRETS, DOC["pass"]))


# --- the rest of the adapter ----------------------------------------------------------


def test_events_arrive_in_the_generic_json_format() -> None:
    body = json.dumps({"event_id": "e1", "call_id": "x", "event": "answer", "leg": "agent"})
    request = InboundRequest("POST", "/hooks/voipcenter/t/", {}, {}, body.encode(), {})

    vc = adapter()
    vc.validate_request(request)  # no signing secret configured: accepted
    [event] = vc.parse_events(request)

    assert event.kind is EventKind.ANSWER and event.dedupe_key == "e1"


def test_the_adapter_imports_without_django() -> None:
    code = (
        "import sys, calls.pbx.voipcenter; "
        "sys.exit(any(m == 'django' or m.startswith('django.') for m in sys.modules))"
    )
    root = Path(__file__).resolve().parents[2]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, timeout=60)
    assert done.returncode == 0, "the VoipCenter adapter needs Django (or failed to import)"
