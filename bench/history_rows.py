"""The history world of bench/history_data.py in Python, for SQLite (`--smoke` runs):
the SQL loader is PostgreSQL's. Same shape: 3 projects, contacts on part of the calls,
90 days, outbound 80 % (completed 55, no answer 20, busy 10, canceled 8, failed 7),
inbound completed 75 / missed 25, dispositions on 70 % of completed calls."""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

OUTBOUND = [("completed", 55), ("no_answer", 20), ("busy", 10), ("canceled", 8), ("failed", 7)]
INBOUND = [("completed", 75), ("missed", 25)]


def load_rows(params: dict[str, Any], seed: int = 11) -> None:
    from django.utils import timezone

    from calls.models import Call
    from contacts.models import Contact, ContactPhone

    rng = random.Random(seed)
    calls, projects = params["calls"], params["projects"]
    first, last = params["first"], params["last"]
    contacts = Contact.objects.bulk_create(
        Contact(
            project_id=projects[n % 3],
            name=f"{first[n % 10]} {last[n // 10 % 9]} {n}",
        )
        for n in range(min(params["contacts"], calls))
    )
    ContactPhone.objects.bulk_create(
        ContactPhone(contact=c, project_id=c.project_id, number=f"+40722{n:06d}", label="mobile")
        for n, c in enumerate(contacts)
    )
    now = timezone.now().replace(microsecond=0)
    rows = []
    for g in range(calls):
        rows.append(_call(g, rng, now, params, contacts))
    Call.objects.bulk_create(rows, batch_size=2000)
    # requested_at is auto_now_add: bulk_create stamped "now" on every row
    for row in rows:
        row.requested_at = row.wanted_at
    Call.objects.bulk_update(rows, ["requested_at"], batch_size=2000)


def _call(g: int, rng: random.Random, now, params: dict[str, Any], contacts: list):
    from calls.models import Call

    n = rng.randrange(min(params["numbers"], max(params["calls"], 1)))
    p = n % 3
    inbound = rng.random() < 0.2
    names, weights = zip(*(INBOUND if inbound else OUTBOUND), strict=True)
    status = rng.choices(names, weights)[0]
    at = now - timedelta(seconds=int(rng.random() * params["days"] * 86400))
    talk = 5 + int(rng.random() * 600) if status == "completed" else None
    agents = params["agents"][params["offsets"][p] : params["offsets"][p] + params["counts"][p]]
    rp = rng.random()
    call = Call(
        project_id=params["projects"][p],
        agent_id=rng.choice(agents),
        contact=contacts[n] if n < len(contacts) else None,
        direction="inbound" if inbound else "outbound",
        remote_number=f"+40722{n:06d}",
        status=status,
        vendor_call_id=f"v{g}",
        answered_at=at + timedelta(seconds=12) if talk else None,
        ended_at=at + timedelta(seconds=12 + (talk or 0)),
        duration=talk,
        failure_reason="The PBX refused the call." if status == "failed" else "",
        disposition_id=params["dispositions"][p * 5 + int(rp / 0.7 * 5)]
        if talk and rp < 0.7
        else None,
        note="Call back next week" if rp > 0.9 else "",
    )
    call.wanted_at = at
    return call
