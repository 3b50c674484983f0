"""The periodic Celery tasks (settings' CELERY_BEAT_SCHEDULE names them) and the ping
operators use; thin wrappers that call the services."""

from __future__ import annotations

from celery import shared_task

from calls.api.tokens import hash_stored_tokens
from calls.board.presence import refresh_all
from calls.maintenance import housekeeping as care


@shared_task(name="calls.ping", ignore_result=False)
def ping(value: str) -> str:
    """Round-trip check for operators and tests: proves a worker consumes the queue."""
    return f"pong:{value}"


@shared_task(name="calls.housekeeping")
def housekeeping() -> dict[str, int]:
    """Every minute (beat): close calls the PBX left hanging or no worker took, flag
    PBXs gone silent, trim the webhook log, report events waiting for the applier, hash
    API tokens DRF's admin or drf_create_token stored in plain text."""
    closed = care.close_stuck_calls()
    silent = care.flag_silent_pbxs()
    return {
        "ringing": closed.ringing,
        "answered": closed.answered,
        "queued": closed.queued,
        "silent": len(silent),
        "webhook_log_purged": care.purge_webhook_log(),
        "events_waiting": care.check_event_backlog(),
        "api_tokens_hashed": hash_stored_tokens(),
    }


@shared_task(name="calls.lost_originates", ignore_result=True)
def lost_originates() -> dict[str, int]:
    """Every LOST_ORIGINATE_SWEEP_SECONDS (beat): calls whose originate message was lost
    are sent again while still queued, failed once they may have reached the PBX."""
    found = care.recover_lost_originates()
    return {"resent": found.resent, "failed": found.failed}


@shared_task(name="calls.refresh_presence", ignore_result=True)
def refresh_presence() -> dict[str, int]:
    """Every PRESENCE_REFRESH_SECONDS (beat): the agents' phone status from PBXs that tell."""
    return refresh_all()
