"""The 1,000,000-call world bench/history.py measures: people, contacts, calls, in SQL."""

from __future__ import annotations

import re
import time
from importlib import import_module
from typing import Any

AGENTS, PROJECTS, CONTACTS, NUMBERS, DAYS = 50, 3, 60_000, 300_000, 90
FIRST = ["Ana", "Mihai", "Elena", "Andrei", "Ioana", "Radu", "Maria", "Vlad", "Irina", "Dan"]
LAST = ["Popescu", "Ionescu", "Dumitru", "Stan", "Georgescu", "Matei", "Ene", "Rusu", "Lungu"]


def load_people() -> dict[str, Any]:
    """Projects, agents (k-th agent in project k % 3), a supervisor, dispositions."""
    from django.contrib.auth.hashers import make_password
    from django.contrib.auth.models import Group, User

    from calls import roles
    from calls.models import Agent, Disposition, PbxAccount, Project

    account = PbxAccount.objects.create(
        name="bench", vendor="while1", base_url="http://127.0.0.1:9"
    )
    projects = [
        Project.objects.create(name=f"Project {i}", pbx_account=account, region="RO")
        for i in range(PROJECTS)
    ]
    password = make_password("bench-password")
    users = User.objects.bulk_create(
        User(
            username=f"agent{k:02d}",
            first_name=FIRST[k % 10],
            last_name=LAST[k % 9],
            password=password,
        )
        for k in range(AGENTS)
    )
    Group.objects.get(name=roles.AGENT).user_set.add(*users)
    supervisor = User.objects.create(username="supervisor", password=password)
    supervisor.groups.add(Group.objects.get(name=roles.SUPERVISOR))
    agents = Agent.objects.bulk_create(
        Agent(user=u, project=projects[k % PROJECTS], extension=str(100 + k))
        for k, u in enumerate(users)
    )
    by_project = [[a.pk for a in agents if a.project_id == p.pk] for p in projects]
    dispositions = [
        Disposition.objects.create(project=p, name=name, position=i).pk
        for p in projects
        for i, name in enumerate(["Sale", "Not interested", "Call back", "Wrong number", "Other"])
    ]
    return {
        "projects": [p.pk for p in projects],
        "agents": [pk for group in by_project for pk in group],
        "offsets": [sum(len(g) for g in by_project[:i]) for i in range(PROJECTS)],
        "counts": [len(g) for g in by_project],
        "dispositions": dispositions,
    }


CONTACTS_SQL = """
INSERT INTO contacts_contact (project_id, name, company, crm_url, created_at, updated_at
  {more_columns})
SELECT (%(projects)s::bigint[])[1 + n %% 3],
       (%(first)s::text[])[1 + n %% 10] || ' ' || (%(last)s::text[])[1 + (n / 10) %% 9]
         || ' ' || n, '', '', now(), now() {more_values}
FROM generate_series(0, %(contacts)s - 1) n ORDER BY n
"""
PHONES_SQL = """
INSERT INTO contacts_contactphone (contact_id, project_id, number, label {more_columns})
SELECT c.id, c.project_id, '+40722' || lpad((c.id - %(base)s)::text, 6, '0'), 'mobile'
  {more_values}
FROM contacts_contact c
"""

