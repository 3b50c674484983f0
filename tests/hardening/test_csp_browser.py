"""Every page still works in Chromium under the Content-Security-Policy: nothing it needs
is refused (the browser reports each refusal on the console)."""

from __future__ import annotations

import pytest

from tests.e2e.browser import log_in
from tests.e2e.conftest import browser_page, product  # noqa: F401 - the fixtures

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PAGES = {
    "ana": ["/", "/history/", "/callbacks/"],
    "supervisor": ["/board/", "/stats/", "/history/"],
    "admin": ["/contacts/import/", "/admin/", "/admin/calls/project/", "/api/docs/"],
}


def test_no_page_has_anything_refused_by_the_policy(product, browser_page):  # noqa: F811
    page = browser_page
    refused: list[str] = []
    page.on(
        "console",
        lambda message: (
            refused.append(f"{page.url}: {message.text}")
            if "Content Security Policy" in message.text
            else None
        ),
    )
    page.on("pageerror", lambda error: refused.append(f"{page.url}: {error}"))
    for username, urls in PAGES.items():
        page.context.clear_cookies()  # the previous person's session
        log_in(page, product, username)
        for url in urls:
            page.goto(f"{product.url}{url}")
            page.wait_for_load_state("networkidle")
    assert refused == []
    # The API docs drew Swagger UI from its script file.
    assert page.locator("#swagger-ui .info").count() == 1


def test_the_language_menu_still_submits_itself(product, browser_page):  # noqa: F811
    page = browser_page
    page.goto(f"{product.url}/login/")
    page.select_option("select[name=language]", "ro")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "ro"
