"""Secrets never reach logs or API answers; the signing secret is encrypted at rest."""

from __future__ import annotations

import json
import logging
import time

import pytest

from calls.models import Project, WebhookRequest
from calls.pbx.generic import sign
from calls.project_settings import SEALED_PREFIX, opened_settings
from pbxportal.logging import RedactSecretsFilter
from tests.factories import make_agent, make_project
from tests.generic_events import generic, hook, originating_call

pytestmark = pytest.mark.django_db


def _filtered(record: logging.LogRecord) -> str:
    RedactSecretsFilter().filter(record)
    return record.getMessage()


def test_a_webhook_token_in_djangos_request_log_shows_a_prefix_only(client, caplog):
    project = make_project()
    token = project.webhook_token
    with caplog.at_level(logging.WARNING, logger="django.request"):
        client.get(f"/hooks/nosuchvendor/{token}/")
        client.get(f"/lookup/{project.lookup_token}/extra/")
    records = [r for r in caplog.records if r.name == "django.request"]
    assert records
    for record in records:
        message = _filtered(record)
        assert token not in message and project.lookup_token not in message
    assert f"/hooks/nosuchvendor/{token[:4]}***/" in _filtered(records[0])


def test_uvicorns_access_line_is_masked_and_still_formats():
    from uvicorn.logging import AccessFormatter

    token = "AbCdEfGhIjKlMnOpQrStUvWxYz0123456789_-xy"
    record = logging.LogRecord(
        "uvicorn.access",
        logging.INFO,
        __file__,
        1,
        '%s - "%s %s HTTP/%s" %d',
        ("127.0.0.1:5000", "POST", f"/hooks/while1/{token}/?token={token}", "1.1", 403),
        None,
    )
    RedactSecretsFilter().filter(record)
    line = AccessFormatter(fmt='%(client_addr)s - "%(request_line)s" %(status_code)s').format(
        record
    )
    assert token not in line and "/hooks/while1/AbCd***/" in line and " 403" in line


def test_the_signing_secret_is_write_only_in_the_api_and_encrypted_at_rest(admin_api):
    account = make_project().pbx_account
    created = admin_api.post(
        "/api/v1/projects/",
        {
            "name": "Signed",
            "pbx_account": account.pk,
            "region": "RO",
            "settings": {"project_id": 3, "webhook_signing_secret": "sign-very-secret"},
        },
        format="json",
    )
    assert created.status_code == 201, created.json()
    assert "sign-very-secret" not in created.content.decode()
    assert created.json()["stored_secrets"] == ["webhook_signing_secret"]
    listing = admin_api.get("/api/v1/projects/").content.decode()
    assert "sign-very-secret" not in listing and SEALED_PREFIX not in listing
    project = Project.objects.get(name="Signed")
    stored = project.settings["webhook_signing_secret"]
    assert stored.startswith(SEALED_PREFIX) and "sign-very-secret" not in stored
    assert opened_settings(project.settings)["webhook_signing_secret"] == "sign-very-secret"
    # A client that PATCHes the settings it read back keeps the secret it never saw.
    settings = admin_api.get(f"/api/v1/projects/{project.pk}/").json()["settings"]
    patched = admin_api.patch(
        f"/api/v1/projects/{project.pk}/",
        {"settings": {**settings, "project_id": 4}},
        format="json",
    )
    assert patched.status_code == 200
    project.refresh_from_db()
    assert project.settings["webhook_signing_secret"] == stored
    assert project.settings["project_id"] == 4


@pytest.mark.parametrize("sealed", [True, False])
def test_signed_webhooks_verify_with_a_sealed_or_an_older_plain_secret(client, sealed):
    from calls.project_settings import checked_settings

    agent = make_agent()
    project = agent.project
    settings = {"project_id": 1, "webhook_signing_secret": "s3cret"}
    project.settings = checked_settings(settings) if sealed else settings
    project.save()
    project = Project.objects.get(pk=project.pk)
    body = json.dumps(generic(originating_call(agent), "dial-in", "agent")).encode()
    good = sign("s3cret", body, int(time.time()))
    ok = client.post(
        hook(project), body, content_type="application/json", HTTP_X_PBX_SIGNATURE=good
    )
    assert ok.status_code == 200
    forged = sign("wrong", body, int(time.time()))
    bad = client.post(
        hook(project), body, content_type="application/json", HTTP_X_PBX_SIGNATURE=forged
    )
    assert bad.status_code == 403
    assert [e.verdict for e in WebhookRequest.objects.order_by("id")] == ["queued", "refused"]
