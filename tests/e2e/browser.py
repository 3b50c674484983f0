"""What every browser test does: log in as one of the demo's people, and save what the
page shows when SCREENSHOTS=1 (`make screenshots`, into docs/screenshots/)."""

from __future__ import annotations

import os
from pathlib import Path

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"


def log_in(page, product, username: str = "ana", next_url: str = "") -> None:
    """Log in through the login page and wait until it has let ``username`` in (and gone
    on to ``next_url``, else to the person's home page)."""
    page.goto(f"{product.url}/login/" + (f"?next={next_url}" if next_url else ""))
    page.fill("#id_username", username)
    page.fill("#id_password", product.logins[username])
    page.click("button[type=submit]")
    page.wait_for_url(lambda url: "/login/" not in url)


def shoot(page, name: str, *, full_page: bool = False) -> None:
    if os.environ.get("SCREENSHOTS"):
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=full_page)
