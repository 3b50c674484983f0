"""Each vendor adapter wired to an account on the running sandbox PBX (a real process).

A ``Rig`` is one adapter plus the sandbox account it talks to and where that account's
call events land on the test's EventReceiver. The events are read back exactly as the
product's webhook view would: the adapter validates and parses what arrived.
"""

from __future__ import annotations

import dataclasses
import socket
import uuid
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from calls.pbx.base import (
    EventKind,
    InboundRequest,
    NormalizedEvent,
    OriginateRequest,
    PbxAdapter,
    PbxConfig,
)
from calls.pbx.sandbox import SandboxAdapter
from calls.pbx.telphin.adapter import TelphinAdapter
from calls.pbx.telphin.auth import InMemoryTokenCache
from calls.pbx.voipcenter import VoipCenterAdapter
from calls.pbx.while1 import While1Adapter
from tests.sandbox.harness import EventReceiver, SandboxProcess, wait_for

VENDORS = ("while1", "voipcenter", "telphin", "sandbox")
CUSTOMER = "+40722000111"
BUSY = "+40722000486"  # sandbox magic: the customer's line is busy
HANGS = "+40722000504"  # sandbox magic: holds the originate past any client timeout
READ_TIMEOUT = 2.0

GENERIC_SCRIPT = [
    (EventKind.DIAL_IN, "agent"),
    (EventKind.ANSWER, "agent"),
    (EventKind.DIAL_OUT, "customer"),
    (EventKind.ANSWER, "customer"),
    (EventKind.HANGUP, "customer"),
]
# Telphin sends nothing for the agent's own leg of a callback ("calling itself").
TELPHIN_SCRIPT = [
    (EventKind.DIAL_OUT, "customer"),
    (EventKind.ANSWER, "customer"),
    (EventKind.HANGUP, "customer"),
]


@dataclass
class Rig:
    adapter: PbxAdapter
    account: dict[str, Any]
    agent: str
    originate_path: str  # part of the path that only the originate request has
    hooks: str  # receiver path prefix of this account's events
    script: list[tuple[EventKind, str]]
    extension_id: str = ""
    event_url: str = ""
    secrets: dict[str, str] = field(default_factory=dict)

    def request(self, number: str = CUSTOMER, **changes: Any) -> OriginateRequest:
        values = {
            "external_id": str(uuid.uuid4()),
            "number": number,
            "agent_extension": self.agent,
            "caller_name": "Ion Popescu",
            "vendor_extension_id": self.extension_id,
            "event_url": self.event_url,
            **changes,
        }
        return OriginateRequest(**values)

    def adapter_with(self, **changes: Any) -> PbxAdapter:
        """The same adapter class with a changed config (credentials, base_url, ...)."""
        config = dataclasses.replace(self.adapter.config, **changes)
        if isinstance(self.adapter, TelphinAdapter):
            return TelphinAdapter(config, token_cache=InMemoryTokenCache())
        return type(self.adapter)(config)

    def wrong(self, name: str) -> PbxAdapter:
        credentials = {**self.adapter.config.credentials, name: "wrong-" + name}
        return self.adapter_with(credentials=credentials)


def config(base_url: str, credentials: dict[str, str], **settings: Any) -> PbxConfig:
    return PbxConfig(
        base_url=base_url,
        credentials=credentials,
        settings=settings,
        connect_timeout=1.0,
        read_timeout=READ_TIMEOUT,
    )


def while1_rig(sandbox: SandboxProcess, receiver: EventReceiver) -> Rig:
    secret, hooks = sandbox.unique("sign"), f"/hooks/while1/{uuid.uuid4().hex}/"
    account = sandbox.put_account(
        {
            "dialect": "while1",
            "api_token": sandbox.unique("tok"),
            "api_key": "k&y ~1",
            "project_id": 7,
            "event_url": receiver.url + hooks,
            "signing_secret": secret,
            # This rig checks the generic script; While1's own events: test_while1_vs_sandbox.
            "events": "generic",
        }
    )
    creds = {"api_token": account["api_token"], "api_key": account["api_key"]}
    cfg = config(sandbox.url + "/while1", creds, project_id="7", webhook_signing_secret=secret)
    return Rig(While1Adapter(cfg), account, "101", "/api/originate-call", hooks, GENERIC_SCRIPT)


