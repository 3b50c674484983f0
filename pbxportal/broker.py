"""kombu's transports, as the product uses them.

The filesystem transport (the embedded default), with messages that appear whole or not
at all.

The stock transport creates the message file and then writes it: a worker that
lists the folder in between reads an empty file, fails to decode it and stops
(kombu issue #1551). Here each message is written under a name no reader
matches and renamed into place, which POSIX makes atomic.
"""

from __future__ import annotations

import os
import uuid
from contextlib import contextmanager
from time import monotonic

from kombu.transport import filesystem, redis
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs) -> None:
        name = f"{round(monotonic() * 1000)}_{uuid.uuid4()}.{queue}.msg"
        final = os.path.join(self.data_folder_out, name)
        partial = final + ".part"  # readers take only "<id>.<queue>.msg"
        try:
            with open(partial, "wb") as handle:
                handle.write(str_to_bytes(dumps(payload)))
            os.replace(partial, final)
        except OSError as exc:
            raise filesystem.ChannelError(f"Cannot add file {final!r} to directory") from exc


class Transport(filesystem.Transport):
    Channel = Channel


class RedisChannel(redis.Channel):
    """kombu's Redis channel, issuing its commands through one client.

    The stock channel builds a new ``redis.Redis`` for every command it sends (each
    publish, each unacked-message record and ack), and redis-py fills some eighty
    response callbacks each time: about 45 µs, twice on every click's way to the PBX
    (the web process's publish, the worker's record of the message before it runs).
    The client is the pool's, so it is dropped when kombu replaces the pool (after a
    fork); redis-py clients are safe to share between threads.
    """

    _command_client = None

    @contextmanager
    def conn_or_acquire(self, client=None):
        if client:
            yield client
            return
        kept = self._command_client
        if kept is None or kept.connection_pool is not self.pool:
            kept = self._command_client = self._create_client()
        yield kept


class RedisTransport(redis.Transport):
    Channel = RedisChannel
