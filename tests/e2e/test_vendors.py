"""Each vendor as a customer with a real account would use it: the agent clicks a contact,
the PBX reports the call through its own channel (While1's Send Events GETs, VoipCenter's
Socket.IO stream, Telphin's form events), the card goes ringing → talking → ended with the
PBX's talk time, and the next click works at once."""

import re
from collections import Counter

import pytest
from playwright.sync_api import expect

from calls.models import Call, CallStatus
from contacts.models import Contact
from tests.e2e.browser import log_in

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

AGENTS = {"while1": "ana", "voipcenter": "pieter", "telphin": "olga"}
MAGIC = ("486", "408", "603")  # the sandbox's busy, no answer and declined numbers


def answering_contacts(username: str) -> list[str]:
    """Names, unique in the agent's project, of contacts whose numbers the sandbox answers."""
    contacts = list(
        Contact.objects.filter(project__agents__user__username=username).prefetch_related("phones")
    )
    names = Counter(c.name for c in contacts)
    return [
        c.name
        for c in contacts
        if names[c.name] == 1 and not any(p.number.endswith(MAGIC) for p in c.phones.all())
    ]


@pytest.mark.parametrize("vendor", sorted(AGENTS))
def test_a_click_is_followed_to_its_end_through_the_vendors_own_channel(
    vendor, product, browser_page
):
    page = browser_page
    username = AGENTS[vendor]
    log_in(page, product, username)
    name, second_name = answering_contacts(username)[:2]
    rows = page.locator("#contact-rows tr")
    rows.filter(has_text=name).locator("button.number").first.click()
    card = page.locator("#call-card")
    expect(card).to_contain_text(name)
    expect(card.locator(".badge")).to_have_text("Talking", timeout=20_000)
    expect(card.locator(".badge")).to_have_text("Ended", timeout=20_000)
    expect(card.locator(".timer")).to_have_text(re.compile(r"0:0[1-3]"))
    call = Call.objects.filter(agent__user__username=username).latest("requested_at")
    assert call.status == CallStatus.COMPLETED
    assert call.project.pbx_account.vendor == vendor
    assert call.duration is not None and call.duration >= 1
    assert call.events.exists()  # moved by the vendor's events, not by housekeeping

    # The agent is free at once: the next click places the next call.
    rows.filter(has_text=second_name).locator("button.number").first.click()
    expect(card).to_contain_text(second_name, timeout=10_000)
    expect(card.locator(".badge")).not_to_have_text("Ended", timeout=10_000)
    expect(page.locator("#call-card .error")).to_have_count(0)
