"""Run the sandbox PBX in a subprocess and talk to it over real sockets (stdlib only).

Reusable outside tests/sandbox: ``from tests.sandbox.harness import running_sandbox``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from tests.processes import wait_for

ROOT = Path(__file__).resolve().parents[2]
MAX_ATTEMPTS = 4  # the sandbox's webhook delivery attempts (sandbox/events.py)

# Fast timings so a whole simulated call takes well under a second.
FAST = {
    "SANDBOX_AGENT_ANSWER_DELAY": "0.05",
    "SANDBOX_CUSTOMER_ANSWER_DELAY": "0.05",
    "SANDBOX_TALK_TIME": "0.1",
    "SANDBOX_RING_TIMEOUT": "0.3",
    "SANDBOX_HANG_TIME": "3",
    "SANDBOX_DELIVERY_BACKOFF": "0.05",
}


@dataclass
class Reply:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


def http(
    method: str,
    url: str,
    *,
    json_body: Any = None,
    data: bytes | str | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = 5.0,
) -> Reply:
    """One request; HTTP errors are replies too, only transport errors raise."""
    headers = dict(headers or {})
    if json_body is not None:
        data = json.dumps(json_body)
        headers.setdefault("Content-Type", "application/json")
    if isinstance(data, str):
        data = data.encode()
    request = urllib.request.Request(url, data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return Reply(reply.status, dict(reply.headers), reply.read())
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, dict(exc.headers), exc.read())


class SandboxProcess:
    """A running sandbox: its base URL and helpers for the control API."""

    def __init__(self, url: str, proc: subprocess.Popen, log_path: Path) -> None:
        self.url = url
        self.proc = proc
        self.log_path = log_path

    def http(self, method: str, path: str, **kwargs: Any) -> Reply:
        return http(method, self.url + path, **kwargs)

    def unique(self, prefix: str) -> str:
        return f"{prefix}-{uuid.uuid4().hex[:8]}"

    def put_account(self, account: dict[str, Any]) -> dict[str, Any]:
        """Register (upsert) an account; a missing name gets a unique one."""
        account = {"name": self.unique(account["dialect"]), **account}
        reply = self.http("PUT", f"/_sandbox/accounts/{account['name']}", json_body=account)
        assert reply.status == 200, reply.body
        return account

    def requests(self, since: int = 0) -> list[dict[str, Any]]:
        return self.http("GET", f"/_sandbox/requests?since={since}").json()

    def calls(self, **filters: str) -> list[dict[str, Any]]:
        return self.http("GET", "/_sandbox/calls?" + urllib.parse.urlencode(filters)).json()

    def call(self, call_id: str) -> dict[str, Any]:
        return self.http("GET", f"/_sandbox/calls/{call_id}").json()

    def wait_call(self, call_id: str, timeout: float = 10.0) -> dict[str, Any]:
        """The call once it ended and every delivery finished (delivered or gave up)."""

        def done() -> dict[str, Any] | None:
            snap = self.call(call_id)
            if not snap.get("outcome"):
                return None
            for event in snap["events"]:
                for target in event["deliveries"]:
                    tries = len(target["attempts"])
                    if not target["ok"] and tries < MAX_ATTEMPTS and not _gave_up(target):
                        return None
            return snap

        return wait_for(done, timeout)

    def reset(self) -> None:
        assert self.http("POST", "/_sandbox/reset").status == 200


def _gave_up(target: dict[str, Any]) -> bool:
    """A 4xx other than 408/425/429 is not retried."""
    last = target["attempts"][-1]["status"] if target["attempts"] else None
    return last is not None and 400 <= last < 500 and last not in (408, 425, 429)


@contextmanager
def running_sandbox(
    log_dir: Path, env: dict[str, str] | None = None, config: Path | None = None
) -> Iterator[SandboxProcess]:
    """Start ``python -m sandbox --port 0`` and stop it afterwards."""
    log_path = log_dir / f"sandbox-{uuid.uuid4().hex[:6]}.log"
    cmd = [
        sys.executable,
        "-m",
        "sandbox",
        "--host",
        "127.0.0.1",
        "--port",
        "0",
        "--config",
        str(config or log_dir / "no-such-config.json"),
    ]
    with open(log_path, "wb") as log:
        proc = subprocess.Popen(
            cmd,
            cwd=ROOT,
            env={**os.environ, **FAST, **(env or {})},
            stdout=subprocess.PIPE,
            stderr=log,
        )
        try:
            line = proc.stdout.readline().decode()
            assert "listening on" in line, f"sandbox did not start: {log_path.read_text()}"
            sandbox = SandboxProcess(line.rsplit(" ", 1)[-1].strip(), proc, log_path)
            wait_for(lambda: sandbox.http("GET", "/_sandbox/health").status == 200, 5)
            yield sandbox
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()


class EventReceiver:
    """A tiny webhook endpoint: records every request; can fail the first N on purpose."""

    def __init__(self) -> None:
        self.received: list[dict[str, Any]] = []
        self.fail_first = 0
        self.lookup_reply: dict[str, Any] = {"id": 12345, "name": "John Doe"}
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                receiver.record(self)

            do_POST = do_GET

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True).start()

    def record(self, handler: BaseHTTPRequestHandler) -> None:
        length = int(handler.headers.get("Content-Length") or 0)
        parts = urllib.parse.urlsplit(handler.path)
        entry = {
            "method": handler.command,
            "path": parts.path,
            "query": dict(urllib.parse.parse_qsl(parts.query, keep_blank_values=True)),
            "headers": {k.lower(): v for k, v in handler.headers.items()},
            "body": handler.rfile.read(length) if length else b"",
        }
        with self._lock:
            self.received.append(entry)
            failing = self.fail_first > 0
            self.fail_first -= 1 if failing else 0
        status = 500 if failing else 200
        body = json.dumps(self.lookup_reply if parts.path.startswith("/lookup") else {}).encode()
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        handler.wfile.write(body)

    def at(self, prefix: str) -> list[dict[str, Any]]:
        with self._lock:
            return [r for r in self.received if r["path"].startswith(prefix)]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
