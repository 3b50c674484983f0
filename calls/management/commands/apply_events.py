"""``manage.py apply_events``: the event applier process (the Procfile's ``events``)."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand

from calls.events import applier
from pbxportal.gcwarm import WarmUp, freeze


class Command(BaseCommand):
    help = "Apply the PBX events that the webhooks queued, until stopped (SIGTERM/SIGINT)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--batch", type=int, default=applier.BATCH)
        parser.add_argument(
            "--poll", type=float, default=None, help="seconds between looks when idle"
        )
        parser.add_argument(
            "--once", action="store_true", help="apply what is queued now, then exit"
        )

    def handle(self, *args, batch: int, poll: float | None, once: bool, **options) -> None:
        if once:
            total = 0
            while taken := applier.apply_queued(batch):
                total += taken
            self.stdout.write(f"applied {total} queued request(s)")
            return
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write("event applier: waiting for queued webhook requests")
        freeze("event applier started")  # pbxportal/gcwarm.py: pauses of 30-130 ms
        warm_up = WarmUp(after=50, what="batches")
        applier.run(stop, poll=poll, batch=batch, after_batch=warm_up.done_one)
