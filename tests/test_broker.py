"""The embedded broker never shows a worker a half-written message."""

import json
import os

from kombu import Connection

# Not "calls": kombu keeps the filesystem transport's bindings in one process-wide
# table, so a queue the product declared earlier in this test process under the same
# name would be taken as bound here, and its binding file (in another folder) not
# written: the message would be dropped.
QUEUE = "atomic-writes"


def test_messages_appear_whole_under_their_final_name(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "control_folder": str(tmp_path / "control"),
    }
    with Connection("filesystem://", transport_options=options) as conn:
        assert type(conn.transport).__module__ == "pbxportal.broker"
        queue = conn.SimpleQueue(QUEUE)
        queue.put({"call": 42})
        names = os.listdir(folder)
        assert len(names) == 1 and names[0].endswith(f".{QUEUE}.msg")  # no .part left behind
        assert json.loads((folder / names[0]).read_text())  # complete JSON on disk
        assert queue.get(timeout=2).payload == {"call": 42}
        queue.close()


def test_a_partial_file_is_never_read(tmp_path):
    folder = tmp_path / "out"
    folder.mkdir()
    (folder / f"1_x.{QUEUE}.msg.part").write_bytes(b"")  # a writer that has not finished
    options = {
        "data_folder_in": str(folder),
        "data_folder_out": str(folder),
        "control_folder": str(tmp_path / "control"),
    }
    with Connection("filesystem://", transport_options=options) as conn:
        queue = conn.SimpleQueue(QUEUE)
        try:
            queue.get(timeout=0.3)
            raise AssertionError("read a message that was not complete")
        except queue.Empty:
            pass
        queue.close()
