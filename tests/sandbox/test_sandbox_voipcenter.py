"""VoipCenter dialect of the sandbox: hand-built signed GET requests per the vendor doc."""

from __future__ import annotations

import hashlib
import hmac
import time
import urllib.parse
import xml.etree.ElementTree as ET

import pytest

CALL = ("apiID", "knummer", "pwd", "sipacc", "telnr", "f", "ts")
GET = ("apiID", "knummer", "pwd", "m", "id", "f", "ts")
UPDATE = ("apiID", "knummer", "pwd", "m", "id", "p", "f", "ts")


@pytest.fixture
def account(sandbox_pbx):
    return sandbox_pbx.put_account(
        {
            "dialect": "voipcenter",
            "api_id": sandbox_pbx.unique("pi99"),
            "customer_number": "123456",
            "password": "s3cret pass",
            "private_key": "priv-key",
            "extensions": ["201", "202"],
        }
    )


def pwd_of(password: str) -> str:
    # $hashed = hash('sha256', md5("password"))
    return hashlib.sha256(hashlib.md5(password.encode()).hexdigest().encode()).hexdigest()


def signed(account, fields, *, password=None, key=None, ts=None, f="json", **params):
    values = {
        "apiID": account["api_id"],
        "knummer": account["customer_number"],
        "pwd": pwd_of(password if password is not None else account["password"]),
        "f": f,
        "ts": str(ts if ts is not None else int(time.time())),
        **params,
    }
    message = "".join(name + values[name] for name in fields)
    secret = (key or account["private_key"]).encode()
    values["pass"] = hmac.new(secret, message.encode(), hashlib.sha256).hexdigest()
    return values


def get(sandbox_pbx, endpoint, values):
    return sandbox_pbx.http("GET", f"/voipcenter/api/{endpoint}?{urllib.parse.urlencode(values)}")


def code(reply) -> int:
    """The error number of a head/body reply: the head's first, then the body's."""
    data = reply.json()
    for part in (data["head"], data["body"]):
        if part and part["error_number"]:
            return int(part["error_number"])
    return 0


OK = {"status": "1", "error_number": "", "error_message": ""}


def test_call_php_initiates_a_call(sandbox_pbx, account):
    values = signed(account, CALL, sipacc="201", telnr="3293456789")
    # The reply php-voipcenter's tests show for call.php.
    assert get(sandbox_pbx, "call.php", values).json() == {"head": OK, "body": OK}
    calls = sandbox_pbx.calls(account=account["name"])
    assert calls[-1]["info"]["agent"] == "201" and calls[-1]["info"]["external_id"] is None


@pytest.mark.parametrize(
    ("change", "code", "message"),
    [
        ({"key": "wrong-key"}, 14, "Incorrect hash"),
        ({"ts": int(time.time()) - 60}, 11, "Timestamp mismatch"),
        ({"password": "not it"}, 15, "User password incorrect"),
        ({"f": "php"}, 12, "Wrong format"),
    ],
)
def test_call_php_refusals(sandbox_pbx, account, change, code, message):
    values = signed(account, CALL, sipacc="201", telnr="3293456789", **change)
    head = get(sandbox_pbx, "call.php", values).json()["head"]
    assert (head["status"], head["error_number"], head["error_message"]) == (
        "0",
        str(code),
        message,
    )


def test_missing_parameter_and_unknown_user(sandbox_pbx, account):
    values = signed(account, CALL, sipacc="201", telnr="3293456789")
    del values["telnr"]
    assert code(get(sandbox_pbx, "call.php", values)) == 10
    other = signed({**account, "api_id": "nobody"}, CALL, sipacc="201", telnr="3293456789")
    assert code(get(sandbox_pbx, "call.php", other)) == 16


def test_too_many_bad_hashes_lock_out(sandbox_pbx, account):
    bad = signed(account, CALL, sipacc="201", telnr="3293456789", key="nope")
    codes = [code(get(sandbox_pbx, "call.php", bad)) for _ in range(6)]
    assert codes == [14] * 5 + [13]
    good = signed(account, CALL, sipacc="201", telnr="3293456789")
    assert code(get(sandbox_pbx, "call.php", good)) == 13


