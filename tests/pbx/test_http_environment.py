"""What the process environment says about reaching a PBX is obeyed: a proxy, the hosts
that bypass it, a CA bundle: requests reads it for every request, as it does by default."""

from __future__ import annotations

from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from calls.pbx import http
from calls.pbx.http import kept_session, send
from tests.local_server import serving

ENVIRONMENT = (
    "http_proxy", "https_proxy", "all_proxy", "no_proxy",
    "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "NETRC",
)  # fmt: skip


class _Recording(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.request_lines: list[str] = []

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.server.request_lines.append(self.requestline)
        body = b'{"ok": true}'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:
        pass


def _serving() -> Iterator[_Recording]:
    with serving(_Recording()) as server:
        yield server


pbx = pytest.fixture(_serving)
proxy = pytest.fixture(_serving)


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch, tmp_path) -> Iterator[None]:
    """No proxy or bundle from the machine running the tests, no ~/.netrc, and sessions
    made afresh under what each test sets."""
    for name in ENVIRONMENT:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.setenv("HOME", str(tmp_path))
    monkeypatch.setattr(http, "_kept", {})
    yield


def _post(url: str) -> None:
    reply = send(kept_session(5), "POST", url, vendor_label="Test", timeout=(2, 2), json={})
    assert reply.status_code == 200


def test_without_a_proxy_the_request_goes_straight_to_the_pbx(pbx):
    _post(pbx.url + "/originate")
    assert pbx.request_lines == ["POST /originate HTTP/1.1"]


def test_a_proxy_in_the_environment_carries_the_request(monkeypatch, proxy):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    _post("http://pbx.example.invalid/originate")
    assert proxy.request_lines == ["POST http://pbx.example.invalid/originate HTTP/1.1"]


def test_a_host_in_no_proxy_is_reached_directly(monkeypatch, proxy, pbx):
    monkeypatch.setenv("HTTP_PROXY", proxy.url)
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    _post(pbx.url + "/originate")
    assert pbx.request_lines == ["POST /originate HTTP/1.1"]
    assert proxy.request_lines == []


def test_the_ca_bundle_of_the_environment_verifies_https(monkeypatch, tmp_path):
    bundle = tmp_path / "company-ca.pem"
    bundle.write_text("")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(bundle))
    prepared = kept_session(5).prepare_request(
        requests.Request("POST", "https://pbx.example.invalid/originate")
    )
    settings = kept_session(5).merge_environment_settings(prepared.url, {}, None, None, None)
    assert settings["verify"] == str(bundle)


def test_credentials_in_a_netrc_file_are_still_offered(tmp_path):
    (tmp_path / ".netrc").write_text("machine pbx.example.invalid login ops password s3cret\n")
    session = kept_session(5)
    prepared = session.prepare_request(
        requests.Request("POST", "http://pbx.example.invalid/originate")
    )
    assert prepared.headers["Authorization"].startswith("Basic ")
