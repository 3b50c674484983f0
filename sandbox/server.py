"""The HTTP server: one process, four dialect prefixes plus the control API."""

from __future__ import annotations

import json
import logging
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from sandbox import __version__, control
from sandbox.accounts import AccountStore
from sandbox.dialects import generic, telphin, voipcenter, voipcenter_stream, while1
from sandbox.dialects.voipcenter_data import initial_state
from sandbox.events import Dispatcher
from sandbox.simulator import Call, Simulator
from sandbox.web import Request, Response, json_response, mask_mapping, mask_pairs, mask_url

log = logging.getLogger("sandbox")

MAX_BODY = 1 << 20
MAX_RECORDED = 10_000  # vendor requests kept for GET /_sandbox/requests
LOOKUP_TIMEOUT = 3.0

Handler = Callable[["Sandbox", Request], Response]
DIALECTS: dict[str, Handler] = {
    "while1": while1.handle,
    "voipcenter": voipcenter.handle,
    "telphin": telphin.handle,
    "generic": generic.handle,
}


def recorded_params(request: Request) -> Any:
    """The request's parameters for the request log, secrets masked."""
    if request.is_json():
        try:
            return mask_mapping(request.json())
        except ValueError:
            return {"_body": "<invalid JSON>"}
    pairs = list(request.query)
    if request.method in ("POST", "PUT") and request.body:
        pairs += request.form()
    return mask_pairs(pairs)


