"""The one interface every PBX dialect speaks.

Adapters know only their vendor's dialect: signing, request building, reply
parsing, error codes in words a person can act on. They never touch the ORM:
plain dataclasses in, plain dataclasses out. Retry policy lives in the Celery
task, never here.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any, ClassVar

import requests

# The errors are re-exported: adapters and the product import them from here.
from calls.pbx.errors import NotSupported, PbxError, WebhookAuthError  # noqa: F401
from calls.pbx.http import make_session
from calls.pbx.words import gettext as _


@dataclass(frozen=True)
class CredentialField:
    """One credential a vendor needs. All are write-only once stored."""

    name: str
    label: str  # English, marked with gettext_noop: translate it where it is shown
    secret: bool = True
    required: bool = True


@dataclass(frozen=True)
class PbxConfig:
    """What an adapter needs to talk to one PBX account for one project."""

    base_url: str
    credentials: Mapping[str, str]
    settings: Mapping[str, Any] = field(default_factory=dict)
    connect_timeout: float = 5.0
    read_timeout: float = 15.0


class Direction(enum.StrEnum):
    OUTBOUND = "outbound"
    INBOUND = "inbound"


@dataclass(frozen=True)
class OriginateRequest:
    """One click-to-call: ring the agent, then connect the customer."""

    external_id: str  # our Call's UUID, echoed back by vendors that support it
    number: str  # customer number in E.164, e.g. "+40212345678"
    agent_extension: str  # the agent's extension / SIP account at the PBX
    destination_type: str = "user"  # user | queue | context (While1 terms)
    destination: str = ""  # empty: the agent's extension
    caller_name: str = ""  # shown on the agent's phone
    backend_link: str = ""  # CRM pop-up link for the agent
    vendor_extension_id: str = ""  # numeric extension id where the vendor needs it (Telphin)
    event_url: str = ""  # our webhook URL, for dialects that take it per call

    @property
    def target(self) -> str:
        return self.destination or self.agent_extension


@dataclass(frozen=True)
class OriginateResult:
    """What the PBX said to an originate request.

    ``answered`` is True only when the vendor held the request open until the
    agent picked up (While1 async=0).
    """

    ok: bool
    vendor_call_id: str = ""
    message: str = ""
    answered: bool = False
    warnings: tuple[str, ...] = ()
    vendor_code: str | None = None


@dataclass(frozen=True)
class ConnectionCheck:
    """Outcome of an admin's "Test connection": a sentence for a person."""

    ok: bool
    message: str
    warnings: tuple[str, ...] = ()


class EventKind(enum.StrEnum):
    DIAL_IN = "dial_in"
    DIAL_OUT = "dial_out"
    ANSWER = "answer"
    HANGUP = "hangup"
    MESSAGE = "message"  # stored, never acted on
    UNKNOWN = "unknown"


class HangupOutcome(enum.StrEnum):
    """Why a call ended, in our words, whatever the vendor's."""

    COMPLETED = "completed"
    NO_ANSWER = "no_answer"
    BUSY = "busy"
    FAILED = "failed"
    CANCELED = "canceled"


@dataclass(frozen=True)
class NormalizedEvent:
    """One call event, in our words, with the vendor's raw payload kept."""

    kind: EventKind
    dedupe_key: str  # unique per vendor: a repeat of the same event has the same key
    vendor_call_id: str = ""
    external_id: str = ""  # our Call UUID when the vendor echoes it
    direction: Direction | None = None
    from_number: str = ""
    to_number: str = ""
    extension: str = ""  # the PBX extension the event belongs to
    occurred_at: datetime | None = None
    outcome: HangupOutcome | None = None  # hangup events only
    reason: str = ""  # vendor's own words for an unsuccessful end
    transferred: bool = False
    leg: str = ""  # "agent" or "customer" where the dialect tells legs apart
    talk_seconds: int | None = None  # the PBX's own talk time, on hangups that carry it
    contact_id: str = ""  # our contact's id when the PBX echoes our caller-lookup answer
    raw: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class HistoryCall:
    """One call of the PBX's own call history, in our words (``PbxAdapter.sync_calls``)."""

    vendor_call_id: str
    started: datetime
    direction: Direction
    extension: str  # the agent's extension / SIP account
    number: str  # the other party in E.164, or as the PBX wrote it when it does not parse
    talk_seconds: int
    hangup: NormalizedEvent | None  # how the call ended; None while it is in progress


@dataclass(frozen=True)
class CallHistory:
    calls: tuple[HistoryCall, ...] = ()
    unreadable: int = 0  # listed rows without a call id or a readable time


class Presence(enum.StrEnum):
    """An agent's phone as the PBX last saw it (Agent.pbx_presence)."""

    REGISTERED = "registered"
    OFFLINE = "offline"
    UNKNOWN = "unknown"


