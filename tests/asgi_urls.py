"""Views for tests/test_asgi.py: which thread served a request, a slow one, and a stream."""

import asyncio
import threading
import time

from django.http import HttpResponse, StreamingHttpResponse
from django.urls import path


def where(request):
    return HttpResponse(str(threading.get_ident()))


def slow(request):
    time.sleep(float(request.GET.get("s", "0.4")))
    return HttpResponse(str(threading.get_ident()))


async def ticks(request):
    async def three():
        for n in range(3):
            yield f"data: {n}\n\n"
            await asyncio.sleep(0.01)

    return StreamingHttpResponse(three(), content_type="text/event-stream")


urlpatterns = [path("where/", where), path("slow/", slow), path("ticks/", ticks)]