CALLS_SQL = """
INSERT INTO calls_call (external_id, project_id, agent_id, contact_id, direction, remote_number,
  status, vendor_call_id, idempotency_key, requested_at, answered_at, ended_at, duration,
  failure_reason, disposition_id, note, recording_url, updated_at {more_columns})
SELECT gen_random_uuid(), (%(projects)s::bigint[])[1 + p],
  (%(agents)s::bigint[])[1 + (%(offsets)s::int[])[1 + p]
                          + floor(ra * (%(counts)s::int[])[1 + p])::int],
  CASE WHEN n < %(contacts)s THEN %(base)s + n END,
  CASE WHEN inbound THEN 'inbound' ELSE 'outbound' END,
  '+40722' || lpad(n::text, 6, '0'), status, 'v' || g, NULL, at,
  CASE WHEN status = 'completed' THEN at + interval '12 seconds' END,
  at + interval '12 seconds' + make_interval(secs => coalesce(talk, 0)),
  talk, CASE WHEN status = 'failed' THEN 'The PBX refused the call.' ELSE '' END,
  CASE WHEN status = 'completed' AND rp < 0.7
       THEN (%(dispositions)s::bigint[])[1 + p * 5 + floor(rp / 0.7 * 5)::int] END,
  CASE WHEN rp > 0.9 THEN 'Call back next week' ELSE '' END, '',
  at + interval '12 seconds' + make_interval(secs => coalesce(talk, 0)) {more_values}
FROM (
  SELECT s.*, CASE WHEN status = 'completed' THEN 5 + floor(rt * 600)::int END AS talk
  FROM (
    SELECT r.*, n %% 3 AS p, rd < 0.2 AS inbound,
      CASE WHEN rd < 0.2 THEN CASE WHEN rs < 0.75 THEN 'completed' ELSE 'missed' END
           WHEN rs < 0.55 THEN 'completed' WHEN rs < 0.75 THEN 'no_answer'
           WHEN rs < 0.85 THEN 'busy' WHEN rs < 0.93 THEN 'canceled' ELSE 'failed' END
        AS status,
      date_trunc('second', now() - ra2 * make_interval(days => %(days)s)) AS at
    FROM (SELECT g, floor(random() * %(numbers)s)::int AS n, random() AS ra, random() AS ra2,
                 random() AS rd, random() AS rs, random() AS rt, random() AS rp
          FROM generate_series(1, %(calls)s) g) r
  ) s
) t
"""


def load(calls: int) -> dict[str, Any]:
    """Migrate, load the world (SQL on PostgreSQL, Python elsewhere), index, ANALYZE."""
    from django.core.management import call_command
    from django.db import connection

    timings = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    history_indexes = import_module("calls.migrations.0007_history_indexes")
    with connection.schema_editor() as editor:
        # Loaded without them, built afterwards (timed): what a production backfill does.
        history_indexes.drop(None, editor)
    world = load_people()
    params = {
        **world,
        "first": FIRST,
        "last": LAST,
        "contacts": CONTACTS,
        "numbers": NUMBERS,
        "days": DAYS,
        "calls": calls,
    }
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cursor:
        cursor.execute("SELECT coalesce(max(id), 0) + 1 FROM contacts_contact")
        params["base"] = cursor.fetchone()[0]
        if postgres:
            _insert(cursor, CONTACTS_SQL, params)
            _insert(cursor, PHONES_SQL, params)
        timings["setup_s"] = time.perf_counter() - started
        started = time.perf_counter()
        if postgres:
            _insert(cursor, CALLS_SQL, params)
        else:  # SQLite (a --smoke run): the same shape of data, small
            from history_rows import load_rows

            load_rows(params)
        timings["load_calls_s"] = time.perf_counter() - started
    started = time.perf_counter()
    with connection.schema_editor(atomic=False) as editor:
        history_indexes.create(None, editor)
    timings["history_indexes_s"] = time.perf_counter() - started
    with connection.cursor() as cursor:
        if postgres:
            cursor.execute("VACUUM ANALYZE calls_call")
        cursor.execute("ANALYZE")
    return {**world, **timings}


def _insert(cursor, sql: str, params: dict) -> None:
    """One of the INSERT ... SELECT above, with the model's default for every NOT NULL
    column it does not name."""
    from bench_db import with_defaults
    from django.apps import apps

    table, columns = re.search(r"INSERT INTO (\w+) \(([^)]*?)\s*\{more_columns\}", sql).groups()
    model = next(m for m in apps.get_models() if m._meta.db_table == table)
    given = [c.strip() for c in columns.split(",")]
    cursor.execute(with_defaults(sql, model, given, params), params)
