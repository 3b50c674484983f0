"""While1 Voice: click-to-call (adapter), its own "Send Events" webhook (events),
the read-only users-status endpoint (presence). docs/vendors/while1.md has the details."""

from calls.pbx.while1.adapter import While1Adapter, api_hash, format_caller_id

__all__ = ["While1Adapter", "api_hash", "format_caller_id"]
