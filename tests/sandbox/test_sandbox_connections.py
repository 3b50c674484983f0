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
