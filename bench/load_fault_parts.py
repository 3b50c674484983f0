"""The pieces of bench/load_and_fault.py: a load balancer in front of the web processes,
the runner's process ids, the agents who click, and the sandbox's record of what it got."""

from __future__ import annotations

import random
import re
import socket
import subprocess
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import requests

FINAL = {"completed", "missed", "no_answer", "busy", "failed", "canceled"}


# --- a round-robin TCP balancer: what production puts in front of its web processes ----


class Balancer:
    """Connections go to the next web process; one that refuses is skipped (it is
    restarting), as a load balancer with health checks does."""

    def __init__(self, backends: list[int]) -> None:
        self.backends = backends
        self.turn = 0
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.sock.accept()
            except OSError:
                return
            threading.Thread(target=self._serve, args=(client,), daemon=True).start()

    def _serve(self, client: socket.socket) -> None:
        upstream = self._connect()
        if upstream is None:
            client.close()
            return
        for a, b in ((client, upstream), (upstream, client)):
            threading.Thread(target=_pipe, args=(a, b), daemon=True).start()

    def _connect(self) -> socket.socket | None:
        for _ in range(len(self.backends) * 20):  # both down: wait up to ~2 s
            self.turn += 1
            port = self.backends[self.turn % len(self.backends)]
            try:
                return socket.create_connection(("127.0.0.1", port), timeout=1)
            except OSError:
                time.sleep(0.05)
        return None

    def close(self) -> None:
        self.sock.close()


def _pipe(src: socket.socket, dst: socket.socket) -> None:
    try:
        while data := src.recv(65536):
            dst.sendall(data)
    except OSError:
        pass
    finally:
        for s in (src, dst):
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


# --- the runner's output: which pid each process has now ------------------------------


class Pids:
    """Reads pbxportal/processes.py's output into a log and keeps each process's pid."""

    STARTED = re.compile(r"runner +\| (\S+) started \(pid (\d+)\)")

    def __init__(self, runner: subprocess.Popen, log: Path) -> None:
        self.now: dict[str, int] = {}
        self.starts: Counter[str] = Counter()
        self.lock = threading.Lock()
        self.reader = threading.Thread(target=self._read, args=(runner, log), daemon=True)
        self.reader.start()

    def _read(self, runner: subprocess.Popen, log: Path) -> None:
        with open(log, "a") as out:
            for line in runner.stdout:
                out.write(line)
                out.flush()
                if found := self.STARTED.search(line):
                    with self.lock:
                        self.now[found[1]] = int(found[2])
                        self.starts[found[1]] += 1

    def of(self, name: str) -> int | None:
        with self.lock:
            return self.now.get(name)


# --- the agents -------------------------------------------------------------------------


@dataclass
class Tally:
    clicks: int = 0
    click_retries: int = 0  # a click whose request failed and was sent again (same key)
    calls_waited_out: int = 0  # the bench stopped waiting for its end
    statuses: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, **counts: int) -> None:
        with self.lock:
            for name, n in counts.items():
                setattr(self, name, getattr(self, name) + n)


def agent_loop(
    base: str, token: str, until: float, tally: Tally, seed: int, hung_share: float
) -> None:
    """Click, wait for the call's end, pause, click again, until ``until``. A share of
    the numbers end in 504: the sandbox holds that originate request, so a calls worker
    killed meanwhile dies mid-request, as it would on a slow PBX."""
    rng = random.Random(seed)
    session = requests.Session()
    session.headers["Authorization"] = f"Token {token}"
    while time.monotonic() < until:
        number = f"+40722{rng.randrange(100000):05d}1"  # ends in 1: no magic outcome
        if rng.random() < hung_share:
            number = f"+40722{rng.randrange(1000):03d}504"
        call_id = _click(session, base, number, tally)
        if call_id is not None:
            status = _wait_for_end(session, base, call_id, deadline=time.monotonic() + 150)
            with tally.lock:
                tally.statuses[status] += 1
            if status not in FINAL:
                tally.add(calls_waited_out=1)
        time.sleep(rng.uniform(0.3, 1.5))


def _click(session: requests.Session, base: str, number: str, tally: Tally) -> int | None:
    key = uuid.uuid4().hex  # a click sent again is the same call (Idempotency-Key)
    for attempt in range(20):
        try:
            reply = session.post(
                f"{base}/api/v1/calls/",
                json={"number": number},
                headers={"Idempotency-Key": key},
                timeout=10,
            )
            if reply.status_code in (200, 202):
                tally.add(clicks=1, click_retries=min(attempt, 1))
                return reply.json()["id"]
            if reply.status_code == 409:  # the previous call is still closing
                time.sleep(1)
                continue
        except requests.RequestException:
            pass
        time.sleep(0.5)
    return None


def _wait_for_end(session: requests.Session, base: str, call_id: int, deadline: float) -> str:
    status = "unknown"
    while time.monotonic() < deadline:
        try:
            status = session.get(f"{base}/api/v1/calls/{call_id}/", timeout=10).json()["status"]
        except (requests.RequestException, ValueError, KeyError):
            pass
        if status in FINAL:
            return status
        time.sleep(0.5)
    return status


# --- what the sandbox PBX saw -------------------------------------------------------------


def sandbox_record(sandbox_url: str) -> dict:
    """Calls the sandbox placed per external id (the product's call), events delivered."""
    placed: Counter[str] = Counter()
    delivered = undelivered = 0
    outcomes: dict[str, str] = {}
    for call in requests.get(sandbox_url + "/_sandbox/calls", timeout=120).json():
        external_id = call["info"].get("external_id")
        if external_id:
            placed[str(external_id)] += 1
            outcomes[str(external_id)] = call.get("outcome") or call.get("state") or ""
        for event in call["events"]:
            attempts = [a for d in event["deliveries"] for a in d["attempts"]]
            ok = any(200 <= (a.get("status") or 0) < 300 for a in attempts)
            delivered += ok
            undelivered += bool(attempts) and not ok
    return {
        "calls_placed": len(placed),
        "placed_twice": sum(1 for n in placed.values() if n > 1),
        "events_delivered": delivered,
        "events_undelivered": undelivered,
        "outcomes": outcomes,
    }
