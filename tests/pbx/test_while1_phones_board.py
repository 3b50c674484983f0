"""Each agent's phone on the live board: read from While1's users-status by a beat job,
stored on the agent, shown as registered / offline, and as unknown once it is stale."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
import responses
from django.conf import settings
from django.utils import timezone

from calls.board.presence import refresh_all
from calls.board.selectors import project_stamp
from calls.board.views import board_fragment
from calls.maintenance.tasks import refresh_presence
from calls.models import Agent
from tests.factories import make_account, make_agent, make_project

pytestmark = pytest.mark.django_db

USERS = {
    "has_error": False,
    "messages": [],
    "results": {
        "101": {"username": "101", "status": "OK (9 ms)", "ip": "10.1.1.1"},
        "102": {"username": "102", "status": "UNKNOWN", "ip": ""},
    },
}


def while1_project(base: str):
    account = make_account()
    account.base_url = base
    account.save()
    return make_project(account, project_id=1)


@pytest.fixture
def pbx():
    with responses.RequestsMock(assert_all_requests_are_fired=False) as mock:
        yield mock


def test_the_beat_job_reads_every_while1_pbx_and_stores_each_agents_phone(pbx):
    project = while1_project("http://pbx-a.test")
    pbx.post("http://pbx-a.test/api/users-status", json=USERS)
    on, off, unlisted = (make_agent(project, ext) for ext in ("101", "102", "103"))
    telphin = make_project(make_account("telphin", client_id="c", client_secret="s"))
    other = make_agent(telphin, "000*101")
    assert refresh_presence() == {"projects": 1, "agents": 3, "failed": 0}
    states = dict(Agent.objects.values_list("pk", "pbx_presence"))
    assert states == {on.pk: "registered", off.pk: "offline", unlisted.pk: "unknown", other.pk: ""}
    assert Agent.objects.get(pk=on.pk).pbx_presence_at is not None
    assert len(pbx.calls) == 1  # Telphin cannot tell: not asked


def test_a_failing_pbx_is_logged_and_the_others_are_still_read(pbx, caplog):
    broken = while1_project("http://pbx-broken.test")
    pbx.post("http://pbx-broken.test/api/users-status", status=500, body="oops")
    fine = while1_project("http://pbx-fine.test")
    pbx.post("http://pbx-fine.test/api/users-status", json=USERS)
    make_agent(broken, "101")
    agent = make_agent(fine, "101")
    with caplog.at_level(logging.WARNING, logger="calls.presence"):
        assert refresh_all() == {"projects": 2, "agents": 1, "failed": 1}
    assert "HTTP 500" in caplog.text
    assert Agent.objects.get(pk=agent.pk).pbx_presence == "registered"


def test_the_board_shows_each_phone_and_unknown_once_the_reading_is_stale(pbx):
    project = while1_project("http://pbx-a.test")
    fresh, offline, stale = (make_agent(project, ext) for ext in ("101", "102", "104"))
    now = timezone.now()
    Agent.objects.filter(pk=fresh.pk).update(pbx_presence="registered", pbx_presence_at=now)
    Agent.objects.filter(pk=offline.pk).update(pbx_presence="offline", pbx_presence_at=now)
    old = now - timedelta(seconds=3 * settings.PRESENCE_REFRESH_SECONDS + 1)
    Agent.objects.filter(pk=stale.pk).update(pbx_presence="registered", pbx_presence_at=old)
    html = board_fragment(project.pk)
    assert html.count('data-phone="registered"') == 1 and "Phone registered" in html
    assert html.count('data-phone="offline"') == 1 and "Phone offline" in html
    assert html.count('data-phone="unknown"') == 1 and "Phone status unknown" in html


def test_boards_of_pbxs_that_cannot_tell_have_no_phone_column():
    telphin = make_project(make_account("telphin", client_id="c", client_secret="s"))
    make_agent(telphin, "000*101")
    assert "data-phone" not in board_fragment(telphin.pk)


def test_the_job_runs_every_half_minute_and_never_piles_up():
    entry = settings.CELERY_BEAT_SCHEDULE["agent-phones"]
    assert entry["task"] == "calls.refresh_presence" and entry["schedule"] == 30.0
    assert entry["options"]["expires"] == 30.0


def test_the_board_redraws_when_the_phones_are_read_and_when_the_reading_goes_stale():
    project = while1_project("http://pbx-a.test")
    agent = make_agent(project, "101")
    before = project_stamp(project.pk)
    read_at = timezone.now()
    Agent.objects.filter(pk=agent.pk).update(pbx_presence="registered", pbx_presence_at=read_at)
    fresh = project_stamp(project.pk, read_at)
    later = read_at + timedelta(seconds=3 * settings.PRESENCE_REFRESH_SECONDS + 1)
    assert len({before, fresh, project_stamp(project.pk, later)}) == 3
