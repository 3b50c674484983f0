"""An agent places calls in Chromium against the running product and sandbox PBX."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.browser import log_in, shoot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_an_agent_clicks_a_number_and_watches_the_call_to_its_end(product, browser_page):
    page = browser_page
    errors = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    log_in(page, product)
    first = page.locator("#contact-rows tr").first
    name = first.locator("td").first.inner_text()
    first.locator("button.number").first.click()
    card = page.locator("#call-card")
    expect(card).to_contain_text(name)
    expect(card.locator(".badge")).to_have_text("Talking", timeout=20_000)
    shoot(page, "dialer-talking")
    expect(card.locator(".badge")).to_have_text("Ended", timeout=20_000)
    expect(card.locator(".timer")).to_have_text(re.compile(r"0:0[1-3]"))
    expect(page.locator("#recent-calls li").first).to_contain_text(name)
    shoot(page, "dialer-ended")
    assert errors == [], errors  # no script error, no missing file (a favicon included)


def test_a_busy_number_shows_why_the_call_failed(product, browser_page):
    page = browser_page
    log_in(page, product)
    page.fill("#dial-number", "0722 000 486")  # the sandbox's "busy" number (docs/sandbox.md)
    page.click("button.call")
    card = page.locator("#call-card")
    expect(card.locator(".badge")).to_have_text("Busy", timeout=20_000)
    expect(card.locator(".reason")).not_to_be_empty()
    shoot(page, "dialer-busy")


def test_an_impossible_number_is_refused_before_anything_rings(product, browser_page):
    page = browser_page
    log_in(page, product)
    page.fill("#dial-number", "0722 1")
    page.click("button.call")
    expect(page.locator("#call-card .error")).to_contain_text("wrong number of digits")
    assert product.sandbox.requests() == [] or all(
        "originate" not in r["path"] for r in product.sandbox.requests()
    )


def test_a_refused_number_stays_on_the_card_when_a_live_update_brings_nothing_new(
    product, browser_page
):
    """The stream renders the card on connect and on every wake-up; one that shows the
    same state must not wipe the sentence before the agent has read it."""
    import redis
    from django.conf import settings

    from calls import live
    from calls.models import Agent

    if not settings.REDIS_URL:
        pytest.skip("a wake-up with nothing new needs Redis pub/sub (CI's second run)")
    page = browser_page
    log_in(page, product)
    page.evaluate(
        "window.liveCards = 0; document.body.addEventListener("
        "'htmx:sseBeforeMessage', () => { window.liveCards += 1; })"
    )
    page.fill("#dial-number", "0722 1")
    page.click("button.call")
    refusal = page.locator("#call-card .error")
    expect(refusal).to_contain_text("wrong number of digits")
    agent = Agent.objects.get(user__username="ana")
    redis.Redis.from_url(settings.REDIS_URL).publish(live.agent_channel(agent.pk), "{}")
    # htmx swaps in the same task that fires the event: any swap is done once it counted
    page.wait_for_function("window.liveCards >= 1", timeout=10_000)
    expect(refusal).to_contain_text("wrong number of digits")
