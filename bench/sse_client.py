"""A timestamping SSE reader and a browser-like login, for the end-to-end benchmarks."""

from __future__ import annotations

import re
import socket
import threading
import time
from dataclasses import dataclass

import requests

TERMINAL = {"completed", "failed", "no_answer", "busy", "canceled", "missed"}

# an active call's card carries more classes after its status ("... status-answered live")
CARD_STATUS = re.compile(r'class="card call-card status-([a-z_]+)[" ]')
CARD_WHO = re.compile(r"<strong>(.*?)</strong>", re.S)


@dataclass
class Card:
    at: float  # time.time() when the recv() that completed this SSE event returned
    status: str
    digits: str


class SseClient(threading.Thread):
    """A plain HTTP/1.1 SSE reader on a socket: timestamps each event as it arrives."""

    def __init__(self, host: str, port: int, cookies: str) -> None:
        super().__init__(daemon=True)
        self.host, self.port, self.cookies = host, port, cookies
        self.cards: list[Card] = []
        self.cond = threading.Condition()
        self._stop = threading.Event()
        self.error = ""
        self.connected = threading.Event()

    def run(self) -> None:
        try:
            self._read()
        except Exception as exc:
            if not self._stop.is_set():
                self.error = f"{type(exc).__name__}: {exc}"
        finally:
            with self.cond:
                self.cond.notify_all()

    def _read(self) -> None:
        sock = socket.create_connection((self.host, self.port), timeout=5)
        sock.settimeout(0.5)
        sock.sendall(
            (
                f"GET /live/agent/ HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"Accept: text/event-stream\r\nCookie: {self.cookies}\r\n\r\n"
            ).encode()
        )
        raw, body, chunked, head_done = b"", b"", False, False
        try:
            while not self._stop.is_set():
                try:
                    data = sock.recv(65536)
                except TimeoutError:
                    continue
                now = time.time()
                if not data:
                    raise ConnectionError("stream closed by the server")
                raw += data
                if not head_done:
                    if b"\r\n\r\n" not in raw:
                        continue
                    head, raw = raw.split(b"\r\n\r\n", 1)
                    status_line = head.split(b"\r\n", 1)[0]
                    if b" 200 " not in status_line:
                        raise ConnectionError(status_line.decode())
                    chunked = b"transfer-encoding: chunked" in head.lower()
                    head_done = True
                    self.connected.set()
                if chunked:
                    while True:
                        line_end = raw.find(b"\r\n")
                        if line_end < 0:
                            break
                        size = int(raw[:line_end].split(b";")[0], 16)
                        if len(raw) < line_end + 2 + size + 2:
                            break
                        body += raw[line_end + 2 : line_end + 2 + size]
                        raw = raw[line_end + 2 + size + 2 :]
                        if size == 0:
                            raise ConnectionError("stream ended")
                else:
                    body, raw = body + raw, b""
                while b"\n\n" in body:
                    message, body = body.split(b"\n\n", 1)
                    self._message(message.decode(), now)
        finally:
            sock.close()

    def _message(self, message: str, at: float) -> None:
        event, data = "message", []
        for line in message.split("\n"):
            if line.startswith("event:"):
                event = line[6:].strip()
            elif line.startswith("data:"):
                data.append(line[5:].removeprefix(" "))
        if event != "call":
            return
        html = "\n".join(data)
        status = CARD_STATUS.search(html)
        who = CARD_WHO.search(html)
        card = Card(
            at, status.group(1) if status else "", re.sub(r"\D", "", who.group(1)) if who else ""
        )
        with self.cond:
            self.cards.append(card)
            self.cond.notify_all()

    def wait_card(self, predicate, timeout: float, start: int = 0) -> Card | None:
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for card in self.cards[start:]:
                    if predicate(card):
                        return card
                left = deadline - time.monotonic()
                if left <= 0 or self.error or not self.is_alive():
                    return None
                self.cond.wait(left)

    def idle(self) -> bool:
        with self.cond:
            return (
                not self.cards or not self.cards[-1].status or (self.cards[-1].status in TERMINAL)
            )

    def close(self) -> None:
        self._stop.set()


def login(base: str, username: str, password: str) -> str:
    """Log in through /login/ like a browser; return the Cookie header value."""
    session = requests.Session()
    page = session.get(base + "/login/", timeout=5)
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.text).group(1)
    reply = session.post(
        base + "/login/",
        timeout=5,
        allow_redirects=False,
        data={"username": username, "password": password, "csrfmiddlewaretoken": token},
        headers={"Referer": base + "/login/"},
    )
    if reply.status_code != 302 or "sessionid" not in session.cookies:
        raise RuntimeError(f"login of {username} failed: HTTP {reply.status_code}")
    return "; ".join(f"{k}={v}" for k, v in session.cookies.items())
