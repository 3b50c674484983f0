"""Requests to a PBX reuse a recent connection, and never an old one or a cookie."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from calls.pbx.http import kept_session, send
from tests.local_server import serving


class _Counting(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.connections = 0
        self.cookies_seen: list[str] = []

    def get_request(self):
        self.connections += 1
        return super().get_request()


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keeps connections open, as vendors' servers do

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.cookies_seen.append(self.headers.get("Cookie", ""))
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Set-Cookie", "PBXSESSION=account-a; Path=/")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


@pytest.fixture
def pbx() -> Iterator[_Counting]:
    with serving(_Counting()) as server:
        yield server


def _post(server: _Counting, keepalive: float) -> None:
    url = f"http://127.0.0.1:{server.server_address[1]}/originate"
    reply = send(kept_session(keepalive), "POST", url, vendor_label="Test", timeout=(2, 2), json={})
    assert reply.status_code == 200


def _calls_from_one_thread(server: _Counting, keepalive: float, calls: int, pause=0.0) -> None:
    """As a worker thread places calls, one after the other."""

    def place() -> None:
        for n in range(calls):
            if n:
                time.sleep(pause)
            _post(server, keepalive)

    thread = threading.Thread(target=place)
    thread.start()
    thread.join()


def test_calls_in_quick_succession_share_one_connection(pbx):
    _calls_from_one_thread(pbx, keepalive=5, calls=3)
    assert pbx.connections == 1


def test_the_worker_threads_share_the_connections(pbx):
    _calls_from_one_thread(pbx, keepalive=5, calls=1)
    _calls_from_one_thread(pbx, keepalive=5, calls=1)
    assert pbx.connections == 1


def test_a_connection_idle_past_the_limit_is_not_reused(pbx):
    _calls_from_one_thread(pbx, keepalive=0.2, calls=2, pause=0.3)  # the PBX may close it now
    assert pbx.connections == 2


def test_keepalive_zero_opens_a_connection_per_request(pbx):
    _calls_from_one_thread(pbx, keepalive=0, calls=2)
    assert pbx.connections == 2


def test_a_cookie_from_the_pbx_is_never_sent_back(pbx):
    _calls_from_one_thread(pbx, keepalive=5, calls=2)
    assert pbx.cookies_seen == ["", ""]
