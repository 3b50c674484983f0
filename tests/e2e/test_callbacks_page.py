"""An agent works the callbacks list in Chromium: calls a customer back, dismisses a callback."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from calls.callbacks.services import on_call_finished
from calls.models import Agent
from contacts.models import ContactPhone
from tests.e2e.browser import log_in, shoot
from tests.factories import make_missed_call

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def missed_call_from(project, number: str) -> None:
    on_call_finished(make_missed_call(project, number, vendor_call_id=f"missed-{number}"))


def test_an_agent_calls_a_customer_back_from_the_list(product, browser_page):
    page = browser_page
    ana = Agent.objects.select_related("project").get(user__username="ana")
    phone = ContactPhone.objects.filter(project=ana.project).select_related("contact").first()
    missed_call_from(ana.project, phone.number)
    log_in(page, product, "ana")
    nav_link = page.locator("nav a", has_text="Callbacks")
    expect(nav_link.locator(".count")).to_have_text("1")
    nav_link.click()
    row = page.locator("#callback-list tr[data-callback]")
    expect(row).to_contain_text(phone.contact.name)
    row.locator("button.callback-call").click()
    card = page.locator("#call-card")
    expect(card).to_contain_text(phone.contact.name)
    shoot(page, "callbacks-calling", full_page=True)
    expect(card.locator(".badge")).to_have_text("Talking", timeout=20_000)


def test_an_agent_dismisses_a_callback(product, browser_page):
    page = browser_page
    ana = Agent.objects.select_related("project").get(user__username="ana")
    missed_call_from(ana.project, "+40745999111")
    log_in(page, product, "ana")
    page.goto(product.url + "/callbacks/")
    expect(page.locator("#callback-list")).to_contain_text("0745 999 111")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#callback-list button.dismiss")
    expect(page.locator("#callback-list")).to_contain_text("No callbacks waiting.")