def test_body_errors(sandbox_pbx, account):
    offline = signed(account, CALL, sipacc="999", telnr="3293456789")
    assert code(get(sandbox_pbx, "call.php", offline)) == 20  # not one of ours
    account = sandbox_pbx.put_account({**account, "extensions": []})
    offline = signed(account, CALL, sipacc="999", telnr="3293456789")
    assert get(sandbox_pbx, "call.php", offline).json()["body"]["error_number"] == "21"
    refused = signed(account, CALL, sipacc="201", telnr="3293456500")
    assert code(get(sandbox_pbx, "call.php", refused)) == 1
    not_digits = signed(account, CALL, sipacc="201", telnr="+3293456789")
    assert code(get(sandbox_pbx, "call.php", not_digits)) == 17


def test_get_php_sipacc_and_xml(sandbox_pbx, account):
    # Rows keyed id_<n>, as php-voipcenter and voipcenter-hacs read them.
    reply = get(sandbox_pbx, "get.php", signed(account, GET, m="sipacc", id="0")).json()
    assert {key: row["name"] for key, row in reply.items()} == {"id_1": "201", "id_2": "202"}
    xml = get(sandbox_pbx, "get.php", signed(account, GET, m="sipacc", id="2", f="xml"))
    root = ET.fromstring(xml.body)  # noqa: S314 - the local sandbox's own reply
    assert root.tag == "response" and root.findtext("name") == "202"
    missing = get(sandbox_pbx, "get.php", signed(account, GET, m="did", id="99"))
    assert code(missing) == 2


def test_get_php_calls_of_a_day_have_stable_ids(sandbox_pbx, account):
    get(sandbox_pbx, "call.php", signed(account, CALL, sipacc="201", telnr="3293456789"))
    day = time.strftime("%Y%m%d", time.gmtime())
    values = signed(account, GET, m="calls", id="0", filter=day)
    first = get(sandbox_pbx, "get.php", values).json()
    again = get(sandbox_pbx, "get.php", signed(account, GET, m="calls", id="0", filter=day))
    assert first and list(first) == list(again.json())
    assert next(iter(first.values()))["to"] == "3293456789"
    other_day = get(
        sandbox_pbx, "get.php", signed(account, GET, m="calls", id="0", filter="20000101")
    ).json()
    assert other_day == []


def test_update_php_changes_state(sandbox_pbx, account):
    values = signed(account, UPDATE, m="did", id="540", p="r141|b=151")
    # voipcenter-hacs treats body.status == "1" as success.
    assert get(sandbox_pbx, "update.php", values).json() == {"head": OK, "body": OK}
    after = get(sandbox_pbx, "get.php", signed(account, GET, m="did", id="540")).json()
    assert (after["r"], after["b"]) == (141, 151)
    get(sandbox_pbx, "update.php", signed(account, UPDATE, m="indicator", id="100", p="1"))
    indicator = get(sandbox_pbx, "get.php", signed(account, GET, m="indicator", id="100"))
    assert indicator.json()["actief"] == "1"
    bad = get(sandbox_pbx, "update.php", signed(account, UPDATE, m="did", id="540", p="zz"))
    assert code(bad) == 17


def test_request_log_masks_secrets(sandbox_pbx, account):
    get(sandbox_pbx, "call.php", signed(account, CALL, sipacc="201", telnr="3293456789"))
    entry = sandbox_pbx.requests()[-1]
    assert entry["params"]["pwd"] == "***" and entry["params"]["pass"] == "***"
    assert "pwd=***" in entry["path"] and entry["verdict"] == "ok"
    assert isinstance(entry["time"], float)


def test_a_call_in_progress_is_not_listed_as_ended():
    """m=calls during a conversation: the row says the call goes on, so the history sync
    (which ends our open calls the list reports ended) leaves the agent talking."""
    from calls.pbx.voipcenter.history import call_history
    from sandbox.dialects import voipcenter_data
    from sandbox.simulator import Call

    talking = Call(1, {"name": "vc", "dialect": "voipcenter"}, "outbound", agent="201", to="32")
    talking.leg("agent", "answered")
    talking.leg("customer", "answered")
    talking.state = "answered"
    ended = Call(2, {"name": "vc", "dialect": "voipcenter"}, "outbound", agent="201", to="33")
    ended.leg("customer", "answered")
    ended.state = ended.outcome = "completed"
    ended.leg("_call", "ended")

    rows = voipcenter_data.calls([talking, ended], "vc")
    read = call_history(rows, "BE").calls
    assert read[0].hangup is None
    assert read[1].hangup is not None and read[1].hangup.outcome == "completed"
