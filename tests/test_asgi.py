"""The web process (pbxportal.asgi): synchronous views through Django's WSGI handler in a
pool of threads, async views (the live streams) through Django's ASGI handler."""

from __future__ import annotations

import asyncio
import threading

import pytest

TEST_URLS = pytest.mark.urls("tests.asgi_urls")


@pytest.fixture
def app():
    from pbxportal.asgi import application, is_stream

    is_stream.cache_clear()  # the test URLs, not the product's
    yield application
    is_stream.cache_clear()


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


@TEST_URLS
def test_a_synchronous_view_is_answered_off_the_event_loop(app):
    status, body = asyncio.run(_get(app, "/where/"))
    assert status == 200 and int(body) != threading.get_ident()


@TEST_URLS
def test_a_slow_request_does_not_hold_up_another(app):
    """The first request is held until a second one, served meanwhile, releases it."""
    from tests import asgi_urls

    asgi_urls.held.clear()
    asgi_urls.released.clear()

    async def both():
        return await asyncio.gather(_get(app, "/hold/"), _get(app, "/release/"))

    assert asyncio.run(both()) == [(200, "released"), (200, "released")]


@TEST_URLS
def test_an_async_view_streams_through_the_asgi_handler(app):
    status, body = asyncio.run(_get(app, "/ticks/"))
    assert status == 200 and body == "data: 0\n\ndata: 1\n\ndata: 2\n\n"


def test_the_live_streams_are_async_views_and_the_rest_is_not():
    from pbxportal.asgi import is_stream

    is_stream.cache_clear()
    try:
        assert is_stream("/live/agent/")
        assert not is_stream("/api/v1/calls/") and not is_stream("/healthz")
        assert not is_stream("/no-such-page/")
    finally:
        is_stream.cache_clear()
