"""Streaming responses that stay streamed under both WSGI and ASGI.

Under ASGI Django reads a *synchronous* iterator whole into a list before sending it
(it warns "must consume synchronous iterators"), which would hold a 1,000,000-row
export or a long recording in memory. So for ASGI requests the same iterator is
pulled one chunk at a time in Django's thread-sensitive executor: the database
cursor behind an export stays in the thread that opened it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator

from asgiref.sync import sync_to_async
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, StreamingHttpResponse

_DONE = object()


def streaming_response(
    request: HttpRequest, chunks: Iterator, content_type: str
) -> StreamingHttpResponse:
    content = _pulled_async(chunks) if isinstance(request, ASGIRequest) else chunks
    return StreamingHttpResponse(content, content_type=content_type)


async def _pulled_async(chunks: Iterator) -> AsyncIterator:
    pull = sync_to_async(next, thread_sensitive=True)
    close = getattr(chunks, "close", None)
    try:
        while True:
            chunk = await pull(chunks, _DONE)
            if chunk is _DONE:
                return
            yield chunk
    finally:
        if close is not None:
            await sync_to_async(close, thread_sensitive=True)()
