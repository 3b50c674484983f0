"""The PBX account page shows the VoipCenter live stream: state, since, messages, last error."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from calls.models import EventStream, StreamState, Vendor
from tests.factories import make_account, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("admin", is_staff=True))
    return client


def page(client, account) -> str:
    reply = client.get(reverse("admin:calls_pbxaccount_change", args=[account.pk]))
    assert reply.status_code == 200
    return reply.content.decode()


def test_the_account_page_shows_the_stream_and_its_last_error(admin_client) -> None:
    account = make_account(Vendor.VOIPCENTER, api_id="pi1", ws_user="ws1", password="s3cret-pw")
    now = timezone.now()
    EventStream.objects.create(
        account=account,
        state=StreamState.FAILED,
        state_since=now,
        last_error="VoipCenter closed the stream right after register <b>x</b>",
        last_error_at=now,
        messages=7,
        last_message_at=now,
    )

    html = page(admin_client, account)

    assert "live event stream" in html.lower() and "Failed, retrying" in html
    assert "7 message(s) received" in html
    assert "right after register &lt;b&gt;x&lt;/b&gt;" in html  # vendor words escaped
    assert "s3cret-pw" not in html


def test_an_account_without_a_stream_says_how_to_start_one(admin_client) -> None:
    html = page(admin_client, make_account(Vendor.VOIPCENTER, api_id="pi1"))
    assert "listen_voipcenter" in html
