"""VoipCenter replies: every error code becomes a sentence, odd shapes still read.

The document lists the codes but shows no reply; the shapes tried here are the one
the public clients read (head/body), flat variants, XML, and what must be refused.
What we send is tested in test_voipcenter.py.
"""

from __future__ import annotations

import json

import pytest
import responses

from calls.pbx.base import OriginateRequest, PbxConfig, PbxError
from calls.pbx.voipcenter.adapter import VoipCenterAdapter
from calls.pbx.voipcenter.reply import items

BASE = "https://pbxonline.be"
OK = {"head": {"status": "1", "error_number": "", "error_message": ""}, "body": {"status": "1"}}
SIPACCS = {
    "head": {"status": "1", "error_number": "", "error_message": ""},
    "body": {
        "id_11": {"logname": "Bureau 1", "SIPusername": "sipaccount1"},
        "id_12": {"logname": "Bureau 2", "SIPusername": "sipaccount2"},
        "id_13": {"logname": "Onthaal", "SIPusername": "sipaccount3"},
    },
}


def adapter() -> VoipCenterAdapter:
    credentials = {
        "api_id": "pi990000tst",
        "customer_number": "123456",
        "password": "Gr4ndPl4ce-1000",
        "private_key": "my-private-key",
    }
    return VoipCenterAdapter(PbxConfig(base_url=BASE, credentials=credentials), clock=lambda: 1e9)


def call() -> OriginateRequest:
    return OriginateRequest(external_id="c0ffee", number="+3221234567", agent_extension="sip1")


def error_reply(code: str, words: str, where: str = "head") -> dict:
    reply = json.loads(json.dumps(OK))
    reply[where].update(status="0", error_number=code, error_message=words)
    return reply


HEAD_SENTENCES = {
    "10": "VoipCenter 10: missing parameters — check that the API ID, customer number, "
    "password and private API key are all filled in on this PBX account.",
    "11": "VoipCenter 11: timestamp mismatch — check the server clock (NTP); VoipCenter "
    "accepts requests within 5 seconds.",
    "12": "VoipCenter 12: wrong format — VoipCenter refused the reply format pbxportal asks "
    "for (json); report this to the pbxportal team.",
    "13": "VoipCenter 13: too many attempts — VoipCenter is holding this API user back for a "
    "while; wait a few minutes before trying again.",
    "14": "VoipCenter 14: incorrect hash — check the private API key (VoipCenter PBX: Config "
    "> Application Programming Interface).",
    "15": "VoipCenter 15: user password incorrect — check the VoipCenter customer password on "
    "this PBX account.",
    "16": "VoipCenter 16: API user not allowed — check the API ID and that this API user is "
    "enabled in the VoipCenter PBX (Config > Application Programming Interface).",
    "17": "VoipCenter 17: param not correct — VoipCenter refused one of the values sent; check "
    "the agent's SIP account name and the number dialled.",
}
BODY_SENTENCES = {
    "1": "VoipCenter 1: could not connect to server — VoipCenter could not reach its own PBX "
    "server; try again in a few minutes.",
    "2": "VoipCenter 2: incorrect ID — the item asked for does not exist at VoipCenter; reload "
    "the list and choose again.",
    "20": "VoipCenter 20: call auth failed — VoipCenter would not place a call from this SIP "
    "account; check the agent's SIP account name and that it may call out.",
    "21": "VoipCenter 21: call leg failed — VoipCenter could not ring the agent's phone; check "
    "that the phone of this SIP account is switched on and registered.",
    "25": "VoipCenter 25: incorrect login — check the customer number and password on this PBX "
    "account.",
}
DOC_WORDS = {
    "10": "Missing parameters",
    "11": "Timestamp mismatch",
    "12": "Wrong format",
    "13": "Too many attempts",
    "14": "Incorrect hash",
    "15": "User password incorrect",
    "16": "API user not allowed",
    "17": "Param not correct",
    "1": "Could not connect to server",
    "2": "Incorrect ID",
    "20": "Call Auth failed",
    "21": "Call Leg failed",
    "25": "Incorrect Login",
}


@responses.activate
@pytest.mark.parametrize("code", HEAD_SENTENCES)
def test_head_errors_fail_the_call_with_a_sentence(code: str) -> None:
    responses.get(f"{BASE}/api/call.php", json=error_reply(code, DOC_WORDS[code]))

    result = adapter().originate(call())

    assert not result.ok
    assert result.vendor_code == code
    assert result.message == HEAD_SENTENCES[code]