@dataclass(frozen=True)
class InboundRequest:
    """An HTTP request from a PBX, stripped of the web framework."""

    method: str
    path: str
    query: Mapping[str, Sequence[str]]
    form: Mapping[str, Sequence[str]]
    body: bytes
    headers: Mapping[str, str]  # lower-cased names
    remote_addr: str = ""
    query_string: str | None = None  # as received, when known (the log keeps it verbatim)

    def param(self, name: str, default: str = "") -> str:
        """First value of ``name`` from the body, then the query string."""
        for source in (self.form, self.query):
            values = source.get(name)
            if values:
                return values[0]
        return default


@dataclass(frozen=True)
class Extension:
    """One phone at the PBX, in our words: what "Import extensions" makes an agent of."""

    name: str  # what Agent.extension holds: the SIP account (VoipCenter), "000*099" (Telphin)
    vendor_id: str = ""  # the id the vendor's API needs beside the name (Telphin), if any
    label: str = ""  # a person's name for it, where the PBX keeps one


@dataclass(frozen=True)
class WebhookRegistration:
    """What register_webhooks changed at the PBX, counted in event subscriptions."""

    extensions: int = 0  # how many extensions now send their events to us
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    failures: tuple[str, ...] = ()  # "<extension>: <the vendor's sentence>" for each refusal


@dataclass(frozen=True)
class SampleEvent:
    """One harmless event in the vendor's dialect, for the admin's "Send test event"."""

    headers: Mapping[str, str]
    body: bytes


class PbxAdapter:
    """Base class: one subclass per vendor dialect, registered in ``registry``."""

    vendor: ClassVar[str] = ""
    label: ClassVar[str] = ""
    credential_fields: ClassVar[tuple[CredentialField, ...]] = ()
    can_hangup: ClassVar[bool] = False
    # Project settings test_connection reads (While1's project_id): unchecked without a project.
    project_settings_checked: ClassVar[tuple[str, ...]] = ()

    def __init__(self, config: PbxConfig, session: requests.Session | None = None) -> None:
        self.config = config
        self.session = session or make_session()

    @classmethod
    def offers(cls, feature: str) -> bool:
        """True when this vendor implements the method ``feature``: one the base leaves
        NotSupported, or one only some vendors have. Pages ask this before showing a tool."""
        own = getattr(cls, feature, None)
        return callable(own) and own is not getattr(PbxAdapter, feature, None)

    @property
    def timeout(self) -> tuple[float, float]:
        return (self.config.connect_timeout, self.config.read_timeout)

    def originate(self, request: OriginateRequest) -> OriginateResult:
        raise NotImplementedError

    def hangup(self, vendor_call_id: str, *, extension_id: str = "") -> None:
        """End a live call. ``extension_id``: the agent's vendor extension id, for
        dialects whose hang-up resource sits under the extension (Telphin)."""
        raise NotSupported(
            _("%(vendor)s offers no way to end a call from here.") % {"vendor": self.label}
        )

    def test_connection(self) -> ConnectionCheck:
        raise NotImplementedError

    def presence(self) -> dict[str, Presence]:
        """Extension -> its phone's registration at the PBX, where the vendor can tell."""
        raise NotSupported(
            _("%(vendor)s offers no way to read the agents' phone status.") % {"vendor": self.label}
        )

    def sync_calls(self, day: date, region: str) -> CallHistory:
        """The PBX's calls of ``day`` (UTC), from which calls/events/history_sync.py settles
        what the live events missed. ``region`` reads numbers written nationally."""
        raise NotSupported(
            _("%(vendor)s offers no call history to sync from.") % {"vendor": self.label}
        )

    def list_extensions(self) -> list[Extension]:
        """The account's phones for people (no queues or IVRs), for "Import extensions"."""
        raise NotSupported(
            _("%(vendor)s offers no list of extensions to import.") % {"vendor": self.label}
        )

    def register_webhooks(self, url: str, extensions: Sequence[Extension]) -> WebhookRegistration:
        """Make the PBX send the call events of ``extensions`` to ``url``; a second run
        changes nothing, and a rotated URL token is updated in place."""
        raise NotSupported(
            _(
                "%(vendor)s takes no event addresses through its API; give it the webhook "
                "address by hand."
            )
            % {"vendor": self.label}
        )

    def sample_event(self, event_id: str) -> SampleEvent:
        """A harmless event with ``event_id`` that no call matches, signed as the vendor
        would sign it: "Send test event" posts it to the project's webhook address."""
        raise NotSupported(_("%(vendor)s has no test event we can send.") % {"vendor": self.label})

    def validate_request(self, request: InboundRequest) -> None:
        """Raise WebhookAuthError if the vendor would not have sent this.

        The per-project URL token is checked by the webhook view for every
        vendor; dialects with their own signatures add their check here.
        """

    def parse_events(self, request: InboundRequest) -> list[NormalizedEvent]:
        raise NotImplementedError

    def empty_webhook_reply(self, request: InboundRequest) -> bool:
        """True when the PBX wants an empty body back (While1); others get our JSON."""
        return False
