"""ASGI entry point (uvicorn): Django's stock handlers, each for what it serves.

The live streams are async views: Django's ASGI handler serves them. Every other view
(pages, API, webhooks, the caller lookup) is synchronous. For those Django's ASGI
handler hops between the event loop and the request's thread for each hook of each
synchronous middleware; Django's WSGI handler runs the whole chain in one go. Measured
in one process, a request through the middleware chain: +4.4 ms with the ASGI handler,
+0.35 ms with the WSGI handler behind a2wsgi (docs/deploy.md). So synchronous views are
served by Django's WSGI application through a2wsgi's WSGIMiddleware, in a pool of
WEB_THREADS threads: a slow request holds up none but its own thread.

Startup, explicitly: once Django is loaded the process freezes what it holds from the
garbage collector, and again after its first 200 requests (pbxportal/gcwarm.py).
"""

from __future__ import annotations

import os
from functools import lru_cache

from a2wsgi import WSGIMiddleware
from asgiref.sync import iscoroutinefunction
from django.core.asgi import get_asgi_application
from django.core.wsgi import get_wsgi_application
from django.urls import resolve

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pbxportal.settings")

streams = get_asgi_application()

from django.conf import settings  # noqa: E402 - configured by the line above

pages = WSGIMiddleware(get_wsgi_application(), workers=settings.WEB_THREADS)


@lru_cache(maxsize=4096)
def is_stream(path_info: str) -> bool:
    """Whether ``path_info`` leads to an async view (a live stream)."""
    try:
        return iscoroutinefunction(resolve(path_info).func)
    except Exception:  # Resolver404, or a path it chokes on: Django's WSGI side answers
        return False


async def application(scope, receive, send) -> None:
    if scope["type"] == "http":
        path, root = scope["path"], scope.get("root_path", "")
        path_info = path.removeprefix(root) if root and path.startswith(root) else path
        if not is_stream(path_info):
            await pages(scope, receive, send)
            return
    await streams(scope, receive, send)


from pbxportal.gcwarm import freeze_when_started  # noqa: E402 - needs Django set up

freeze_when_started("web process", after=200, what="requests")
