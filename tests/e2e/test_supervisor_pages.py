"""A supervisor watches the live board and reads the statistics in Chromium."""

import pytest
from django.contrib.auth.models import User
from playwright.sync_api import expect

from calls.models import Agent
from calls.outbound.start import start_call
from tests.e2e.browser import log_in, shoot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def slow_down_the_sandbox(product) -> None:
    """Ring and talk long enough for a person (and this test) to see each state."""
    project = product.project
    product.sandbox.put_account(
        {
            "name": "demo-while1",
            "dialect": "while1",
            **project.pbx_account.credentials,
            "project_id": 1,
            "event_url": project.event_webhook_url,
            "lookup_url": project.caller_lookup_url,
            "agent_answer_delay": 2.0,
            "customer_answer_delay": 1.0,
            "talk_time": 6.0,
        }
    )


def test_the_board_shows_an_agent_ringing_then_talking_without_reload(product, browser_page):
    page = browser_page
    slow_down_the_sandbox(product)
    log_in(page, product, "supervisor", "/board/")
    expect(page.locator("h1")).to_have_text("Live board")
    ana = Agent.objects.get(user=User.objects.get(username="ana"))
    row = page.locator(f'tr[data-agent="{ana.pk}"]')
    expect(row).to_have_attribute("data-state", "ready")
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads

    start_call(agent=ana, number="0722 123 456")

    expect(row).to_have_attribute("data-state", "ringing", timeout=15_000)
    expect(row.locator(".badge")).to_have_text("Ringing")
    expect(row).to_have_attribute("data-state", "talking", timeout=15_000)
    expect(row.locator(".timer")).to_have_text("0:02", timeout=5_000)  # ticks in the browser
    shoot(page, "board-talking")
    expect(row).to_have_attribute("data-state", "wrap_up", timeout=15_000)
    assert page.evaluate("window.__sameDocument") is True
    expect(page.locator("#board-answered")).to_have_text("1")


def test_statistics_draw_a_chart_and_the_numbers_under_it(product, browser_page):
    page = browser_page
    ana = Agent.objects.get(user=User.objects.get(username="ana"))
    started = start_call(agent=ana, number="0722 123 456")
    started.call.refresh_from_db()
    log_in(page, product, "supervisor", "/stats/")
    expect(page.locator("h1")).to_have_text("Statistics")
    canvas = page.locator("#chart-series")
    expect(canvas).to_be_visible()
    # Chart.js is a deferred script: the canvas is in the page before the chart is drawn.
    page.wait_for_function(
        "() => window.Chart && Chart.getChart(document.getElementById('chart-series'))"
    )
    size = page.evaluate(
        """() => {
          const chart = Chart.getChart(document.getElementById("chart-series"));
          const box = document.getElementById("chart-series").getBoundingClientRect();
          return chart ? [chart.data.datasets.length, box.width, box.height] : null;
        }"""
    )
    assert size is not None and size[0] == 2 and size[1] > 0 and size[2] > 0
    assert page.evaluate("!!Chart.getChart(document.getElementById('chart-agents'))")
    first_agent = page.locator("#table-agents tbody tr").first
    expect(first_agent.locator("th")).to_have_text("Ana Popescu")
    expect(first_agent.locator("td").first).to_have_text("1")
    shoot(page, "statistics")
