"""ASGI entry point (uvicorn): the live streams need it; every other view is synchronous.

Django's own ASGI handler runs the middleware chain in async mode. Our middleware and
Django's are synchronous underneath (MiddlewareMixin hops to a thread and back for each
process_request/process_response), so one request crossed between the event loop and
its thread about twenty times; with the loop busy serving live streams, each crossing
waited its turn. Measured with bench/click_to_pbx.py (POST /api/v1/calls/ under
uvicorn): see docs/benchmarks.md. This handler builds the synchronous chain, as under
WSGI, and enters it once per request, in the request's own thread, lent from a pool
(pbxportal/request_threads.py) rather than started for it. Async views (the live
streams) are still called through async_to_sync, and their streaming responses are
still sent asynchronously.
"""

import os

import django
from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIHandler

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pbxportal.settings")


class OneHopASGIHandler(ASGIHandler):
    def __init__(self) -> None:
        super().__init__()
        self.warm_up = WarmUp(after=200, what="requests")
        self.threads = RequestThreads()

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":  # as Django's handler: lifespan and websockets are not served
            raise ValueError(f"Django can only handle ASGI/HTTP connections, not {scope['type']}.")
        async with self.threads.lent():
            await self.handle(scope, receive, send)

    def load_middleware(self, is_async: bool = False) -> None:
        super().load_middleware(is_async=False)

    async def get_response_async(self, request):
        return await sync_to_async(self.get_response, thread_sensitive=True)(request)

    def get_response(self, request):
        for receiver in _STARTED_IN_THREAD:
            receiver(sender=self.__class__)
        try:
            return super().get_response(request)
        finally:
            self.warm_up.done_one()


django.setup(set_prefix=False)

from django.core.signals import request_started  # noqa: E402 - after setup
from django.db import close_old_connections, reset_queries  # noqa: E402

from pbxportal.gcwarm import WarmUp, freeze  # noqa: E402
from pbxportal.request_threads import RequestThreads  # noqa: E402

# Django's own request_started receivers are synchronous, so the handler hopped to the
# request's thread and back just to run them before hopping there for the view (0.35 ms
# of every request, traced). They run at the start of get_response instead, in the
# same thread, before anything else of the request.
_STARTED_IN_THREAD = (reset_queries, close_old_connections)
for _receiver in _STARTED_IN_THREAD:
    request_started.disconnect(_receiver)

application = OneHopASGIHandler()
freeze("web process started")
