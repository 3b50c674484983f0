"""The call domain's models, one module per concern; import them from here."""

from calls.models.audit import AuditEntry
from calls.models.call import (
    TERMINAL_STATUSES,
    Call,
    CallDirection,
    CallEvent,
    CallStatus,
    EndedBy,
)
from calls.models.setup import (
    Agent,
    DestinationType,
    EventStream,
    PbxAccount,
    Project,
    ScreenPop,
    StreamState,
    UserPreference,
    Vendor,
    new_token,
)
from calls.models.webhook import WebhookRequest, WebhookVerdict
from calls.models.work import Callback, CallbackReason, Disposition

__all__ = [
    "TERMINAL_STATUSES",
    "Agent",
    "AuditEntry",
    "Call",
    "CallDirection",
    "CallEvent",
    "CallStatus",
    "Callback",
    "CallbackReason",
    "DestinationType",
    "Disposition",
    "EndedBy",
    "EventStream",
    "PbxAccount",
    "Project",
    "ScreenPop",
    "StreamState",
    "UserPreference",
    "Vendor",
    "WebhookRequest",
    "WebhookVerdict",
    "new_token",
]
