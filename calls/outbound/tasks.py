"""The originate task: takes a call id, runs calls/outbound/originate.py, retries only
what the PBX never saw. Its name is routed to the `calls` queue (settings)."""

from __future__ import annotations

from celery import shared_task

from calls.outbound.originate import Originate, give_up
from calls.outbound.originate import originate as place_call

# Connection refused, DNS failure: the PBX never saw the request, so trying again is safe.
RETRY_BACKOFF = (0.5, 1, 2, 4, 8)


@shared_task(bind=True, name="calls.originate", acks_late=True, max_retries=len(RETRY_BACKOFF))
def originate(self, call_id: int) -> str:
    """Place one queued call. Runs only from `queued`, so a redelivered message does nothing."""
    outcome = place_call(call_id)
    if outcome == Originate.RETRY:
        if self.request.retries >= self.max_retries:
            give_up(call_id)
            return Originate.DONE
        raise self.retry(countdown=RETRY_BACKOFF[self.request.retries])
    return outcome
