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
    Availability,
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
from calls.models.work import (
    AgentStateChange,
    Callback,
    CallbackReason,
    Disposition,
    PauseReason,
)

__all__ = [
    "TERMINAL_STATUSES",
    "Agent",
    "AgentStateChange",
    "AuditEntry",
    "Availability",
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
    "PauseReason",
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
