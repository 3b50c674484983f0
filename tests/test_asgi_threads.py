"""The web process (pbxportal.asgi) runs each request's synchronous part in a thread of
its own, as Django does, but lends it from a pool of idle threads instead of starting
one per request: a slow request still never holds up another."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from django.core.signals import request_finished

pytestmark = pytest.mark.urls("tests.asgi_thread_urls")


@pytest.fixture
def app():
    from pbxportal.asgi import application

    return application


async def _get(app, path: str, query: str = "", *, disconnect_after: float | None = None):
    """(status, body) of one GET through the ASGI application, as uvicorn calls it."""
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": "GET", "scheme": "http", "path": path, "raw_path": path.encode(),
        "query_string": query.encode(), "root_path": "", "client": ("127.0.0.1", 50000),
        "server": ("testserver", 80), "headers": [(b"host", b"testserver")],
    }  # fmt: skip
    asked = False
    gone = asyncio.Event()
    if disconnect_after is not None:
        asyncio.get_running_loop().call_later(disconnect_after, gone.set)

    async def receive():
        nonlocal asked
        if not asked:
            asked = True
            return {"type": "http.request", "body": b"", "more_body": False}
        await gone.wait()
        return {"type": "http.disconnect"}

    messages = []

    async def send(message):
        messages.append(message)

    await app(scope, receive, send)
    gone.set()
    status = next((m["status"] for m in messages if m["type"] == "http.response.start"), None)
    body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.response.body")
    return status, body.decode()


def test_one_request_runs_in_one_thread_and_the_next_reuses_it(app):
    closed_in = []

    def on_finished(**_):
        closed_in.append(threading.get_ident())

    request_finished.connect(on_finished)
    try:

        async def two():
            first = await _get(app, "/where/")
            await asyncio.sleep(0.05)  # its thread comes back once it has drained
            return first, await _get(app, "/where/")

        first, second = asyncio.run(two())
    finally:
        request_finished.disconnect(on_finished)
    assert first[0] == second[0] == 200
    assert int(first[1]) == closed_in[0]  # the view and the response's close: one thread
    assert first[1] == second[1]  # lent again, not a new thread
    assert int(first[1]) != threading.get_ident()


def test_a_slow_request_does_not_hold_up_another(app):
    async def both():
        slow = asyncio.create_task(_get(app, "/slow/", "s=0.5"))
        await asyncio.sleep(0.1)
        started = time.monotonic()
        fast = await _get(app, "/where/")
        return fast, time.monotonic() - started, await slow

    fast, fast_took, slow = asyncio.run(both())
    assert fast[0] == slow[0] == 200
    assert fast_took < 0.3
    assert fast[1] != slow[1]


def test_a_thread_still_busy_after_its_client_left_is_not_lent(app):
    """The client hangs up while the view sleeps: Django stops waiting for the view,
    which goes on in its thread. The next request must not queue behind it."""

    async def left_then_next():
        await _get(app, "/slow/", "s=0.6", disconnect_after=0.05)
        started = time.monotonic()
        after = await _get(app, "/where/")
        return after, time.monotonic() - started

    after, took = asyncio.run(left_then_next())
    assert after[0] == 200
    assert took < 0.3
