"""A call whose originate message was lost (worker killed, broker lost it) is re-sent or
failed within a minute, and never placed twice (calls/maintenance/housekeeping.py
recover_lost_originates), with a real worker process killed mid-call."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.conf import settings
from django.utils import timezone

from calls.maintenance import housekeeping
from calls.maintenance.tasks import ping
from calls.models import Call, EndedBy
from calls.outbound.tasks import originate
from tests.factories import make_account, make_agent, make_project
from tests.local_server import serving
from tests.processes import celery_worker, database_url, wait_for

pytestmark = pytest.mark.django_db(transaction=True)


class FakePbx(ThreadingHTTPServer):
    """The sandbox dialect's POST /originate, counting every request that reaches it;
    ``hold`` keeps the answer back, as a slow PBX does."""

    daemon_threads = True

    def __init__(self) -> None:
        super().__init__(("127.0.0.1", 0), _Originates)
        self.originates: list[str] = []
        self.hold = threading.Event()
        self.release = threading.Event()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}"


class _Originates(BaseHTTPRequestHandler):
    server: FakePbx

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        self.server.originates.append(body["external_id"])
        if self.server.hold.is_set():
            self.server.release.wait(30)
        reply = json.dumps({"call_id": f"sbx-{len(self.server.originates)}"}).encode()
        try:
            self.send_response(201)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)
        except OSError:
            pass  # the worker that asked was killed

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def pbx() -> Iterator[FakePbx]:
    with serving(FakePbx()) as server:
        yield server
        server.release.set()


def queued_call(pbx: FakePbx, **fields: object) -> Call:
    account = make_account("sandbox", api_token="tok-secret")
    account.base_url = pbx.url
    account.save()
    agent = make_agent(make_project(account))
    return Call.objects.create(
        project=agent.project,
        agent=agent,
        direction="outbound",
        remote_number="+40722123456",
        **fields,
    )


def status_of(call: Call) -> str:
    call.refresh_from_db()
    return call.status


def worker_has_taken_every_message_before_this() -> None:
    """A ping sent after them on the calls queue: the solo worker takes a queue's messages
    in order, so once it answers, every originate message sent before it has been run."""
    assert ping.apply_async(("done",), queue=settings.CALLS_QUEUE).get(timeout=60) == "pong:done"


def worker():
    # The worker is not a test process: point it at the test database explicitly.
    return celery_worker(extra_env={"DATABASE_URL": database_url()})


@pytest.mark.slow
def test_a_worker_killed_while_asking_the_pbx_fails_the_call_and_never_asks_again(pbx):
    call = queued_call(pbx)
    pbx.hold.set()
    with worker() as first:
        originate.delay(call.pk)
        wait_for(lambda: pbx.originates, timeout=60)
        assert status_of(call) == "originating"
        first.kill()  # SIGKILL, mid-request: the PBX may have rung the agent
        first.wait(10)
    pbx.release.set()

    with worker():  # the runner restarts it; the message was taken and is gone
        found = housekeeping.recover_lost_originates()
        assert (found.resent, found.failed) == (0, 0)  # it may still be asking
        later = timezone.now() + timedelta(seconds=settings.ORIGINATE_ORPHANED_SECONDS + 1)
        found = housekeeping.recover_lost_originates(now=later)
        assert found.failed == 1
        worker_has_taken_every_message_before_this()

    call.refresh_from_db()
    assert call.status == "failed" and call.ended_by == EndedBy.SYSTEM
    assert "may have rung you" in call.failure_reason
    assert "check your phone" in call.failure_reason
    assert len(pbx.originates) == 1  # never re-sent


@pytest.mark.slow
def test_a_queued_call_whose_message_was_lost_is_re_sent_and_placed_once(pbx):
    call = queued_call(pbx)  # queued, and the broker lost its message: none was sent
    later = timezone.now() + timedelta(seconds=settings.ORIGINATE_RESEND_SECONDS + 1)
    assert housekeeping.recover_lost_originates(now=later).resent == 1
    assert housekeeping.recover_lost_originates(now=later).resent == 1  # a second message
    with worker():
        wait_for(lambda: status_of(call) == "agent_ringing", timeout=60)
        worker_has_taken_every_message_before_this()  # the second: the claim refused it
    assert pbx.originates == [str(call.external_id)]  # placed once
    assert status_of(call) == "agent_ringing"


def test_a_call_too_old_to_ring_fails_within_a_minute_with_why(pbx, originate_queue):
    call = queued_call(pbx)
    Call.objects.filter(pk=call.pk).update(requested_at=timezone.now() - timedelta(seconds=50))
    found = housekeeping.recover_lost_originates()
    assert (found.resent, found.failed) == (0, 1) and originate_queue == []
    call.refresh_from_db()
    assert call.status == "failed" and "was not placed" in call.failure_reason


def test_a_call_waiting_for_its_retry_is_not_re_sent(pbx, originate_queue):
    call = queued_call(pbx, failure_reason="Could not reach the PBX.")
    Call.objects.filter(pk=call.pk).update(updated_at=timezone.now() - timedelta(seconds=5))
    assert housekeeping.recover_lost_originates().resent == 0
    assert originate_queue == []


def test_the_sweep_runs_often_enough_to_act_within_a_minute():
    entry = next(
        e for e in settings.CELERY_BEAT_SCHEDULE.values() if e["task"] == "calls.lost_originates"
    )
    every = entry["schedule"]
    assert every <= 15
    assert settings.ORIGINATE_ORPHANED_SECONDS + every <= 60
    # a call's worker cannot be the one that sweeps for it: the other queue
    from pbxportal.celery import app

    assert app.amqp.router.route({}, "calls.lost_originates")["queue"].name == "celery"
