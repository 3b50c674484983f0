"""kombu's filesystem transport (the embedded default), with messages that appear whole
or not at all; named by CELERY_BROKER_TRANSPORT (settings.py).

The stock transport creates the message file and then writes it: a worker that
lists the folder in between reads an empty file, fails to decode it and the message is
gone (kombu issue #1551; tests/test_broker.py races a reader against a writer). Here
each message is written under a name no reader matches and renamed into place, which
POSIX makes atomic.
"""

from __future__ import annotations

import os
import uuid
from time import monotonic

from kombu.transport import filesystem
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
