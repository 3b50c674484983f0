"""Issue 17, part 2, in Chromium at a laptop's 1366 px and a phone's 390 px: every page
fits the window and passes axe, the call card stays in sight on a phone while a call
lasts, the wrap-up after it, Ready / Paused on the board, the keyboard."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from calls import live
from calls.models import Agent, Call, Callback, CallDirection, CallStatus
from contacts.models import ContactPhone
from tests.e2e.axe import violations
from tests.e2e.browser import log_in, shoot
from tests.factories import make_missed_call

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LAPTOP, PHONE = {"width": 1366, "height": 800}, {"width": 390, "height": 844}


WIDER = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > innerWidth + 1)
  .slice(0, 6)
  .map(el => `${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)"""


# Whether the language menu is narrower than its chosen option's words (and its arrow).
LANGUAGE_CUT = """() => {
  const menu = document.querySelector('.language-menu select');
  if (!menu) return false;
  const style = getComputedStyle(menu), words = document.createElement('span');
  words.style.cssText = 'position:absolute;visibility:hidden;white-space:nowrap';
  words.style.font = style.font;
  words.textContent = menu.options[menu.selectedIndex].text;
  document.body.appendChild(words);
  const needed = words.getBoundingClientRect().width + parseFloat(style.paddingLeft)
    + parseFloat(style.paddingRight) + 16;
  words.remove();
  return menu.getBoundingClientRect().width < needed;
}"""


def check_page(page, product, path: str, name: str) -> list[str]:
    """Problems at both widths: sideways scrolling, the menu off-screen, axe's findings."""
    problems = []
    for label, size in (("laptop", LAPTOP), ("phone", PHONE)):
        page.set_viewport_size(size)
        page.goto(product.url + path)
        page.wait_for_load_state()
        wide = page.evaluate("document.documentElement.scrollWidth")
        if wide > size["width"]:
            problems.append(f"{path} {label}: {wide} px wide: {page.evaluate(WIDER)}")
        for menu in (".user-menu button", ".language-menu select"):
            box = page.locator(menu).bounding_box() if page.locator(menu).count() else None
            if box and box["x"] + box["width"] > size["width"]:
                problems.append(f"{path} {label}: {menu} off-screen")
        if page.evaluate(LANGUAGE_CUT):
            problems.append(f"{path} {label}: the language menu cuts its choice short")
        problems += [f"{path} {label}: {v}" for v in violations(page)]
        shoot(page, f"{name}-{label}", full_page=True)
    return problems


def told_by_the_pbx(**fields) -> Call:
    """A call change the applier would make: stored, then published to the live pages
    (with Redis configured they hear of changes only through it)."""
    call = Call.objects.create(**fields)
    live.publish(call)
    return call


def a_call_of(username: str) -> Call:
    agent = Agent.objects.select_related("project").get(user__username=username)
    phone = ContactPhone.objects.filter(project=agent.project).select_related("contact").first()
    return Call.objects.create(
        project=agent.project,
        agent=agent,
        direction=CallDirection.OUTBOUND,
        remote_number=phone.number,
        contact=phone.contact,
        status=CallStatus.COMPLETED,
        recording_url="http://127.0.0.1:9/recording.mp3",
    )


def test_every_page_fits_a_phone_and_a_laptop_and_axe_finds_nothing(product, browser_page):
    page = browser_page
    call = a_call_of("ana")
    missed = make_missed_call(call.project, "+40745000999", agent=call.agent)
    Callback.objects.create(project=call.project, number=missed.remote_number, missed_call=missed)
    problems = []
    log_in(page, product, "ana")
    agent_pages = {
        "/": "page-dialer",
        "/history/": "page-history",
        f"/history/{call.pk}/": "page-call",
        "/callbacks/": "page-callbacks",
        f"/contacts/{call.contact_id}/": "page-contact",
    }
    for path, name in agent_pages.items():
        problems += check_page(page, product, path, name)
    page.context.clear_cookies()
    log_in(page, product, "supervisor")
    supervisor_pages = {
        "/board/": "page-board",
        "/stats/": "page-statistics",
        "/callbacks/": "page-callbacks-supervisor",
    }
    for path, name in supervisor_pages.items():
        problems += check_page(page, product, path, name)
    page.context.clear_cookies()
    log_in(page, product, "admin")
    problems += check_page(page, product, "/contacts/import/", "page-contacts-import")
    page.context.clear_cookies()
    problems += check_page(page, product, "/login/", "page-login")
    assert not problems, "\n".join(problems)


