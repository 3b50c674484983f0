"""How the disk under PostgreSQL behaved during a run (--disk-probe).

Every commit on the click path waits for PostgreSQL's WAL flush, so a disk that stalls
an fsync for 100 ms stalls every click committing in that moment. Seen on this VM:
fdatasync of 8 kB usually takes 0.2-0.3 ms, and a few times a minute 20-320 ms, with
nothing else running. This probe syncs a small file next to the run's files every
``INTERVAL`` s, so a report can tell slow clicks the disk caused from slow code.
"""

from __future__ import annotations

import os
import threading
import time
from pathlib import Path

from measure import summary

INTERVAL = 0.02
STALL_MS = 20.0


class DiskProbe:
    def __init__(self, folder: Path, enabled: bool) -> None:
        self.path = folder / "disk-probe"
        self.enabled = enabled
        self.syncs: list[tuple[float, float]] = []  # (wall-clock start, seconds)
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def __enter__(self) -> DiskProbe:
        if self.enabled:
            self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        if self.enabled:
            self._thread.join()
            self.path.unlink(missing_ok=True)

    def _run(self) -> None:
        fd = os.open(self.path, os.O_WRONLY | os.O_CREAT, 0o600)
        try:
            block = b"x" * 8192
            while not self._stop.wait(INTERVAL):
                os.pwrite(fd, block, 0)
                started, tick = time.time(), time.perf_counter()
                os.fdatasync(fd)
                self.syncs.append((started, time.perf_counter() - tick))
        finally:
            os.close(fd)

    def results(self, clicks: list[tuple[float, float]]) -> dict:
        """The fsync times, the stalls, and click -> PBX of the ``clicks`` (sent,
        received) that overlapped no stall."""
        if not self.enabled:
            return {}
        stalls = [(t, t + d) for t, d in self.syncs if d * 1000 >= STALL_MS]

        def hit(sent: float, received: float) -> bool:
            return any(start < received and end > sent for start, end in stalls)

        clear = [(received - sent) * 1000 for sent, received in clicks if not hit(sent, received)]
        return {
            "disk_fsync_ms": summary([d * 1000 for _, d in self.syncs]),
            "disk_stalls": len(stalls),
            "disk_probe_on": str(self.path.parent),
            "clicks_in_stalls": len(clicks) - len(clear),
            "click_to_pbx_outside_stalls_ms": summary(clear),
        }
