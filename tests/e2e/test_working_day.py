"""Issue 17 in Chromium, at a laptop's 1366 px and a phone's 390 px: where each role lands,
the menu it sees, the contact card link, the live Callbacks count, the admin's vendor form."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from calls import credentials
from calls.callbacks.services import on_call_finished
from calls.models import Agent, Call, CallDirection, CallStatus, Vendor
from contacts.models import ContactPhone
from tests.e2e.browser import log_in
from tests.factories import make_missed_call

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

LAPTOP, PHONE = {"width": 1366, "height": 800}, {"width": 390, "height": 844}


def no_sideways_scroll(page, product, path: str) -> None:
    for size in (LAPTOP, PHONE):
        page.set_viewport_size(size)
        page.goto(product.url + path)
        wide = page.evaluate("document.documentElement.scrollWidth")
        assert wide <= size["width"], f"{path} at {size['width']} px is {wide} px: {wider(page)}"


WIDER = """() => [...document.querySelectorAll('body *')]
  .filter(el => el.getBoundingClientRect().right > innerWidth + 1)
  .slice(0, 8)
  .map(el => `${el.tagName}.${el.className} ${Math.round(el.getBoundingClientRect().right)}`)"""


def wider(page) -> list[str]:
    """The first elements that reach past the window, to say what to fix."""
    return page.evaluate(WIDER)


def test_a_supervisor_lands_on_the_live_board_with_a_menu_of_their_own(product, browser_page):
    page = browser_page
    log_in(page, product, "supervisor")
    expect(page).to_have_url(product.url + "/board/")
    nav = page.locator("nav")
    expect(nav).to_contain_text("Live board")
    expect(nav).not_to_contain_text("Dialer")
    expect(nav).not_to_contain_text("API")
    for path in ("/board/", "/history/", "/callbacks/", "/stats/", "/no/such/page/"):
        no_sideways_scroll(page, product, path)
    expect(page.locator("h1")).to_have_text("Page not found")
    expect(page.locator("nav")).to_contain_text("History")


def test_an_agent_opens_the_contact_card_from_the_history(product, browser_page):
    page = browser_page
    ana = Agent.objects.select_related("project").get(user__username="ana")
    phone = ContactPhone.objects.filter(project=ana.project).select_related("contact").first()
    call = Call.objects.create(
        project=ana.project,
        agent=ana,
        direction=CallDirection.OUTBOUND,
        remote_number=phone.number,
        contact=phone.contact,
        status=CallStatus.COMPLETED,
    )
    log_in(page, product, "ana")
    expect(page.locator("nav")).not_to_contain_text("API")
    page.goto(f"{product.url}/history/{call.pk}/")
    page.click(f"a:has-text('{phone.contact.name}')")
    expect(page).to_have_url(f"{product.url}/contacts/{phone.contact.pk}/")
    expect(page.locator("main")).to_contain_text(phone.contact.name)
    expect(page.locator("body")).not_to_contain_text("Only administrators")
    for path in ("/", "/history/", f"/history/{call.pk}/", "/callbacks/", "/stats/"):
        no_sideways_scroll(page, product, path)


def test_the_callbacks_count_follows_a_missed_call_and_a_dismiss_without_reload(
    product, browser_page
):
    page = browser_page
    ana = Agent.objects.select_related("project").get(user__username="ana")
    log_in(page, product, "ana")
    badge = page.locator("#nav-callbacks .count")
    expect(page.locator("#call-card")).to_be_visible()
    expect(badge).to_have_count(0)
    # it rang ana: her page's live stream hears of it
    missed = make_missed_call(ana.project, "+40745999222", agent=ana, vendor_call_id="missed-e2e-1")
    on_call_finished(missed)
    expect(badge).to_have_text("1", timeout=10_000)
    page.goto(product.url + "/callbacks/")
    page.on("dialog", lambda dialog: dialog.accept())
    page.click("#callback-list button.dismiss")
    expect(page.locator("#callback-list")).to_contain_text("No callbacks waiting.")
    expect(badge).to_have_count(0, timeout=5_000)


def test_the_admin_sees_only_the_chosen_vendors_credentials_and_switches_by_keyboard(
    product, browser_page
):
    page = browser_page
    log_in(page, product, "admin")
    expect(page).to_have_url(product.url + "/board/")
    expect(page.locator("nav")).to_contain_text("API")
    page.goto(product.url + "/admin/calls/pbxaccount/add/")

    def shown() -> set[str]:
        rows = page.locator("input[data-vendors]")
        return {
            rows.nth(i).get_attribute("name").removeprefix("cred_")
            for i in range(rows.count())
            if rows.nth(i).is_visible()
        }

    assert shown() == set()  # no vendor chosen yet
    page.select_option("#id_vendor", Vendor.WHILE1)
    assert shown() == {f.name for f in credentials.fields_for(Vendor.WHILE1)}
    page.focus("#id_vendor")
    for _ in range(4):  # arrow down to the next vendors, as a keyboard user would
        page.keyboard.press("ArrowDown")
        vendor = page.eval_on_selector("#id_vendor", "el => el.value")
        assert shown() == {f.name for f in credentials.fields_for(vendor)}, vendor
    page.set_viewport_size(PHONE)
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    no_sideways_scroll(page, product, "/contacts/import/")
