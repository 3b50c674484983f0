"""An admin imports a contacts file in Chromium: preview, confirm, live progress, summary."""

from __future__ import annotations

import csv

import pytest
from playwright.sync_api import expect

from contacts.models import Contact
from tests.e2e.browser import log_in, shoot

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def test_an_admin_imports_a_csv_and_watches_it_finish(product, browser_page, tmp_path):
    page = browser_page
    path = tmp_path / "contacts.csv"
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out)
        writer.writerow(["name", "company", "phones", "owner"])
        writer.writerow(["Bogdan Import", "Import SRL", "0799 000 001; 0799 000 002", "ana"])
        writer.writerow(["Broken Number", "", "0722 1", ""])
        writer.writerows([f"Bulk {i}", "", f"07450{i:05d}", ""] for i in range(1500))
    log_in(page, product, "admin")
    expect(page.locator("nav")).to_contain_text("Import contacts")
    page.click("nav >> text=Import contacts")
    page.select_option("select[name=project]", str(product.project.pk))
    page.set_input_files("input[type=file]", str(path))
    page.click("button[type=submit].primary")
    preview = page.locator("table.import-preview")
    expect(preview).to_contain_text("Bogdan Import")
    expect(page.locator(".import-errors")).to_contain_text(
        "row 3: “0722 1” has the wrong number of digits for RO."
    )
    expect(page.locator(".import-skipped")).to_contain_text("1 row will be skipped")
    shoot(page, "contacts-import-preview", full_page=True)
    page.click("text=Import 1501 rows")  # the broken row is not counted
    progress = page.locator("#import-progress")
    expect(progress.locator(".percent")).to_have_text("100%", timeout=60_000)
    expect(progress.locator("dd.created")).to_have_text("1501")
    expect(progress.locator("dd.skipped")).to_have_text("1")
    expect(progress).to_contain_text("row 3: “0722 1”")
    shoot(page, "contacts-import-done", full_page=True)
    bogdan = Contact.objects.get(name="Bogdan Import")
    assert bogdan.owner.user.username == "ana"
    assert bogdan.phones.count() == 2
