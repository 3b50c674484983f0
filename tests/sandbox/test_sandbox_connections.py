"""The sandbox serves kept-alive connections as a vendor's server would."""

from __future__ import annotations

import time

import requests


def test_replies_on_a_kept_connection_are_not_held_for_the_clients_ack(sandbox_pbx):
    """Headers and body leave in two writes; with Nagle's algorithm on, each reply on a
    kept-alive connection waited ~40 ms for the client's delayed ACK."""
    session = requests.Session()
    session.get(sandbox_pbx.url + "/_sandbox/health", timeout=5)
    started = time.monotonic()
    for _ in range(10):
        assert session.get(sandbox_pbx.url + "/_sandbox/health", timeout=5).status_code == 200
    assert time.monotonic() - started < 0.35  # ten 40 ms stalls would be 0.4 s


def test_a_client_that_asks_to_close_is_told_the_connection_closes(sandbox_pbx):
    reply = requests.get(
        sandbox_pbx.url + "/_sandbox/health", headers={"Connection": "close"}, timeout=5
    )
    assert reply.headers.get("Connection") == "close"


def test_the_request_log_tells_when_a_request_began_to_arrive_and_when_it_was_whole(
    sandbox_pbx,
):
    """`arrived`: its first line was read off the socket (what click-to-PBX measures to);
    `time`: the whole request was read and parsed."""
    import socket
    import urllib.parse

    host, port = urllib.parse.urlsplit(sandbox_pbx.url).netloc.split(":")
    body = b"{}"
    head = (
        f"POST /generic/originate HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json"
        f"\r\nContent-Length: {len(body)}\r\nConnection: close\r\n\r\n"
    ).encode()
    with socket.create_connection((host, int(port)), timeout=5) as sock:
        began = time.time()
        sock.sendall(head)
        time.sleep(0.3)  # the body comes later, as on a slow link
        whole = time.time()
        sock.sendall(body)
        assert sock.recv(100).startswith(b"HTTP/1.1 401")
    entry = sandbox_pbx.requests()[-1]
    assert began <= entry["arrived"] < began + 0.2
    assert entry["time"] >= whole