@responses.activate
@pytest.mark.parametrize("code", BODY_SENTENCES)
def test_body_errors_raise_from_get_with_a_sentence(code: str) -> None:
    responses.get(f"{BASE}/api/get.php", json=error_reply(code, DOC_WORDS[code], "body"))

    with pytest.raises(PbxError) as caught:
        adapter().get("sipacc", 5)

    assert caught.value.message == BODY_SENTENCES[code]
    assert caught.value.vendor_code == code


@responses.activate
@pytest.mark.parametrize("code", ["20", "21"])
def test_call_body_errors_fail_the_call(code: str) -> None:
    responses.get(f"{BASE}/api/call.php", json=error_reply(code, DOC_WORDS[code], "body"))

    result = adapter().originate(call())

    assert (result.ok, result.vendor_code, result.message) == (False, code, BODY_SENTENCES[code])


@responses.activate
def test_head_errors_raise_from_update() -> None:
    responses.get(f"{BASE}/api/update.php", json=error_reply("14", "Incorrect hash"))

    with pytest.raises(PbxError, match=r"^VoipCenter 14: incorrect hash — check the private API"):
        adapter().set_indicator(100, on=False)


@responses.activate
def test_the_vendors_own_words_are_kept_when_they_add_something() -> None:
    responses.get(f"{BASE}/api/call.php", json=error_reply("11", "ts 1400229400 too old"))

    result = adapter().originate(call())

    assert result.message == HEAD_SENTENCES["11"] + ' VoipCenter said: "ts 1400229400 too old".'


@responses.activate
@pytest.mark.parametrize(
    "reply",
    [
        {"error": 14},
        {"status": "0", "code": "14", "message": "Incorrect hash"},
        {"head": {"status": 0, "errorcode": 14}},
        {"result": "nok", "error_code": "14"},
    ],
    ids=["bare-error", "flat-status-code", "int-head", "error_code"],
)
def test_other_reply_shapes_with_a_code_still_read(reply: dict) -> None:
    responses.get(f"{BASE}/api/call.php", json=reply)

    result = adapter().originate(call())

    assert (result.ok, result.vendor_code) == (False, "14")
    assert result.message.startswith("VoipCenter 14: incorrect hash")


@responses.activate
def test_an_unknown_code_and_a_codeless_refusal() -> None:
    responses.get(f"{BASE}/api/call.php", json=error_reply("99", "Quota exceeded"))
    responses.get(f"{BASE}/api/call.php", json={"head": {"status": "0"}, "body": {}})

    first, second = adapter().originate(call()), adapter().originate(call())

    assert (
        first.message == 'VoipCenter 99: "Quota exceeded" — ask VoipCenter support what it means.'
    )
    assert first.vendor_code == "99"
    assert second.message == "VoipCenter refused the request: it gave no reason."
    assert not second.ok and second.vendor_code is None


@responses.activate
def test_success_xml() -> None:
    body = (
        b'<?xml version="1.0" encoding="UTF-8"?>\n<response><head><status>1</status>'
        b"<error_number></error_number><error_message></error_message></head>"
        b"<body><status>1</status></body></response>"
    )
    responses.get(f"{BASE}/api/call.php", body=body, content_type="text/xml")

    assert adapter().originate(call()).ok


@responses.activate
def test_error_xml() -> None:
    body = (
        b"<response><head><status>0</status><error_number>11</error_number>"
        b"<error_message>Timestamp mismatch</error_message></head><body/></response>"
    )
    responses.get(f"{BASE}/api/call.php", body=body, content_type="text/xml")

    result = adapter().originate(call())

    assert (result.ok, result.vendor_code, result.message) == (False, "11", HEAD_SENTENCES["11"])


@responses.activate
@pytest.mark.parametrize("as_xml", [False, True], ids=["json", "xml"])
def test_connection_counts_sip_accounts(as_xml: bool) -> None:
    if as_xml:
        rows = "".join(
            f"<sipacc><id>{n}</id><SIPusername>sip{n}</SIPusername></sipacc>" for n in (1, 2, 3)
        )
        xml = f"<response><head><status>1</status></head><body>{rows}</body></response>"
        responses.get(f"{BASE}/api/get.php", body=xml, content_type="text/xml")
    else:
        responses.get(f"{BASE}/api/get.php", json=SIPACCS)

    check = adapter().test_connection()

    assert (check.ok, check.message, check.warnings) == (True, "Connected: 3 SIP accounts.", ())


