"""Contacts import: files in, preview, the job in batches, the summary and errors; export."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from openpyxl import Workbook

from contacts.imports import processing, services
from contacts.models import Contact, ContactPhone, ImportJob
from tests.factories import make_agent, make_contact, make_user

pytestmark = pytest.mark.django_db

BAD_ROW = "row 3: “0722 1” has the wrong number of digits for RO."
HEADER = ["name", "company", "phone", "crm_url", "owner"]


def csv_file(rows, header=HEADER, delimiter=",", name="contacts.csv") -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter)
    writer.writerow(header)
    writer.writerows(rows)
    return SimpleUploadedFile(name, out.getvalue().encode("utf-8-sig"), "text/csv")


def xlsx_file(rows, header=HEADER, name="contacts.xlsx") -> SimpleUploadedFile:
    book = Workbook()
    sheet = book.active
    sheet.append(header)
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return SimpleUploadedFile(name, out.getvalue(), "application/vnd.ms-excel")


@pytest.fixture
def admin(db):
    return make_user("admin")


def run(project, upload, admin) -> ImportJob:
    job = services.create_job(upload=upload, project=project, by=admin)
    services.confirm(job=job)
    processing.run_import(job.pk)  # what the Celery task does, run here directly
    job.refresh_from_db()
    return job


def phones_of(contact: Contact) -> list[str]:
    return sorted(contact.phones.values_list("number", flat=True))


def test_a_csv_imports_contacts_with_several_phones_and_owners(project, admin):
    ana = make_agent(project, extension="201")
    mihai = make_agent(project, extension="202")
    rows = [
        ["Ion Pop", "Dacia Parts", "0722 123 456; 021 234 5678", "https://crm.example/1", "201"],
        ["Eva Ene", "", "+40 733 000 111", "", mihai.user.username],
    ]
    job = run(project, csv_file(rows), admin)
    assert (job.state, job.created_count, job.updated_count, job.skipped_count) == (
        "done",
        2,
        0,
        0,
    )
    ion = Contact.objects.get(name="Ion Pop")
    assert (ion.company, ion.crm_url, ion.owner) == ("Dacia Parts", "https://crm.example/1", ana)
    assert phones_of(ion) == ["+40212345678", "+40722123456"]
    assert Contact.objects.get(name="Eva Ene").owner == mihai
    assert ContactPhone.objects.filter(project=project).count() == 3


def test_several_phone_columns_and_a_semicolon_separated_file(project, admin):
    header = ["Name", "Phone 1", "Phone 2", "Company"]
    rows = [["Ion Pop", "0722123456", "0733000111", "Delta"]]
    run(project, csv_file(rows, header=header, delimiter=";"), admin)
    assert phones_of(Contact.objects.get(name="Ion Pop")) == ["+40722123456", "+40733000111"]


def test_bad_rows_are_skipped_and_named_with_row_number_and_value(project, admin):
    rows = [
        ["Ion Pop", "", "0722123456", "", ""],
        ["Bad Number", "", "0722 1", "", ""],
        ["", "", "0733000111", "", ""],
        ["Nobody's", "", "0744000222", "", "999"],
        ["Bad link", "", "0755000333", "ftp://x", ""],
    ]
    job = run(project, csv_file(rows), admin)
    assert (job.created_count, job.skipped_count) == (1, 4)
    messages = [e["message"] for e in job.errors]
    assert messages[0] == "row 3: “0722 1” has the wrong number of digits for RO."
    assert messages[1] == "row 4: the name is missing"
    assert "row 5" in messages[2] and "“999”" in messages[2]
    assert "row 6" in messages[3] and "ftp://x" in messages[3]


def test_duplicates_update_the_existing_contact_in_the_file_and_in_the_project(project, admin):
    existing = make_contact(project, "Old Name", "+40722123456")
    rows = [
        ["New Name", "Acme", "0722 123 456; 0766 000 444", "", ""],
        ["Eva Ene", "", "0733000111", "", ""],
        ["Eva Ene-Pop", "Delta", "0733 000 111", "", ""],
    ]
    job = run(project, csv_file(rows), admin)
    assert (job.created_count, job.updated_count, job.skipped_count) == (1, 2, 0)
    existing.refresh_from_db()
    assert (existing.name, existing.company) == ("New Name", "Acme")
    assert phones_of(existing) == ["+40722123456", "+40766000444"]
    eva = Contact.objects.get(phones__number="+40733000111")
    assert (eva.name, eva.company) == ("Eva Ene-Pop", "Delta")
    again = run(project, csv_file(rows), admin)  # importing again creates nothing
    assert (again.created_count, again.updated_count) == (0, 3)
    assert Contact.objects.filter(project=project).count() == 2


def test_contacts_of_another_project_are_not_duplicates(project, admin):
    from tests.factories import make_project

    make_contact(make_project(), "Elsewhere", "+40722123456")
    job = run(project, csv_file([["Ion Pop", "", "0722123456", "", ""]]), admin)
    assert job.created_count == 1


def test_an_xlsx_with_numbers_typed_as_numbers_imports(project, admin):
    make_agent(project, extension="301")
    rows = [["Ion Pop", "Dacia", 722123456, "https://crm.example/2", 301], ["", None, None]]
    job = run(project, xlsx_file(rows), admin)
    assert (job.total_rows, job.created_count, job.skipped_count) == (1, 1, 0)
    assert phones_of(Contact.objects.get(name="Ion Pop")) == ["+40722123456"]


def test_the_preview_shows_the_first_rows_as_they_will_be_imported(project, admin):
    make_contact(project, "Old Name", "+40722123456")
    rows = [
        ["Ion Pop", "", "0722123456", "", ""],
        ["Bad", "", "0722 1", "", ""],
        ["Eva", "", "0733000111", "", ""],
        ["Eva again", "", "0733000111", "", ""],
        *[[f"Person {i}", "", f"07440{i:05d}", "", ""] for i in range(30)],
    ]
    job = services.create_job(upload=csv_file(rows), project=project, by=admin)
    assert (job.state, job.total_rows) == ("preview", 34)
    shown = services.preview(job)
    assert len(shown) == services.PREVIEW_ROWS
    assert [s.outcome for s in shown[:4]] == ["update", "skip", "new", "update"]
    assert "Old Name" in shown[0].detail
    assert shown[1].detail == "row 3: “0722 1” has the wrong number of digits for RO."
    assert "row 4" in shown[3].detail
    assert not Contact.objects.filter(name="Eva").exists()  # nothing written before confirm


def test_a_file_without_name_or_phone_columns_is_refused_at_upload(project, admin):
    with pytest.raises(services.ImportRefused, match="name"):
        services.create_job(
            upload=csv_file([["x", "y"]], header=["who", "what"]), project=project, by=admin
        )


def test_batches_commit_progress_and_a_rerun_resumes_after_the_last_batch(
    project, admin, monkeypatch
):
    monkeypatch.setattr(processing, "BATCH_SIZE", 3)
    rows = [[f"Person {i}", "", f"07440{i:05d}", "", ""] for i in range(7)]
    job = services.create_job(upload=csv_file(rows), project=project, by=admin)
    services.confirm(job=job)
    ImportJob.objects.filter(pk=job.pk).update(processed_rows=3)  # a worker died after batch 1
    processing.run_import(job.pk)
    job.refresh_from_db()
    assert (job.state, job.processed_rows, job.created_count) == ("done", 7, 4)
    assert processing.run_import(job.pk) == "done"  # a redelivered task does nothing
    assert Contact.objects.count() == 4


def test_pages_upload_preview_confirm_progress_and_errors(
    client, project, admin, monkeypatch, django_capture_on_commit_callbacks
):
    from contacts.imports import tasks

    client.force_login(admin)
    rows = [["Ion Pop", "", "0722123456", "", ""], ["Bad", "", "0722 1", "", ""]]
    response = client.post(
        "/contacts/import/", {"project": project.pk, "file": csv_file(rows)}, follow=True
    )
    assert BAD_ROW in response.content.decode()
    job = ImportJob.objects.get()
    ran = []
    monkeypatch.setattr(
        tasks.import_contacts, "delay", lambda job_id: ran.append(processing.run_import(job_id))
    )
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/contacts/import/{job.pk}/confirm/")
    assert ran == ["done"]
    fragment = client.get(f"/contacts/import/{job.pk}/progress/").content.decode()
    assert "100%" in fragment and "hx-trigger" not in fragment  # polling stops when done
    assert '<dd class="created">1</dd>' in fragment and '<dd class="skipped">1</dd>' in fragment
    errors = client.get(f"/contacts/import/{job.pk}/errors.csv").content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(errors)))[1] == ["3", BAD_ROW]


def test_a_running_job_page_polls_its_progress(client, project, admin):
    job = services.create_job(upload=csv_file([["A", "", "0722123456"]]), project=project, by=admin)
    services.confirm(job=job)
    client.force_login(admin)
    page = client.get(f"/contacts/import/{job.pk}/").content.decode()
    assert 'hx-trigger="every 500ms"' in page and "0%" in page


def test_only_admins_import(client, project):
    client.force_login(make_user("supervisor"))
    assert client.get("/contacts/import/").status_code == 403
    client.force_login(make_agent(project).user)
    assert client.get("/contacts/import/").status_code == 403


def test_export_streams_every_contact_and_imports_back(client, project, admin):
    owner = make_agent(project, extension="201")
    contact = make_contact(project, "Ion, Pop", "+40722123456", "+40212345678")
    contact.owner, contact.company = owner, "Dacia"
    contact.save()
    client.force_login(make_user("supervisor"))
    response = client.get(f"/contacts/import/export.csv?project={project.pk}")
    assert response.streaming
    text = b"".join(response.streaming_content).decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(text)))
    assert lines == [
        ["name", "company", "phones", "crm_url", "owner"],
        ["Ion, Pop", "Dacia", "+40722123456; +40212345678", "", "201"],
    ]
    job = run(project, SimpleUploadedFile("back.csv", text.encode()), admin)
    assert (job.created_count, job.updated_count, job.skipped_count) == (0, 1, 0)
    client.force_login(make_agent(project).user)
    assert client.get(f"/contacts/import/export.csv?project={project.pk}").status_code == 403


def test_an_xlsx_upload_counts_its_rows_without_reading_them_all(project, admin):
    rows = [[f"Person {i}", "", f"07440{i:05d}"] for i in range(25)]
    job = services.create_job(upload=xlsx_file(rows), project=project, by=admin)
    assert job.total_rows == 25
    assert [r.row.number for r in services.preview(job)][:2] == [2, 3]