class RequestLog:
    """Vendor requests in arrival order; each entry gets its verdict when answered."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._entries: deque[dict[str, Any]] = deque(maxlen=MAX_RECORDED)
        self._seq = 0

    def start(self, request: Request, dialect: str) -> dict[str, Any]:
        with self._lock:
            self._seq += 1
            entry = {
                "seq": self._seq,
                "time": round(request.received, 6),
                "arrived": round(request.arrived or request.received, 6),
                "dialect": dialect,
                "method": request.method,
                "path": mask_url(request.raw_path),
                "params": recorded_params(request),
                "verdict": "pending",
                "reason": "",
                "status": None,
                "account": "",
            }
            self._entries.append(entry)
        return entry

    def finish(self, entry: dict[str, Any], response: Response) -> None:
        with self._lock:
            entry.update(
                verdict=response.verdict,
                reason=response.reason,
                status=response.status,
                account=response.account,
                answered=round(time.time(), 6),
            )

    def since(self, seq: int) -> list[dict[str, Any]]:
        with self._lock:
            return [dict(e) for e in self._entries if e["seq"] > seq]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


class Sandbox:
    """All state of one sandbox process."""

    def __init__(self, config: Path | None, overrides: dict[str, float] | None = None) -> None:
        self.accounts = AccountStore(config, overrides)
        self.telphin = telphin.TelphinState()
        self.voipcenter_attempts = voipcenter.Attempts()
        self.lock = threading.RLock()
        self.requests = RequestLog()
        self.started = time.time()
        self._voipcenter: dict[str, dict] = {}
        self._release = threading.Event()  # set on reset/shutdown: frees held requests
        self.dispatcher = Dispatcher(self._telphin_targets, self.accounts.timing)
        # VoipCenter's Socket.IO stream, when __main__ (or a test) starts one.
        self.voipcenter_stream: voipcenter_stream.StreamServer | None = None
        self.sim = Simulator(self.dispatcher.emit, self.accounts.timing, self.caller_lookup)

    def _telphin_targets(self, call: Call, event_type: str) -> list[dict]:
        extension = call.info.get("telphin_extension") or {}
        registered = self.telphin.targets(call.account["name"], extension.get("id"), event_type)
        return registered or telphin.registered_webhook(call.account, event_type)

    def voipcenter_state(self, account: dict) -> dict[str, list[dict]]:
        with self.lock:
            if account["name"] not in self._voipcenter:
                self._voipcenter[account["name"]] = initial_state(account)
            return self._voipcenter[account["name"]]

    def hang(self, account: dict) -> None:
        """Magic 504: hold the request longer than any sane client timeout."""
        self._release.wait(self.accounts.timing(account, "hang_time"))

    def reset(self) -> None:
        release, self._release = self._release, threading.Event()
        release.set()
        self.sim.reset()
        self.accounts.reset()
        self.telphin.reset()
        self.voipcenter_attempts.reset()
        self.requests.clear()
        with self.lock:
            self._voipcenter.clear()

    def close(self) -> None:
        self._release.set()
        self.sim.reset()
        if self.voipcenter_stream is not None:
            self.voipcenter_stream.close()

    def start_voipcenter_stream(self, host: str, port: int) -> voipcenter_stream.StreamServer:
        self.voipcenter_stream = voipcenter_stream.StreamServer(host, port).start()
        self.dispatcher.stream = self.voipcenter_stream.notify
        return self.voipcenter_stream

    def caller_lookup(self, call: Call) -> None:
        """While1 caller data retrieval: GET lookup_url with telephone and dnid."""
        url = str(call.account.get("lookup_url") or "")
        if not url.startswith(("http://", "https://")):
            return
        query = urllib.parse.urlencode(
            {"telephone": call.info.get("customer", ""), "dnid": call.info.get("to", "")}
        )
        joiner = "" if url.endswith(("?", "&")) else ("&" if "?" in url else "?")
        record: dict[str, Any] = {"url": mask_url(url + joiner + query), "status": None}
        started = time.time()
        try:
            with urllib.request.urlopen(url + joiner + query, timeout=LOOKUP_TIMEOUT) as reply:  # noqa: S310 - http(s) checked above
                record["status"] = reply.status
                text = reply.read(65536).decode("utf-8", errors="replace")
            record["body"] = json.loads(text) if text.strip() else None
        except urllib.error.HTTPError as exc:
            record["status"], record["error"] = exc.code, f"HTTP {exc.code}"
        except (OSError, ValueError) as exc:
            record["error"] = f"{type(exc).__name__}: {exc}"
        record["ms"] = round((time.time() - started) * 1000, 1)
        call.lookup = record

    def route(self, request: Request) -> tuple[str, Response]:
        """(dialect or "control", response) for one request."""
        prefix, _, rest = request.path.lstrip("/").partition("/")
        request.path = "/" + rest
        if prefix == "_sandbox" and rest.startswith("voipcenter/stream"):
            return "control", voipcenter_stream.handle_control(self.voipcenter_stream, request)
        if prefix == "_sandbox":
            return "control", control.handle(self, request)
        handler = DIALECTS.get(prefix)
        if handler is None:
            return "", json_response(
                404,
                {
                    "error": "not_found",
                    "message": (
                        "Unknown prefix; use /while1, /voipcenter, /telphin, /generic or /_sandbox."
                    ),
                },
            )
        return prefix, handler(self, request)

    def health(self) -> dict[str, Any]:
        uptime = round(time.time() - self.started, 3)
        return {
            "status": "ok",
            "version": __version__,
            "uptime": uptime,
            "accounts": len(self.accounts.all()),
            "active_calls": self.sim.active_count(),
            "voipcenter_stream": self.voipcenter_stream.url if self.voipcenter_stream else None,
        }


class SandboxHandler(BaseHTTPRequestHandler):
    server_version = f"SandboxPBX/{__version__}"
    protocol_version = "HTTP/1.1"
    # Headers and body leave in two writes: with Nagle's algorithm on a kept-alive
    # connection the body waited for the client's delayed ACK, 40 ms per reply.
    disable_nagle_algorithm = True
    sandbox: Sandbox  # set on the subclass made by make_server

    def parse_request(self) -> bool:
        # Called as soon as the request line is off the socket: the moment the request
        # arrived, before the sandbox's own parsing of headers and body.
        self.arrived = time.time()
        return super().parse_request()

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PUT = do_DELETE = do_PATCH = do_GET

    def _read(self) -> Request | None:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_BODY:
            return None
        body = self.rfile.read(length) if length > 0 else b""
        parts = urllib.parse.urlsplit(self.path)
        return Request(
            method=self.command,
            path=parts.path,
            raw_path=self.path,
            query=urllib.parse.parse_qsl(parts.query, keep_blank_values=True),
            headers={k.lower(): v for k, v in self.headers.items()},
            body=body,
            received=time.time(),
            arrived=self.arrived,
        )

    def _serve(self) -> None:
        started = time.time()
        request = self._read()
        if request is None:
            self._send(json_response(413, {"error": "too_large"}, reason="body too large"))
            return
        raw = request.raw_path
        prefix = request.path.lstrip("/").split("/")[0]
        # Only vendor-dialect requests are recorded; the control API is not the PBX.
        entry = self.sandbox.requests.start(request, prefix) if prefix in DIALECTS else None
        try:
            _dialect, response = self.sandbox.route(request)
        except Exception:  # a bug must answer 500, not kill the connection silently
            log.exception("error handling %s %s", self.command, mask_url(raw))
            response = json_response(500, {"error": "internal"}, reason="sandbox error")
        if entry is not None:
            self.sandbox.requests.finish(entry, response)
        self._send(response)
        log.info(
            "%s %s -> %d %s%s (%.1f ms)",
            self.command,
            mask_url(raw),
            response.status,
            response.verdict,
            f": {response.reason}" if response.reason else "",
            (time.time() - started) * 1000,
        )

    def _send(self, response: Response) -> None:
        try:
            self.send_response(response.status)
            if response.content_type:
                self.send_header("Content-Type", f"{response.content_type}; charset=utf-8")
            for name, value in response.headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(response.body)))
            if self.close_connection:  # the client asked: say so, or it may reuse it
                self.send_header("Connection", "close")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(response.body)
        except (BrokenPipeError, ConnectionResetError):
            log.info("client went away before the reply to %s", mask_url(self.path))

    def log_message(self, format: str, *args: Any) -> None:
        """Silence http.server's own access log: _serve logs one masked line instead."""

    def log_error(self, format: str, *args: Any) -> None:
        log.warning("http: %s", format % args)


def make_server(host: str, port: int, sandbox: Sandbox) -> ThreadingHTTPServer:
    handler = type("BoundHandler", (SandboxHandler,), {"sandbox": sandbox})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    return server
