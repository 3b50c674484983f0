"""Why a call cannot be started or changed, for the person who clicked."""

from __future__ import annotations


class CallRefused(Exception):
    """A call cannot be started or changed; the message is for the agent."""

    def __init__(self, message: str, *, code: str, conflict: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.conflict = conflict
