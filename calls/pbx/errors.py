"""What an adapter raises. A module of its own so that http.py (which turns transport
failures into PbxError) and base.py (which builds sessions with http.py) need not import
each other."""

from __future__ import annotations


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
