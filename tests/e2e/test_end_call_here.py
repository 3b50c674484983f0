"""While1 cannot hang up and its PBX may stay silent: in Chromium, an agent ends the call
with "I've hung up" and calls again at once; a supervisor ends an agent's call from the
live board. Both on a 390 px wide screen, by keyboard."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from calls.models import Agent, Call
from calls.outbound.start import start_call
from tests.e2e.browser import log_in, shoot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 390, "height": 844}


def pbx_never_reports_the_end(product) -> None:
    """The sandbox's While1 account talks for ten minutes: no hangup comes in this test."""
    project = product.project
    product.sandbox.put_account(
        {
            "name": "demo-while1",
            "dialect": "while1",
            **project.pbx_account.credentials,
            "project_id": 1,
            "event_url": project.event_webhook_url,
            "lookup_url": project.caller_lookup_url,
            "talk_time": 600.0,
        }
    )


def test_an_agent_on_a_while1_call_says_ive_hung_up_and_calls_again_at_once(product, browser_page):
    page = browser_page
    page.set_viewport_size(PHONE)
    pbx_never_reports_the_end(product)
    log_in(page, product, "ana")
    card = page.locator("#call-card")
    page.fill("#dial-number", "0722 123 456")
    page.click("button.call")
    expect(card.locator(".badge")).to_have_text("Talking", timeout=20_000)
    button = page.get_by_role("button", name="I've hung up")
    expect(button).to_be_visible()
    shoot(page, "dialer-ive-hung-up")
    button.focus()
    page.keyboard.press("Enter")
    expect(card.locator(".badge")).to_have_text("Ended")
    expect(card).to_contain_text("Ended in pbxportal by the agent")

    page.fill("#dial-number", "0722 765 432")
    page.click("button.call")
    expect(card).to_contain_text("0722 765 432")
    expect(card.locator(".error")).to_have_count(0)
    expect(card.locator(".badge")).to_have_text("Talking", timeout=20_000)
    ana = Agent.objects.get(user__username="ana")
    first, second = Call.objects.filter(agent=ana).order_by("requested_at")
    assert (first.status, first.ended_by, second.status) == ("completed", "agent", "answered")


def test_a_supervisor_ends_an_agents_call_from_the_board(product, browser_page):
    page = browser_page
    page.set_viewport_size(PHONE)
    pbx_never_reports_the_end(product)
    log_in(page, product, "supervisor", "/board/")
    expect(page.locator("h1")).to_have_text("Live board")
    ana = Agent.objects.get(user=User.objects.get(username="ana"))
    row = page.locator(f'tr[data-agent="{ana.pk}"]')

    call = start_call(agent=ana, number="0722 123 456").call

    expect(row).to_have_attribute("data-state", "talking", timeout=20_000)
    end = row.get_by_role("button", name="End Ana")
    expect(end).to_be_visible()
    confirmed = []
    page.on("dialog", lambda dialog: (confirmed.append(dialog.message), dialog.accept()))
    end.focus()
    page.keyboard.press("Enter")
    expect(row).to_have_attribute("data-state", "wrap_up", timeout=10_000)
    assert confirmed and "in pbxportal" in confirmed[0]
    call.refresh_from_db()
    assert (call.status, call.ended_by) == ("completed", "supervisor")
    shoot(page, "board-ended-by-supervisor")
