"""The web process (pbxportal.asgi) runs each request's synchronous part in a thread of
its own, as Django does, but lends it from a pool of idle threads instead of starting
one per request: a slow request still never holds up another."""

from __future__ import annotations

import asyncio
import threading
import time

import pytest
from asgiref.sync import sync_to_async
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


def test_a_thread_still_busy_is_not_lent_until_it_has_drained():
    """A request can end while its thread still works (the client left; Django stops
    waiting, the thread does not). The next request must get another thread, not queue
    behind it; once free, the thread is lent again."""
    from pbxportal.request_threads import RequestThreads

    threads = RequestThreads()
    busy = []

    def work_on() -> None:
        busy.append(threading.get_ident())
        time.sleep(0.4)

    async def scenario():
        async with threads.lent():
            left_behind = asyncio.ensure_future(sync_to_async(work_on)())
            await asyncio.sleep(0.05)
            left_behind.cancel()  # the request stops waiting; its thread goes on
        started = time.monotonic()
        async with threads.lent():
            next_thread = await sync_to_async(threading.get_ident)()
        took = time.monotonic() - started
        await asyncio.sleep(0.5)  # the first thread has finished and come back
        async with threads.lent():
            later_thread = await sync_to_async(threading.get_ident)()
        return next_thread, took, later_thread

    next_thread, took, later_thread = asyncio.run(scenario())
    assert next_thread != busy[0] and took < 0.2
    assert later_thread == busy[0]
