"""``manage.py listen_voipcenter``: VoipCenter's live call events (the Procfile's
``voipcenter``): one Socket.IO connection per account with a websocket user."""

from __future__ import annotations

import signal
import threading

from django.core.management.base import BaseCommand

from calls.pbx.voipcenter import listener


class Command(BaseCommand):
    help = (
        "Listen to VoipCenter's live call events (its Socket.IO stream) for every VoipCenter "
        "account with a websocket user, until stopped (SIGTERM/SIGINT)."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--refresh",
            type=float,
            default=listener.REFRESH,
            help="seconds between looks for added, changed or removed accounts",
        )

    def handle(self, *args, refresh: float, **options) -> None:
        stop = threading.Event()
        for sig in (signal.SIGTERM, signal.SIGINT):
            signal.signal(sig, lambda *_: stop.set())
        self.stdout.write("VoipCenter stream: listening for every account with a websocket user")
        listener.Listener().run(stop, every=refresh)