def voipcenter_rig(sandbox: SandboxProcess, receiver: EventReceiver) -> Rig:
    hooks = f"/hooks/voipcenter/{uuid.uuid4().hex}/"
    account = sandbox.put_account(
        {
            "dialect": "voipcenter",
            "api_id": sandbox.unique("pi99"),
            "customer_number": "123456",
            "password": "pa ss+wörd",
            "private_key": "priv&key",
            "extensions": ["201", "999"],
            "event_url": receiver.url + hooks,
        }
    )
    creds = {
        "api_id": account["api_id"],
        "customer_number": account["customer_number"],
        "password": account["password"],
        "private_key": account["private_key"],
    }
    adapter = VoipCenterAdapter(config(sandbox.url + "/voipcenter", creds))
    return Rig(adapter, account, "201", "/call.php", hooks, GENERIC_SCRIPT)


def telphin_rig(sandbox: SandboxProcess, receiver: EventReceiver) -> Rig:
    hooks = f"/hooks/telphin/{uuid.uuid4().hex}/"
    account = sandbox.put_account(
        {
            "dialect": "telphin",
            "client_id": sandbox.unique("app"),
            "client_secret": "cs-1",
            "extensions": [{"id": 175, "name": "000*099"}, {"id": 176, "name": "000*999"}],
        }
    )
    creds = {"client_id": account["client_id"], "client_secret": account["client_secret"]}
    adapter = TelphinAdapter(
        config(sandbox.url + "/telphin", creds), token_cache=InMemoryTokenCache()
    )
    # Events reach only the URLs subscribed through the adapter's own tool, as at Telphin.
    adapter.subscribe_extension(175, receiver.url + hooks)
    return Rig(adapter, account, "000*099", "/callback", hooks, TELPHIN_SCRIPT, extension_id="175")


def sandbox_rig(sandbox: SandboxProcess, receiver: EventReceiver) -> Rig:
    hooks = f"/hooks/sandbox/{uuid.uuid4().hex}/"
    account = sandbox.put_account({"dialect": "sandbox", "api_token": sandbox.unique("tok")})
    adapter = SandboxAdapter(config(sandbox.url + "/generic", {"api_token": account["api_token"]}))
    # The generic dialect takes the event URL per call.
    return Rig(
        adapter, account, "101", "/originate", hooks, GENERIC_SCRIPT, event_url=receiver.url + hooks
    )


RIGS = {
    "while1": while1_rig,
    "voipcenter": voipcenter_rig,
    "telphin": telphin_rig,
    "sandbox": sandbox_rig,
}


def inbound(entry: dict[str, Any]) -> InboundRequest:
    """What the webhook view would hand the adapter for one request the receiver got."""
    headers = entry["headers"]
    form: dict[str, list[str]] = {}
    if headers.get("content-type", "").startswith("application/x-www-form-urlencoded"):
        form = parse_qs(entry["body"].decode(), keep_blank_values=True)
    return InboundRequest(
        method=entry["method"],
        path=entry["path"],
        query={name: [value] for name, value in entry["query"].items()},
        form=form,
        body=entry["body"],
        headers=headers,
        remote_addr="127.0.0.1",
    )


def received_events(rig: Rig, receiver: EventReceiver) -> list[NormalizedEvent]:
    events: list[NormalizedEvent] = []
    for entry in receiver.at(rig.hooks):
        request = inbound(entry)
        rig.adapter.validate_request(request)  # raises if a signature does not match
        events.extend(rig.adapter.parse_events(request))
    return events


def finished_call(sandbox: SandboxProcess, rig: Rig) -> dict[str, Any]:
    """The account's latest call once it ended and all its events were delivered."""
    calls = wait_for(lambda: sandbox.calls(account=rig.account["name"]), timeout=5)
    return sandbox.wait_call(calls[-1]["id"], timeout=5)


def last_seq(sandbox: SandboxProcess) -> int:
    entries = sandbox.requests()
    return entries[-1]["seq"] if entries else 0


def originates(sandbox: SandboxProcess, rig: Rig, since: int) -> list[dict[str, Any]]:
    return [r for r in sandbox.requests(since) if rig.originate_path in r["path"]]


def closed_port_url(prefix: str) -> str:
    """An address where nothing listens: the OS just gave the port out and took it back."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/{prefix}"
