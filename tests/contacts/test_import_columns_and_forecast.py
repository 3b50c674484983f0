"""Issue 17: every phone column is imported (phone2, phone3...), and the preview's button
counts the rows that will really be imported, saying how many are skipped and why."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group, User

from contacts.imports import services
from contacts.models import Contact
from tests.contacts.test_import import csv_file, phones_of, run

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(db) -> User:
    user = User.objects.create_user("importer", password="pw-for-tests-123")
    user.groups.add(Group.objects.get(name="admin"))
    return user


@pytest.mark.parametrize("second", ["phone2", "Phone 2", "phone_2", "mobile2", "tel2"])
def test_a_second_and_third_phone_column_are_imported(project, admin, second):
    header = ["name", "phone", second, "phone3"]
    rows = [["Ion Pop", "0722123456", "0733000111", "021 234 5678"]]
    job = run(project, csv_file(rows, header=header), admin)
    assert (job.created_count, job.skipped_count) == (1, 0)
    assert phones_of(Contact.objects.get(name="Ion Pop")) == [
        "+40212345678",
        "+40722123456",
        "+40733000111",
    ]


def rows_with_one_bad() -> list[list[str]]:
    return [
        ["Ion Pop", "", "0722123456", "", ""],
        ["Bad", "", "0722 1", "", ""],
        ["Eva", "", "0733000111", "", ""],
        ["", "", "0744000111", "", ""],
    ]


def test_the_forecast_counts_the_rows_that_will_be_imported(project, admin):
    job = services.create_job(upload=csv_file(rows_with_one_bad()), project=project, by=admin)
    forecast = services.forecast(job)
    assert (forecast.importable, forecast.skipped, forecast.more) == (2, 2, 0)
    assert forecast.reasons == [
        "row 3: “0722 1” has the wrong number of digits for RO.",
        "row 5: the name is missing",
    ]


def test_the_preview_page_says_import_2_rows_and_why_2_are_skipped(client, project, admin):
    client.force_login(admin)
    page = client.post(
        "/contacts/import/",
        {"project": project.pk, "file": csv_file(rows_with_one_bad())},
        follow=True,
    ).content.decode()
    assert "Import 2 rows" in page and "Import 4 rows" not in page
    assert "2 rows will be skipped:" in page
    assert "row 5: the name is missing" in page


def test_a_long_list_of_skipped_rows_says_how_many_more(project, admin):
    rows = [["", "", f"07440{i:05d}", "", ""] for i in range(services.PREVIEW_ROWS + 3)]
    job = services.create_job(upload=csv_file(rows), project=project, by=admin)
    forecast = services.forecast(job)
    assert (forecast.importable, forecast.skipped, forecast.more) == (0, 23, 3)
