"""VoipCenter's switches as get.php lists them: function indicators (day/night modes) and
DID routing, in our words. The adapter's ``list_indicators()`` / ``list_dids()``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from calls.pbx.voipcenter.reply import items

# Our route names -> VoipCenter's letters, in the document's order (update.php m=did "p").
DID_ROUTE_LETTERS = {
    "holidays": "f",  # feestdagen
    "vacations": "v",  # vakanties
    "office_hours": "k",  # kantooruren
    "route": "r",
    "backup_route": "b",
}


@dataclass(frozen=True)
class Indicator:
    id: str
    name: str
    on: bool


@dataclass(frozen=True)
class Did:
    id: str
    number: str
    name: str
    routes: dict[str, str]


def indicators(body: Any) -> list[Indicator]:
    """get.php m=indicator's rows."""
    return [Indicator(str(r.get("id", "")), str(r.get("name", "")), _is_on(r)) for r in items(body)]


def dids(body: Any) -> list[Did]:
    """get.php m=did's rows; each route under the letter get.php shows it by."""
    return [
        Did(
            str(r.get("id", "")),
            str(r.get("number", "")),
            str(r.get("name", "")),
            {name: str(r.get(letter, "")) for name, letter in DID_ROUTE_LETTERS.items()},
        )
        for r in items(body)
    ]


def _is_on(row: Mapping[str, Any]) -> bool:
    # "actief" is what voipcenter-hacs reads; values are strings from PHP.
    value = row.get("actief", row.get("active", row.get("status", "0")))
    return str(value).strip().lower() in ("1", "true", "on", "yes")
