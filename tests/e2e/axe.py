"""axe-core in the test browser, from the copy vendored in tests/fixtures/axe/ (npm
axe-core 4.14.1, MPL-2.0): never fetched at run time."""

from __future__ import annotations

from functools import cache
from pathlib import Path

AXE = Path(__file__).resolve().parents[1] / "fixtures" / "axe" / "axe-4.14.1.min.js"


@cache
def _source() -> str:
    return AXE.read_text(encoding="utf-8")


def violations(page) -> list[str]:
    """What axe finds on the page as it is now, one line per rule and element.

    evaluate() runs outside the page's Content-Security-Policy, which refuses inline
    script (a <script> tag with axe's source would be blocked, as it should be)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(_source())
    found = page.evaluate(
        """async () => {
          const result = await axe.run(document, {resultTypes: ['violations']});
          return result.violations.map(v => v.id + ' (' + v.impact + '): ' + v.help + ' — '
            + v.nodes.slice(0, 3).map(n => n.target.join(' ') + ' ' + n.failureSummary)
              .join(' | '));
        }"""
    )
    return list(found)
