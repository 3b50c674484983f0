"""The clicking side of bench/click_to_pbx.py: demo data, placing calls, reading results."""

from __future__ import annotations

import http.client
import json
import os
import re
import sys
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from typing import Any

import requests
from bench_processes import wait_for
from sse_client import SseClient, login

ABORT = threading.Event()  # a process died or calls keep failing: stop clicking
MAX_CONSECUTIVE_ERRORS = 5


# --- data set-up (runs in a child process with the product's settings) ---------------


def setup_data(agents: int, quick_demo_passwords: bool = False) -> None:
    """Migrate, load the demo, add bench agents with API tokens; print their logins."""
    from unittest import mock

    import django

    django.setup()
    import secrets

    from django.conf import settings
    from django.contrib.auth.models import Group, User
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from calls import roles
    from calls.demo import load_demo, sandbox_accounts
    from calls.models import Agent, Project

    call_command("migrate", verbosity=0, interactive=False)
    if quick_demo_passwords:
        # no demo user logs in during a run: a smoke run need not hash each for a second
        from django.contrib.auth.hashers import PBKDF2PasswordHasher

        with mock.patch.object(PBKDF2PasswordHasher, "iterations", 1000):
            load_demo()
    else:
        load_demo()
    project = Project.objects.get(name="Demo call centre")
    group = Group.objects.get(name=roles.AGENT)
    logins = []
    for i in range(agents):
        password = secrets.token_urlsafe(12)
        user = User.objects.create_user(f"bench{i:03d}", password=password)
        user.groups.add(group)
        Agent.objects.create(user=user, project=project, extension=str(300 + i))
        logins.append(
            {
                "username": user.username,
                "password": password,
                "token": Token.objects.create(user=user).key,
                "extension": str(300 + i),
            }
        )
    # the sandbox's While1 refuses users its config does not list, as While1 does
    config = {"accounts": sandbox_accounts()}
    (settings.VAR_DIR / "sandbox.json").write_text(json.dumps(config, indent=2))
    print("BENCH-LOGINS " + json.dumps(logins), flush=True)


# --- one run ----------------------------------------------------------------------------


@dataclass
class Sample:
    index: int
    agent: int
    number: str
    sent: float
    http_status: int = 0
    responded: float = 0.0
    answered_card: float | None = None
    originate_arrived: float | None = None  # its first line read by the sandbox
    originate_received: float | None = None  # read whole and parsed by the sandbox
    answer_sent: float | None = None
    answer_attempts: int = 0
    webhook_ms: float | None = None
    error: str = ""
    warmup: bool = False

    @property
    def tail(self) -> str:
        return self.number[-6:]


@dataclass
class Agents:
    logins: list[dict]
    streams: list[SseClient] = field(default_factory=list)


def number_for(i: int) -> str:
    # RO mobile +40 722 xxx xxx; ends in 1, so never one of the sandbox's magic endings.
    return f"+40722{i % 100000:05d}1"


