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

from calls.pbx.words import gettext as _


class PbxError(Exception):
    """A vendor request failed.

    ``permanent`` is False only when the request provably never reached the PBX
    (connection refused, DNS failure, connect timeout): only then may the task
    try again without risking a second ring.
    """

    def __init__(
        self, message: str, *, permanent: bool = True, vendor_code: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.permanent = permanent
        self.vendor_code = vendor_code


class NotSupported(PbxError):
    """The vendor's API has no such operation (e.g. hanging up a call)."""


class WebhookAuthError(Exception):
    """An inbound request failed authentication: answer 403, apply nothing."""


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


class PbxAdapter:
    """Base class: one subclass per vendor dialect, registered in ``registry``."""

    vendor: ClassVar[str] = ""
    label: ClassVar[str] = ""
    credential_fields: ClassVar[tuple[CredentialField, ...]] = ()
    can_hangup: ClassVar[bool] = False

    def __init__(self, config: PbxConfig, session: requests.Session | None = None) -> None:
        from calls.pbx.http import make_session  # local: keeps base importable alone

        self.config = config
        self.session = session or make_session()

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