def in_view(page, selector: str) -> bool:
    box = page.locator(selector).bounding_box()
    size = page.viewport_size
    return box is not None and box["y"] >= -1 and box["y"] + 40 <= size["height"]


def test_on_a_phone_a_tap_shows_the_card_at_once_and_it_stays_in_sight_while_the_call_lasts(
    product, browser_page
):
    from django.utils import timezone

    page = browser_page
    page.set_viewport_size(PHONE)
    log_in(page, product, "ana")
    ana = Agent.objects.select_related("project").get(user__username="ana")
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    row = page.locator("#contact-rows tr").nth(3)
    row.scroll_into_view_if_needed()
    name = row.locator("td").first.inner_text()
    row.locator("button.number").first.click()
    expect(page.locator("#call-card")).to_contain_text(name)
    # The card sticks to the top once the live call renders it (.live): a moment, not later.
    page.wait_for_function(
        "() => { const r = document.querySelector('#call-card').getBoundingClientRect();"
        " return r.top >= -1 && r.top + 40 <= innerHeight; }",
        timeout=2_000,
    )
    expect(page.locator("#call-card .badge")).to_have_text("Ended", timeout=20_000)
    page.click("#wrap-up button.skip-wrap-up")
    expect(page.locator("#wrap-up")).to_have_count(0)
    # A longer conversation, told by the PBX through the database: the card stays on top.
    call = told_by_the_pbx(
        project=ana.project,
        agent=ana,
        direction=CallDirection.INBOUND,
        remote_number="+40745111222",
        status=CallStatus.ANSWERED,
        answered_at=timezone.now(),
        vendor_call_id="phone-layout-1",
    )
    expect(page.locator("#call-card .badge")).to_have_text("Talking", timeout=10_000)
    page.keyboard.press("Escape")  # the screen-pop, if it popped
    page.evaluate("window.scrollTo(0, document.body.scrollHeight)")
    assert in_view(page, "#call-card"), "the live call's card scrolled away"
    shoot(page, "dialer-talking-phone")
    page.click("a.to-dial-pad")
    expect(page.locator("#dial-number")).to_be_in_viewport()
    page.evaluate("window.scrollTo(0, 0)")
    page.set_viewport_size(LAPTOP)
    shoot(page, "dialer-talking-laptop")
    assert not [v for v in violations(page)]
    page.set_viewport_size(PHONE)
    now = timezone.now()
    Call.objects.filter(pk=call.pk).update(
        status=CallStatus.COMPLETED, ended_at=now, updated_at=now
    )
    live.publish(Call.objects.get(pk=call.pk))  # as the applier does after a change
    expect(page.locator("#wrap-up")).to_be_visible(timeout=10_000)
    page.select_option("#wrap-up select[name=disposition]", label="Interested")
    page.fill("#wrap-up textarea[name=note]", "Wants a quote")
    shoot(page, "dialer-wrap-up-phone")
    assert not violations(page)
    page.click("#wrap-up button.save-wrap-up")
    expect(page.locator("#wrap-up")).to_have_count(0)
    call.refresh_from_db()
    assert call.disposition.name == "Interested" and call.note == "Wants a quote"