def place_calls(
    args,
    base: str,
    agents: Agents,
    samples: list[Sample],
    indices: list[int],
    worker_id: int,
    warmup: bool,
) -> None:
    """One clicking 'user': sequential calls over its share of the agents."""
    mine = [a for a in range(len(agents.logins)) if a % args.concurrency == worker_id]
    client = Clicker(base, args.client)
    failures = 0
    for n, i in enumerate(indices):
        if ABORT.is_set():
            return
        agent = mine[n % len(mine)]
        stream = agents.streams[agent]
        # one active call per agent: wait until its previous call has ended
        sample = Sample(i, agent, number_for(i), sent=0.0, warmup=warmup)
        try:
            wait_for(stream.idle, args.call_timeout + args.talk_time, f"agent {agent} free", 0.01)
        except RuntimeError as exc:
            sample.error = f"{exc}; last cards: {[c.status for c in stream.cards[-4:]]}"
            samples.append(sample)
            continue
        seen = len(stream.cards)
        try:
            sample.http_status, text = client.click(sample, args.via, agents, agent)
            sample.responded = time.time()
            if sample.http_status != (202 if args.via == "api" else 200) or (
                'role="alert"' in text
            ):
                sample.error = f"HTTP {sample.http_status}: {text[:200]}"
        except (OSError, http.client.HTTPException, requests.RequestException) as exc:
            sample.error = f"{type(exc).__name__}: {exc}"
            client.reset()
        if not sample.error:
            card = stream.wait_card(
                lambda c, s=sample: c.status == "answered" and c.digits.endswith(s.tail),
                args.call_timeout,
                start=seen,
            )
            if card is None:
                sample.error = "no 'answered' card on the SSE stream in time"
            else:
                sample.answered_card = card.at
        samples.append(sample)
        failures = failures + 1 if sample.error else 0
        if failures >= MAX_CONSECUTIVE_ERRORS:
            print(f"{failures} calls failed in a row, stopping: {sample.error}", file=sys.stderr)
            ABORT.set()
        if args.pause:
            time.sleep(args.pause)


