"""Threads lent to requests, instead of one started and joined for each.

Django's ASGI handler enters a new ``ThreadSensitiveContext`` per request, so the
request's synchronous part (our whole middleware chain and view, pbxportal/asgi.py) runs
in a thread of its own: a slow request never holds up another. asgiref starts that
thread at the request's first hop and, at its end, shuts the executor down with
``wait=True`` on the event loop. Measured: 0.12 ms for the first hop against 0.06 ms into
a running thread, and 0.3 ms in all per request against 0.07 ms, the join holding every
other request and live stream meanwhile. Here the contexts, each with its executor and
thread, are kept when a request ends and lent to the next one, so each request still has
a thread to itself and none is started on the way.

A context goes back to the pool only once its thread has drained: a view can outlive its
request (the client left; Django stops waiting, the thread does not), and the next
request must not queue behind it. This leans on two attributes of asgiref's SyncToAsync
(``thread_sensitive_context``, ``context_to_thread_executor``); requirements.txt pins the
version it was checked against, and tests/test_asgi_threads.py checks the behaviour.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from asgiref.sync import SyncToAsync, ThreadSensitiveContext


class RequestThreads:
    # Idle threads kept beyond this are let go. With DB_POOL=0 each keeps its own
    # database connection for CONN_MAX_AGE, so this bounds those too (docs/deploy.md).
    def __init__(self, keep: int = 16) -> None:
        self.keep = keep
        self._idle: list[ThreadSensitiveContext] = []

    @asynccontextmanager
    async def lent(self) -> AsyncIterator[None]:
        context = self._idle.pop() if self._idle else ThreadSensitiveContext()
        token = SyncToAsync.thread_sensitive_context.set(context)
        ended_cleanly = False
        try:
            yield
            ended_cleanly = True
        finally:
            SyncToAsync.thread_sensitive_context.reset(token)
            self._give_back(context, ended_cleanly)

    def _give_back(self, context: ThreadSensitiveContext, ended_cleanly: bool) -> None:
        executor = SyncToAsync.context_to_thread_executor.get(context)
        if not ended_cleanly or len(self._idle) >= self.keep:
            if executor is not None:
                SyncToAsync.context_to_thread_executor.pop(context, None)
                executor.shutdown(wait=False)  # its thread ends once it is done
            return
        if executor is None:  # the request never left the event loop
            self._idle.append(context)
            return
        # Runs after everything queued before it: the thread is free when it does.
        loop = asyncio.get_running_loop()

        def come_back(_) -> None:
            try:
                loop.call_soon_threadsafe(self._idle.append, context)
            except RuntimeError:  # the loop has closed: the server is stopping
                executor.shutdown(wait=False)

        try:
            executor.submit(lambda: None).add_done_callback(come_back)
        except RuntimeError:  # the interpreter is shutting down: nothing to lend any more
            SyncToAsync.context_to_thread_executor.pop(context, None)
