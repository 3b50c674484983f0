"""The embedded broker never shows a worker a half-written message."""

import json
import os

import pytest
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


REDIS_BROKER = "redis://127.0.0.1:6379/10"


@pytest.fixture
def redis_broker():
    import redis

    try:
        redis.Redis.from_url(REDIS_BROKER, socket_connect_timeout=0.5).flushdb()
    except redis.RedisError:
        pytest.skip("no Redis at 127.0.0.1:6379")
    with Connection(REDIS_BROKER) as conn:
        yield conn
    redis.Redis.from_url(REDIS_BROKER).flushdb()


def test_redis_messages_round_trip_and_an_unacked_one_comes_back(redis_broker):
    assert type(redis_broker.transport).__module__ == "pbxportal.broker"
    queue = redis_broker.SimpleQueue("calls-test")
    for n in range(3):
        queue.put({"call": n})
    taken = queue.get(timeout=2)
    assert taken.payload == {"call": 0}
    taken.ack()
    with Connection(REDIS_BROKER) as dying_worker:
        dying_worker.SimpleQueue("calls-test").get(timeout=2)  # never acked
    # its channel closed: kombu puts what it took and did not ack back on the queue
    assert sorted(queue.get(timeout=2).payload["call"] for _ in range(2)) == [1, 2]
    queue.close()


def test_the_redis_channel_keeps_one_client_until_its_pool_is_replaced(redis_broker):
    channel = redis_broker.default_channel
    with channel.conn_or_acquire() as first, channel.conn_or_acquire() as second:
        assert first is second
    channel._after_fork()  # what kombu does in a forked child: the parent's pool is dropped
    with channel.conn_or_acquire() as after_fork:
        assert after_fork is not first and after_fork.connection_pool is channel.pool
        assert after_fork.ping()