class Clicker:
    """One clicking user's HTTP client: a CRM's POST to the API with the agent's token,
    or the agent's own click on the dialer page (htmx's POST with the session cookie and
    the CSRF header).

    `http.client` on a kept connection (the default) stamps the click as its bytes are
    handed to the socket, so click -> PBX holds none of the client's own work. `requests`
    (`--client requests`, how the bench measured until 2026-11-28) stamps it before
    requests builds the request: about 0.3 ms earlier on this machine.
    """

    def __init__(self, base: str, kind: str) -> None:
        self.base, self.kind = base, kind
        self.session = requests.Session()
        self.conn: http.client.HTTPConnection | None = None

    def click(self, sample: Sample, via: str, agents: Agents, agent: int) -> tuple[int, str]:
        path, body, headers = _request(via, agents, agent, sample.number)
        if self.kind == "requests":
            sample.sent = time.time()
            reply = self.session.post(self.base + path, data=body, headers=headers, timeout=10)
            return reply.status_code, reply.text
        if self.conn is None:
            netloc = urllib.parse.urlsplit(self.base).netloc
            self.conn = http.client.HTTPConnection(netloc, timeout=10)
        sample.sent = time.time()
        self.conn.request("POST", path, body, headers)
        reply = self.conn.getresponse()
        return reply.status, reply.read().decode("utf-8", "replace")

    def reset(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def _request(via: str, agents: Agents, agent: int, number: str) -> tuple[str, bytes, dict]:
    if via == "api":
        headers = {
            "Authorization": f"Token {agents.logins[agent]['token']}",
            "Content-Type": "application/json",
        }
        return "/api/v1/calls/", json.dumps({"number": number}).encode(), headers
    cookies = agents.streams[agent].cookies
    headers = {
        "Cookie": cookies,
        "X-CSRFToken": re.search(r"csrftoken=([^;]+)", cookies).group(1),
        "HX-Request": "true",
        "Content-Type": "application/x-www-form-urlencoded",
    }
    return "/calls/start/", urllib.parse.urlencode({"number": number}).encode(), headers


def collect_sandbox(sandbox_url: str, samples: list[Sample]) -> None:
    """Originate receive times and answer-event send times, matched by customer number."""
    by_tail = {s.tail: s for s in samples}
    for entry in requests.get(sandbox_url + "/_sandbox/requests?since=0", timeout=10).json():
        if "originate" not in entry["path"]:
            continue
        caller = str((entry["params"].get("data") or {}).get("caller_id", ""))
        sample = by_tail.get(re.sub(r"\D", "", caller)[-6:])
        if sample and sample.originate_received is None:
            sample.originate_received = entry["time"]
            sample.originate_arrived = entry.get("arrived", entry["time"])
    for call in requests.get(sandbox_url + "/_sandbox/calls", timeout=30).json():
        sample = by_tail.get(re.sub(r"\D", "", str(call["info"].get("customer", "")))[-6:])
        if sample is None:
            continue
        for event in call["events"]:
            if event["event"] == "answer" and event["leg"] == "customer":
                attempts = [a for d in event["deliveries"] for a in d["attempts"]]
                if attempts:
                    sample.answer_sent = attempts[0].get("sent_at") or attempts[0]["at"]
                    sample.answer_attempts = len(attempts)
                    sample.webhook_ms = attempts[-1]["ms"]


def report(result: dict[str, Any]) -> str:
    lines = [
        f"preset={result['preset']} db={result['database']} broker={result['broker']} "
        f"live={result['redis_url']} pool={result['pool']}x{result['worker_concurrency']} "
        f"polling={result['polling_interval']} concurrency={result['concurrency']} "
        f"via={result.get('via', 'api')} client={result.get('client', 'requests')} "
        f"agents={result['agents']} calls={result['calls']} in {result['elapsed_s']} s, "
        f"errors={result['error_count']} retried-deliveries="
        f"{result['retried_answer_deliveries']}",
        f"CPU ms per call: {result['cpu_ms_per_call']}; machine busy "
        f"{result['machine_busy'] * 100:.0f}% of {os.cpu_count()} cores",
        f"{'metric (ms)':<22}{'n':>6}{'p50':>9}{'p95':>9}{'p99':>9}{'max':>9}{'mean':>9}",
    ]
    for key, label in (
        ("click_to_pbx_ms", "(a) click -> PBX"),
        ("click_to_parsed_ms", "    to PBX's parse"),
        ("event_to_sse_ms", "(b) event -> SSE"),
        ("post_response_ms", "    POST -> 202"),
        ("answer_webhook_ms", "    answer webhook"),
    ):
        lines.append(_row(label, result[key]))
    if result.get("disk_fsync_ms"):
        lines.append(_row("(a) w/o disk stalls", result["click_to_pbx_outside_stalls_ms"]))
        fsync = result["disk_fsync_ms"]
        lines.append(
            f"disk (fsync 8 kB every 20 ms in {result['disk_probe_on']}): p50 "
            f"{fsync['p50']:.2f} p99 {fsync['p99']:.1f} max {fsync['max']:.1f} ms; "
            f"{result['disk_stalls']} stall(s) >= 20 ms, {result['clicks_in_stalls']} "
            "click(s) overlapped one"
        )
    for error in result["errors"] + result["stream_errors"]:
        lines.append("  error: " + error)
    return "\n".join(lines)


def _row(label: str, s: dict) -> str:
    if not s:
        return f"{label:<22}{'no data':>6}"
    return f"{label:<22}{s['n']:>6}" + "".join(
        f"{s[k]:>9.1f}" for k in ("p50", "p95", "p99", "max", "mean")
    )


def open_streams(stack, agents: Agents, base: str, web_port: int) -> None:
    """One logged-in SSE client per agent, each past its first card."""
    for entry in agents.logins:
        stream = SseClient("127.0.0.1", web_port, login(base, entry["username"], entry["password"]))
        stream.start()
        agents.streams.append(stream)
        stack.callback(stream.close)
    for stream in agents.streams:
        if not stream.connected.wait(10):
            raise RuntimeError(f"SSE stream did not open: {stream.error}")
        stream.wait_card(lambda c: True, 10)  # the initial card


def click_all(
    args, base: str, agents: Agents, samples: list[Sample], indices, warmup: bool
) -> None:
    """Place the calls ``indices`` with ``args.concurrency`` clicking users."""
    indices = list(indices)
    threads = [
        threading.Thread(
            target=place_calls,
            args=(args, base, agents, samples, indices[w :: args.concurrency], w, warmup),
        )
        for w in range(args.concurrency)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