def test_the_keyboard_searches_dials_and_lists_its_shortcuts(product, browser_page):
    page = browser_page
    log_in(page, product, "ana")
    page.keyboard.press("/")
    expect(page.locator("input.search")).to_be_focused()
    page.keyboard.press("Tab")  # the skip link: one step past the long contact list
    page.keyboard.press("Enter")
    expect(page.locator("#dial-number")).to_be_focused()
    page.keyboard.press("Escape")
    page.keyboard.type("0722000486")  # the sandbox's busy number, typed on no field at all
    expect(page.locator("#dial-number")).to_have_value("0722000486")
    expect(page.locator("#dial-number")).to_be_focused()
    page.keyboard.press("Enter")
    expect(page.locator("#call-card .badge")).to_have_text("Busy", timeout=20_000)
    page.locator("body").click(position={"x": 5, "y": 300})
    page.keyboard.press("?")
    expect(page.locator("#shortcuts")).to_be_visible()
    expect(page.locator("#shortcuts")).to_contain_text("Search contacts")
    page.keyboard.press("Escape")
    expect(page.locator("#shortcuts")).to_be_hidden()


def test_a_paused_agent_shows_paused_on_the_board_and_gets_no_screen_pop(product, browser_page):
    from django.utils import timezone

    page = browser_page
    log_in(page, product, "ana")
    ana = Agent.objects.select_related("project").get(user__username="ana")
    page.select_option("#availability", label="Paused: Lunch")
    page.wait_for_load_state()
    expect(page.locator("#availability")).to_have_value(re.compile(r"^paused:"))
    supervisor = page.context.browser.new_context().new_page()
    log_in(supervisor, product, "supervisor")
    row = supervisor.locator(f"tr[data-agent='{ana.pk}']")
    expect(row).to_have_attribute("data-state", "paused")
    expect(row).to_contain_text("Paused: Lunch")
    told_by_the_pbx(
        project=ana.project,
        agent=ana,
        direction=CallDirection.INBOUND,
        remote_number="+40745333444",
        status=CallStatus.RINGING,
        vendor_call_id="paused-pop-1",
        requested_at=timezone.now(),
    )
    expect(page.locator("#call-card")).to_contain_text("Incoming call", timeout=10_000)
    expect(row).to_have_attribute("data-state", "ringing", timeout=10_000)
    expect(page.locator("#screen-pop")).to_be_hidden()
    page.select_option("#availability", label="Ready")
    page.wait_for_load_state()
    expect(page.locator("#availability")).to_have_value("ready")


def test_an_inbound_pop_brings_a_desktop_alert_once_allowed(product, browser_page):
    from django.utils import timezone

    page = browser_page
    page.context.grant_permissions(["notifications"], origin=product.url)
    log_in(page, product, "ana")
    ana = Agent.objects.select_related("project").get(user__username="ana")
    page.check("#desktop-alerts")
    expect(page.locator("#desktop-alerts")).to_be_checked()
    assert page.evaluate("localStorage.getItem('pbxportal-alerts')") == "on"
    page.evaluate(
        """() => { window.__alerts = [];
          const Real = window.Notification;
          window.Notification = function (title, options) {
            window.__alerts.push([title, options.body]); return new Real(title, options); };
          window.Notification.permission = Real.permission; }"""
    )
    told_by_the_pbx(
        project=ana.project,
        agent=ana,
        direction=CallDirection.INBOUND,
        remote_number="+40745555666",
        status=CallStatus.RINGING,
        vendor_call_id="alert-pop-1",
        requested_at=timezone.now(),
    )
    expect(page.locator("#screen-pop")).to_be_visible(timeout=10_000)
    page.wait_for_function("window.__alerts.length > 0")
    assert page.evaluate("window.__alerts") == [["Incoming call", "0745 555 666"]]
    page.keyboard.press("Escape")
    expect(page.locator("#screen-pop")).to_be_hidden()
    page.uncheck("#desktop-alerts")
    assert page.evaluate("localStorage.getItem('pbxportal-alerts')") == "off"
