"""VoipCenter (pbxonline.be): click-to-call and PBX data (adapter, reply), the live
events of its Socket.IO stream (notify, stream). docs/vendors/voipcenter.md has the details."""

from calls.pbx.voipcenter.adapter import (
    DID_ROUTE_LETTERS,
    VoipCenterAdapter,
    dialable,
    did_routes_param,
)
from calls.pbx.voipcenter.reply import VoipCenterRefused

__all__ = [
    "DID_ROUTE_LETTERS",
    "VoipCenterAdapter",
    "VoipCenterRefused",
    "dialable",
    "did_routes_param",
]
