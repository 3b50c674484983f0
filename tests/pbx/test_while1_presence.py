"""While1's read-only users-status: "Test connection" without ringing anybody, and the
agents' phone status for the live board. Replies in the shape of the vendor wiki's
``API_-_Users_status`` page."""

from __future__ import annotations

import pytest
import requests
import responses

from calls.pbx.base import PbxConfig, PbxError, Presence
from calls.pbx.while1 import While1Adapter
from calls.pbx.while1.presence import peer_presence

BASE = "http://pbx.example.test/while1"
STATUS = BASE + "/api/users-status"
ORIGINATE = BASE + "/api/originate-call"
TOKEN = "tok-5ecret-T0ken"

# The wiki's example, plus rows as Asterisk prints its other peer states.
USERS = {
    "has_error": False,
    "messages": [],
    "results": {
        "test-user1": {
            "username": "test-user1",
            "in_use": "0",
            "ringing": "0",
            "on_hold": "0",
            "limit": "1",
            "status": "UNKNOWN",
            "ip": "",
            "dnd_time": None,
        },
        "101": {"username": "101", "status": "OK (12 ms)", "ip": "10.0.0.7", "in_use": "1"},
        "102": {"username": "102", "status": "UNREACHABLE", "ip": "10.0.0.8"},
    },
}
INVALID_TYPE = {"has_error": True, "messages": ["Invalid type: sipx"], "results": []}
TOKEN_MISMATCH = {"has_error": True, "messages": ["Token does not match"], "results": []}


def make_adapter(**settings) -> While1Adapter:
    credentials = {"api_token": TOKEN, "api_key": "secret-key"}
    return While1Adapter(
        PbxConfig(base_url=BASE, credentials=credentials, settings={"project_id": "7", **settings})
    )


@pytest.fixture
def pbx():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_connection_check_reads_users_status_signed_and_never_originates(pbx):
    pbx.post(STATUS, json=USERS)
    originate = pbx.post(ORIGINATE, json={"has_error": False, "results": []})
    check = make_adapter().test_connection()
    assert check.ok and check.warnings == ()
    assert check.message == (
        "While1 Voice accepted the API token and lists 3 phone(s), 1 of them registered."
    )
    assert originate.call_count == 0
    request = pbx.calls[0].request
    # PHP: md5(http_build_query(["type" => "sip"]) . "secret-key")
    assert request.body == b'{"type":"sip","api_hash":"cfa53678735d49893e454730e97a3f23"}'
    assert request.headers["Authorization"] == f"Bearer {TOKEN}"


@pytest.mark.parametrize(
    ("reply", "status", "words"),
    [
        (TOKEN_MISMATCH, 200, "did not accept the API token (Token does not match). Copy"),
        (
            {"has_error": True, "messages": ["Hash does not match"]},
            200,
            "rejected the request hash",
        ),
        (INVALID_TYPE, 200, "refused to list the phones' status: Invalid type: sipx. Check"),
        (None, 404, "answered HTTP 404 Not Found instead of a result. Check the PBX address."),
        (None, 500, "answered HTTP 500 Internal Server Error instead of a result."),
    ],
)
def test_connection_check_failures_say_what_to_do(pbx, reply, status, words):
    if reply is None:
        pbx.post(STATUS, status=status, body="<html>oops</html>")
    else:
        pbx.post(STATUS, json=reply, status=status)
    check = make_adapter().test_connection()
    assert not check.ok and words in check.message
    assert "Missing mandatory parameter" not in check.message and "ring" not in check.message


def test_connection_check_of_a_broken_connection_does_not_speak_of_ringing(pbx):
    pbx.post(STATUS, body=requests.ReadTimeout("slow"))
    check = make_adapter().test_connection()
    assert not check.ok
    assert check.message == "While1 Voice did not finish answering the status request; try again."


def test_connection_check_warns_when_no_project_is_set(pbx):
    pbx.post(STATUS, json=USERS)
    check = make_adapter(project_id="").test_connection()
    assert check.ok and check.warnings == (
        "No project ID is set: calls cannot be placed until it is.",
    )


def test_presence_maps_each_user_to_registered_offline_or_unknown(pbx):
    pbx.post(STATUS, json=USERS)
    assert make_adapter().presence() == {
        "test-user1": Presence.OFFLINE,
        "101": Presence.REGISTERED,
        "102": Presence.OFFLINE,
    }


def test_presence_asks_for_iax_peers_when_configured(pbx):
    pbx.post(STATUS, json={"has_error": False, "messages": [], "results": []})
    assert make_adapter(presence_type="IAX").presence() == {}
    assert pbx.calls[0].request.body.startswith(b'{"type":"iax"')


def test_presence_failure_is_a_pbx_error_in_words(pbx):
    pbx.post(STATUS, json=TOKEN_MISMATCH)
    with pytest.raises(PbxError, match="API token"):
        make_adapter().presence()


@pytest.mark.parametrize(
    ("row", "expected"),
    [
        ({"status": "OK (3 ms)", "ip": "1.2.3.4"}, Presence.REGISTERED),
        ({"status": "LAGGED (2500 ms)", "ip": "1.2.3.4"}, Presence.REGISTERED),
        ({"status": "Unmonitored", "ip": "1.2.3.4"}, Presence.REGISTERED),
        ({"status": "Unmonitored", "ip": "-none-"}, Presence.OFFLINE),
        ({"status": "UNKNOWN", "ip": "1.2.3.4"}, Presence.UNKNOWN),
        ({"status": "UNREACHABLE", "ip": "1.2.3.4"}, Presence.OFFLINE),
        ({"status": "", "ip": ""}, Presence.OFFLINE),
        ({}, Presence.OFFLINE),
    ],
)
def test_asterisk_peer_states_in_our_words(row, expected):
    assert peer_presence(row) == expected
