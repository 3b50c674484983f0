"""wrk's stand-in for `--smoke` runs on a machine without wrk: the same request file
(bench/webhooks.lua's format), the same two modes, far less load. Its figures prove the
path works; only wrk's are benchmark figures (docs/benchmarks.md)."""

from __future__ import annotations

import http.client
import threading
import time
import urllib.parse
from pathlib import Path

from measure import percentile


def replay(base: str, requests_file: Path, *, seconds: int, once: bool, connections: int):
    """(answered, non-200, socket errors, wall seconds, latencies in ms)."""
    lines = [ln.rstrip("\n").split("\t", 2) for ln in requests_file.read_text().splitlines()]
    netloc = urllib.parse.urlsplit(base).netloc
    deadline = time.monotonic() + seconds
    latencies: list[float] = []
    counts = {"answered": 0, "non200": 0, "errors": 0}
    lock = threading.Lock()

    def one_connection(share: list[list[str]]) -> None:
        conn = http.client.HTTPConnection(netloc, timeout=5)
        i = 0
        while share and time.monotonic() < deadline and (not once or i < len(share)):
            method, path, body = share[i % len(share)]
            headers = {"Content-Type": "application/x-www-form-urlencoded"} if body else {}
            started = time.perf_counter()
            try:
                conn.request(method, path, body.encode() or None, headers)
                status = conn.getresponse()
                status.read()
            except (OSError, http.client.HTTPException):
                with lock:
                    counts["errors"] += 1
                conn.close()
                conn = http.client.HTTPConnection(netloc, timeout=5)
                i += 1
                continue
            with lock:
                latencies.append((time.perf_counter() - started) * 1000)
                counts["answered"] += 1
                counts["non200"] += status.status != 200
            i += 1
        conn.close()

    started = time.monotonic()
    threads = [
        threading.Thread(target=one_connection, args=(lines[n::connections],))
        for n in range(connections)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return counts, time.monotonic() - started, latencies or [0.0]


def percentiles(latencies: list[float]) -> dict[str, float]:
    return {f"p{p}": percentile(latencies, p) for p in (50, 90, 99)} | {"max": max(latencies)}
