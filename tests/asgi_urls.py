"""Views for tests/test_asgi.py: which thread served a request, a request held until
another one releases it, and a stream."""

import asyncio
import threading

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path

held, released = threading.Event(), threading.Event()
BOUND = 10  # seconds: only reached when the two requests are served one after the other


def where(request):
    return HttpResponse(str(threading.get_ident()))


def hold(request):
    held.set()
    return HttpResponse("released" if released.wait(BOUND) else "never released")


def release(request):
    if not held.wait(BOUND):
        return HttpResponse("nothing held")
    released.set()
    return HttpResponse("released")


async def ticks(request):
    async def three():
        for n in range(3):
            yield f"data: {n}\n\n"
            await asyncio.sleep(0.01)

    return StreamingHttpResponse(three(), content_type="text/event-stream")


urlpatterns = [
    path("where/", where),
    path("hold/", hold),
    path("release/", release),
    path("ticks/", ticks),
]
