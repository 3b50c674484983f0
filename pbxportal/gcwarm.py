"""Long-running processes hide what they loaded while warming up from the garbage collector.

A full (generation 2) collection walks every container object the process holds:
Django, DRF and Celery's modules, URL patterns, compiled templates, phone number
metadata... With the bench's load it came every few seconds and stopped all threads
for 30-90 ms in the web process and 70-170 ms in the worker and the event applier. Those
pauses were the click->PBX maxima of ~100 ms (traced: the time went by while a
request sat before the view or while the token query ran). Once a process has warmed
up, ``gc.freeze()`` moves everything it holds into a permanent generation that
collections skip; measured, the next full collection in the web process took 2.2 ms.

Freezing twice covers the objects each process loads only when first used (the
first render of a template, the first number of a region): once at start, and
again after ``after`` units of work. ``gc.collect()`` first, so nothing already
garbage is frozen for good.
"""

from __future__ import annotations

import gc
import itertools
import logging
import time

from django.core.signals import request_finished

log = logging.getLogger("pbxportal.gc")


def freeze(reason: str) -> None:
    started = time.perf_counter()
    gc.collect()
    gc.freeze()
    log.info(
        "gc: %d objects frozen (%s) in %.0f ms",
        gc.get_freeze_count(),
        reason,
        (time.perf_counter() - started) * 1000,
    )


class WarmUp:
    """Call ``done_one()`` after each unit of work; the ``after``-th one freezes."""

    def __init__(self, after: int, what: str) -> None:
        self.after = after
        self.what = what
        self._count = itertools.count(1)  # next() is atomic under the GIL: threads are fine

    def done_one(self) -> None:
        if next(self._count) == self.after:
            freeze(f"after {self.after} {self.what}")

    def on_request_finished(self, **_: object) -> None:
        self.done_one()


def freeze_when_started(process: str, after: int, what: str) -> WarmUp:
    """The web process's startup hook: freeze now, and again after its ``after``-th
    request (Django's ``request_finished`` signal)."""
    freeze(f"{process} started")
    warm_up = WarmUp(after=after, what=what)
    request_finished.connect(warm_up.on_request_finished, weak=False)
    return warm_up