@responses.activate
def test_list_sip_accounts_keeps_vendor_fields_and_ids() -> None:
    responses.get(f"{BASE}/api/get.php", json=SIPACCS)

    accounts = adapter().list_sip_accounts()

    assert accounts[0] == {"logname": "Bureau 1", "SIPusername": "sipaccount1", "id": "11"}


@responses.activate
def test_connection_with_a_wrong_password_says_what_to_do() -> None:
    responses.get(f"{BASE}/api/get.php", json=error_reply("15", "User password incorrect"))

    check = adapter().test_connection()

    assert (check.ok, check.message) == (False, HEAD_SENTENCES["15"])


@responses.activate
def test_connection_with_no_sip_accounts_warns() -> None:
    responses.get(f"{BASE}/api/get.php", json={"head": OK["head"], "body": []})

    check = adapter().test_connection()

    assert check.ok and check.message == "Connected: 0 SIP accounts."
    assert check.warnings


@responses.activate
def test_a_flat_reply_like_the_sandbox_sends_reads_too() -> None:
    refused = {
        "status": "error",
        "code": 14,
        "type": "head",
        "message": "Incorrect hash",
        "detail": "pass = hash_hmac(sha256, ...)",
    }
    listed = {"status": "ok", "code": 0, "message": "OK", "data": [{"id": 1}, {"id": 2}]}
    responses.get(f"{BASE}/api/call.php", json=refused)
    responses.get(f"{BASE}/api/get.php", json=listed)

    result = adapter().originate(call())
    check = adapter().test_connection()

    assert result.message == HEAD_SENTENCES["14"] + (
        ' VoipCenter said: "Incorrect hash (pass = hash_hmac(sha256, ...))".'
    )
    assert check.message == "Connected: 2 SIP accounts."


@pytest.mark.parametrize(
    ("body", "rows"),
    [
        ({"id_1": {"n": "a"}, "id_2": {"n": "b"}}, [{"n": "a", "id": "1"}, {"n": "b", "id": "2"}]),
        ([{"n": "a"}, "junk"], [{"n": "a"}]),
        ({"status": "ok", "code": 0, "data": [{"n": "a"}, {"n": "b"}]}, [{"n": "a"}, {"n": "b"}]),
        ({"status": "ok", "data": {"item": [{"n": "a"}, {"n": "b"}]}}, [{"n": "a"}, {"n": "b"}]),
        ({"status": "ok", "data": {"item": {"n": "a"}}}, [{"n": "a"}]),
        ({"status": "1", "sipacc": {"n": "a"}}, [{"n": "a"}]),
        ({"status": "1"}, []),
        ("", []),
    ],
    ids=[
        "id-keyed",
        "list",
        "data-list",
        "xml-wrapper",
        "xml-wrapper-one",
        "xml-one",
        "none",
        "text",
    ],
)
def test_items_finds_the_rows_in_any_container(body: object, rows: list) -> None:
    assert items(body) == rows


# --- replies we cannot or will not read -----------------------------------------------


@responses.activate
@pytest.mark.parametrize(
    ("body", "words"),
    [
        (b'a:2:{s:4:"head";a:1:{s:6:"status";s:1:"1";}s:4:"body";a:0:{}}', "PHP-serialized"),
        (b'O:8:"stdClass":0:{}', "PHP-serialized"),
        (b"<!DOCTYPE html><html><body>Login</body></html>", "web page"),
        (b'<!DOCTYPE r [<!ENTITY a "aaaa">]><r>&a;</r>', "document type declaration"),
        (b"<response><head>", "XML reply that does not parse"),
        (b'{"head": ', "JSON reply that does not parse"),
        (b"OK", "neither JSON nor XML"),
        (b"  ", "empty reply"),
    ],
    ids=["serialized", "serialized-object", "html", "dtd", "bad-xml", "bad-json", "text", "empty"],
)
def test_unreadable_replies_are_refused_and_the_call_may_still_ring(
    body: bytes, words: str
) -> None:
    responses.get(f"{BASE}/api/call.php", body=body)

    with pytest.raises(PbxError, match=words) as caught:
        adapter().originate(call())

    assert caught.value.permanent
    assert "the call may still ring" in caught.value.message
