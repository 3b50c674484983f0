"""A supervisor filters the call history in Chromium and opens a call."""

import re

import pytest
from playwright.sync_api import expect

from calls.models import Agent, Call, CallStatus, Disposition
from tests.e2e.browser import log_in, shoot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def calls_for(agent, status, count, number_prefix):
    return [
        Call.objects.create(
            project=agent.project,
            agent=agent,
            direction="outbound",
            remote_number=f"+4072{number_prefix}{i:05d}",
            status=status,
            duration=30 + i if status == CallStatus.COMPLETED else None,
        )
        for i in range(count)
    ]


def test_a_supervisor_filters_by_agent_and_status_then_opens_a_call(product, browser_page):
    ana = Agent.objects.get(user__username="ana")
    mihai = Agent.objects.get(user__username="mihai")
    calls_for(ana, CallStatus.BUSY, 3, "11")
    calls_for(mihai, CallStatus.COMPLETED, 4, "22")
    wanted = calls_for(mihai, CallStatus.BUSY, 2, "33")
    Disposition.objects.get_or_create(project=mihai.project, name="Call back later")

    page = browser_page
    log_in(page, product, "supervisor")
    page.click("nav a:has-text('History')")
    expect(page.locator("h1")).to_have_text("Call history")
    expect(page.locator("#history-rows tbody tr")).to_have_count(9)
    page.select_option("#id_agent", label="Mihai Ionescu")
    page.select_option("#id_status", value="busy")
    page.click("#history-filters button[type=submit]")
    rows = page.locator("#history-rows tbody tr")
    expect(rows).to_have_count(2)
    for row in rows.all():
        expect(row.locator(".agent")).to_have_text("Mihai Ionescu")
        expect(row.locator(".badge")).to_have_text("Busy")
    assert {int(r.get_attribute("data-call")) for r in rows.all()} == {c.pk for c in wanted}
    shoot(page, "history-filtered")

    rows.first.locator("a").first.click()
    expect(page.locator(".call-detail .badge")).to_have_text("Busy")
    expect(page.locator(".call-detail")).to_contain_text("Mihai Ionescu")
    page.select_option("#id_disposition", label="Call back later")
    page.fill("#id_note", "Line busy twice; try after 16:00")
    page.click("#outcome button[type=submit]")
    expect(page.locator("#outcome .ok")).to_have_text("Saved.")
    shoot(page, "history-call")
    saved = Call.objects.get(pk=int(re.search(r"/history/(\d+)/", page.url).group(1)))
    assert saved.note == "Line busy twice; try after 16:00"
    assert saved.disposition.name == "Call back later"
