"""Each vendor's own rules, checked between its adapter and the running sandbox PBX:
refusals in sentences a person can act on, the admin tools, and While1's own PHP client.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
import uuid
from datetime import UTC, datetime

import pytest

from calls.pbx.base import EventKind, HangupOutcome, PbxError
from tests.pbx.vs_sandbox import (
    CUSTOMER,
    finished_call,
    last_seq,
    received_events,
    sandbox_rig,
    telphin_rig,
    voipcenter_rig,
    while1_rig,
)
from tests.sandbox.harness import ROOT, wait_for

pytestmark = pytest.mark.slow

SAMPLE_CLIENT = ROOT / "tests" / "fixtures" / "while1" / "sample_client.php"


# --- While1 Voice ---------------------------------------------------------------------


def test_while1_refuses_an_offline_agent(live_sandbox, receiver):
    rig = while1_rig(live_sandbox, receiver)
    result = rig.adapter.originate(rig.request(agent_extension="999"))
    assert not result.ok
    assert result.message == "While1 Voice refused the call: User is not online"


@pytest.mark.parametrize(
    ("credential", "words"),
    [
        ("api_token", "did not accept the API token (Token does not match). Copy the API token"),
        ("api_key", "rejected the request hash (Hash does not match). Make the API key here match"),
    ],
)
def test_while1_wrong_credentials_say_which(live_sandbox, receiver, credential, words):
    rig = while1_rig(live_sandbox, receiver)
    result = rig.wrong(credential).originate(rig.request())
    assert not result.ok and words in result.message
    assert live_sandbox.calls(account=rig.account["name"]) == []


def run_sample_client(
    url: str, token: str, api_key: str, **env: str
) -> subprocess.CompletedProcess[bytes]:
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "URL": url,
        "TOKEN": token,
        "API_KEY": api_key,
        **env,
    }
    return subprocess.run(
        ["php", str(SAMPLE_CLIENT)], env=environment, capture_output=True, timeout=20, check=False
    )


@pytest.mark.skipif(shutil.which("php") is None, reason="php not installed (CI installs php-cli)")
@pytest.mark.parametrize("fmt", ["json", "form"])
def test_the_vendors_php_sample_client_is_accepted_and_tampering_refused(live_sandbox, fmt):
    account = live_sandbox.put_account(
        {
            "dialect": "while1",
            "api_token": "t-" + uuid.uuid4().hex,
            "api_key": "k-" + uuid.uuid4().hex,
            "project_id": 1,
        }
    )
    url = live_sandbox.url + "/while1"
    since = last_seq(live_sandbox)
    sent = run_sample_client(url, account["api_token"], account["api_key"], FORMAT=fmt)
    assert sent.returncode == 0, sent.stdout + sent.stderr
    assert b'"has_error": false' in sent.stdout

    tampered = run_sample_client(
        url, account["api_token"], account["api_key"], FORMAT=fmt, TAMPER="1"
    )
    assert tampered.returncode == 1 and b"Hash does not match" in tampered.stdout
    verdicts = [(e["verdict"], e["reason"]) for e in live_sandbox.requests(since)]
    assert verdicts == [("ok", ""), ("refused", "Hash does not match")]
    assert len(live_sandbox.calls(account=account["name"])) == 1  # the tampered one rang no one


# --- VoipCenter -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("credential", "sentence"),
    [
        ("private_key", "VoipCenter 14: incorrect hash — check the private API key"),
        ("password", "VoipCenter 15: user password incorrect — check the VoipCenter customer"),
    ],
)
def test_voipcenter_refusals_are_sentences(live_sandbox, receiver, credential, sentence):
    rig = voipcenter_rig(live_sandbox, receiver)
    result = rig.wrong(credential).originate(rig.request())
    assert not result.ok and result.message.startswith(sentence)
    assert result.vendor_code == sentence.split()[1].rstrip(":")


def test_voipcenter_offline_agent_is_a_body_error(live_sandbox, receiver):
    rig = voipcenter_rig(live_sandbox, receiver)
    result = rig.adapter.originate(rig.request(agent_extension="999"))
    assert not result.ok and result.vendor_code == "21"
    assert result.message.startswith("VoipCenter 21: call leg failed — ")


def test_voipcenter_admin_tools(live_sandbox, receiver):
    rig = voipcenter_rig(live_sandbox, receiver)
    adapter = rig.adapter
    assert [row["name"] for row in adapter.list_sip_accounts()] == ["201", "999"]

    assert adapter.originate(rig.request()).ok
    finished_call(live_sandbox, rig)
    today = datetime.now(UTC).date()
    calls = adapter.list_calls(today)
    assert [(c["sipacc"], c["to"], c["status"]) for c in calls] == [
        ("201", CUSTOMER.lstrip("+"), "completed")
    ]
    assert calls[0]["id"]  # from the id_<n> key

    adapter.set_indicator(100, True)
    assert adapter.get("indicator", 100)["actief"] == "1"
    adapter.set_indicator(100, False)
    assert adapter.get("indicator", 100)["actief"] == "0"
    with pytest.raises(PbxError, match="VoipCenter 2: incorrect ID"):
        adapter.get("did", 99)


# --- Telphin --------------------------------------------------------------------------


def test_telphin_refusals(live_sandbox, receiver):
    rig = telphin_rig(live_sandbox, receiver)
    with pytest.raises(PbxError, match="Telphin refused the application credentials") as caught:
        rig.wrong("client_secret").originate(rig.request())
    assert caught.value.permanent  # a wrong secret stays wrong
    offline = rig.adapter.originate(
        rig.request(agent_extension="000*999", vendor_extension_id="176")
    )
    assert not offline.ok and "Extension is not registered" in offline.message


def test_telphin_register_webhooks_twice_changes_nothing(live_sandbox, receiver):
    rig = telphin_rig(live_sandbox, receiver)  # registered once already
    url = receiver.url + rig.hooks
    since = last_seq(live_sandbox)
    again = rig.adapter.subscribe_extension(175, url)
    assert again.created == () and again.updated == () and len(again.unchanged) == 4
    assert {e["method"] for e in live_sandbox.requests(since)} == {"GET"}  # read, no write
    subs = rig.adapter.list_event_subscriptions(175)
    assert sorted(s.event_type for s in subs) == ["answer", "dial-in", "dial-out", "hangup"]


def test_telphin_agent_phone_shows_the_customer(live_sandbox, receiver):
    """src_caller_id_* is what the agent's phone shows; the customer never sees our name."""
    rig = telphin_rig(live_sandbox, receiver)
    assert rig.adapter.originate(rig.request(caller_name="Ion Popescu")).ok
    call = finished_call(live_sandbox, rig)
    assert call["info"]["src_caller_id_name"] == "Ion Popescu"
    assert call["info"]["src_caller_id_number"] == CUSTOMER
    names = {e["payload"]["CallerIDName"] for e in call["events"] if e["payload"]}
    assert "Ion Popescu" not in names


# --- the sandbox's own dialect --------------------------------------------------------


def test_sandbox_adapter_hangup_ends_the_call(live_sandbox, receiver):
    rig = sandbox_rig(live_sandbox, receiver)
    live_sandbox.put_account({**rig.account, "talk_time": 30})  # would talk for a long time
    result = rig.adapter.originate(rig.request())
    wait_for(lambda: live_sandbox.call(result.vendor_call_id)["state"] == "answered", 5)
    started = time.monotonic()
    rig.adapter.hangup(result.vendor_call_id)
    call = live_sandbox.wait_call(result.vendor_call_id, timeout=5)
    assert call["outcome"] == "completed" and time.monotonic() - started < 2
    last = received_events(rig, receiver)[-1]
    assert (last.kind, last.outcome) == (EventKind.HANGUP, HangupOutcome.COMPLETED)
    with pytest.raises(PbxError, match="has no call sbx-nope"):
        rig.adapter.hangup("sbx-nope")
