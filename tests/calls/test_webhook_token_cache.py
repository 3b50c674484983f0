"""The webhook address stays fast (projects kept briefly) yet a rotated token dies quickly."""

import pytest

from calls.events import projects
from calls.models import Project
from tests.factories import make_account, make_project

pytestmark = pytest.mark.django_db


def hook(project, token=None):
    return f"/hooks/{project.pbx_account.vendor}/{token or project.webhook_token}/"


def send(client, project, token=None):
    body = "EventType=dial-out&CallID=c1&CallAPIID=nope&CallFlow=out&EventTime=1764266400123456"
    return client.post(hook(project, token), body, content_type="application/x-www-form-urlencoded")


@pytest.fixture
def project(db):
    projects.recent_projects.clear()
    return make_project(make_account("telphin", client_id="c", client_secret="s"))


def test_a_token_rotated_here_is_refused_at_once_and_the_new_one_works(client, project):
    old = project.webhook_token
    assert send(client, project).status_code == 200
    project.rotate_tokens()
    project.save(update_fields=["webhook_token", "lookup_token"])
    assert send(client, project, old).status_code == 403
    assert send(client, project).status_code == 200


def test_a_token_rotated_by_another_process_is_refused_within_seconds(client, project, monkeypatch):
    now = [100.0]  # this process's clock, moved on by hand
    monkeypatch.setattr(projects.recent_projects, "clock", lambda: now[0])
    old = project.webhook_token
    assert send(client, project).status_code == 200
    # Another worker rotated it: no signal reaches this process, only the expiry does.
    Project.objects.filter(pk=project.pk).update(webhook_token="rotated-elsewhere")
    now[0] += 1
    assert send(client, project, old).status_code == 200  # still within the few seconds
    now[0] += projects.recent_projects.ttl
    assert send(client, project, old).status_code == 403


def test_an_unknown_token_is_never_kept(client, project):
    assert send(client, project, "not-a-token").status_code == 403
    assert projects.recent_projects.get(("hook", "telphin", "not-a-token")) is None
