"""Long-running processes freeze what they loaded once warmed up (pbxportal/gcwarm.py)."""

import gc

import pytest

from pbxportal.gcwarm import WarmUp


@pytest.fixture
def unfrozen():
    gc.unfreeze()
    yield
    gc.unfreeze()  # the test process keeps collecting everything


def test_the_warm_up_freezes_once_after_its_count(unfrozen):
    warm_up = WarmUp(after=3, what="requests")
    warm_up.done_one()
    warm_up.done_one()
    assert gc.get_freeze_count() == 0
    warm_up.done_one()
    frozen = gc.get_freeze_count()
    assert frozen > 0
    keep = [[] for _ in range(100)]  # new objects are collected as usual again
    warm_up.done_one()
    # No second freeze (it would take `keep` in). A frozen object may still be freed
    # by its last reference going, e.g. by another test's thread: the count only falls.
    assert gc.get_freeze_count() <= frozen and keep


def test_the_web_process_freezes_at_start_and_after_its_first_requests(unfrozen, client, db):
    from django.core.signals import request_finished

    from pbxportal.gcwarm import freeze_when_started

    warm_up = freeze_when_started("test web", after=2, what="requests")
    try:
        assert gc.get_freeze_count() > 0  # at start
        gc.unfreeze()
        client.get("/healthz")
        assert gc.get_freeze_count() == 0
        client.get("/healthz")
        assert gc.get_freeze_count() > 0  # after the second request
    finally:
        request_finished.disconnect(warm_up.on_request_finished)
