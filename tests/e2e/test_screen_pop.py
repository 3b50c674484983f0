"""An inbound call pops the caller's card on the agent's page, once across tabs."""

import pytest
from playwright.sync_api import expect

from calls.models import Call
from contacts.models import Contact, ContactPhone
from tests.e2e.browser import log_in, shoot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def ring(product, number, answer=True):
    reply = product.sandbox.http(
        "POST",
        "/_sandbox/inbound",
        json_body={
            "account": "demo-while1",
            "from": number,
            "to": "+40212345678",
            "extension": "101",
            "answer": answer,
        },
    )
    assert reply.status == 201, reply.body


def test_a_known_caller_pops_up_once_even_with_two_tabs_open(product, browser_page):
    first = browser_page
    log_in(first, product)
    second = first.context.new_page()
    second.goto(product.url + "/")
    phone = ContactPhone.objects.select_related("contact").order_by("id").first()
    ring(product, phone.number)
    for page in (first, second):
        expect(page.locator("#call-card")).to_contain_text(phone.contact.name, timeout=15_000)
    first.wait_for_timeout(1500)  # both tabs have had the event; only one may pop
    popped = [p for p in (first, second) if p.locator("#screen-pop").is_visible()]
    assert len(popped) == 1
    expect(popped[0].locator("#screen-pop")).to_contain_text(phone.contact.name)
    shoot(popped[0], "screen-pop")


def test_an_unknown_caller_becomes_a_contact_and_their_calls_follow(product, browser_page):
    """While1 names the agent when the call is answered (queue_answer); a missed call names
    only the queue, so it goes to Callbacks, not to one agent's card."""
    page = browser_page
    log_in(page, product)
    ring(product, "+40799123456")
    card = page.locator("#call-card")
    expect(card).to_contain_text("Unknown caller", timeout=15_000)
    pop = page.locator("#screen-pop")
    expect(pop).to_contain_text("Unknown caller")
    pop.locator("input[name=name]").fill("Radu Nou")
    pop.locator("button", has_text="Create contact").click()
    expect(pop).to_be_hidden()
    expect(card.locator(".caller strong")).to_have_text("Radu Nou")
    contact = Contact.objects.get(name="Radu Nou")
    assert Call.objects.filter(remote_number="+40799123456", contact=contact).count() == 1
