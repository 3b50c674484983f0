"""A contact moved to another project takes its phones: each project's caller lookup and
inbound calls find only its own contacts."""

from __future__ import annotations

import pytest
from django.test import Client

from calls.events.caller_lookup import caller_data
from calls.models import Call
from contacts import services
from contacts.imports.processing import import_batch
from contacts.imports.rows import Row
from contacts.models import Contact, ContactPhone
from tests.factories import make_agent, make_contact, make_project, make_user
from tests.generic_events import post

pytestmark = pytest.mark.django_db

NUMBER = "+40722123456"


def _inbound(client, agent, call_id: str) -> Call:
    body = {
        "event_id": f"in-{call_id}",
        "call_id": call_id,
        "event": "dial-in",
        "direction": "inbound",
        "from": NUMBER,
        "to": "+40212345678",
        "extension": agent.extension,
    }
    assert post(client, agent.project, body).status_code == 200
    return Call.objects.get(vendor_call_id=call_id)


def _assert_moved(contact: Contact, old, new) -> None:
    assert set(ContactPhone.objects.filter(contact=contact).values_list("project", flat=True)) == {
        new.pk
    }
    assert caller_data(old, NUMBER)["id"] is None
    assert str(caller_data(new, NUMBER)["id"]) == str(contact.pk)


def test_the_api_moves_a_contact_with_its_phones(admin_api, client):
    old, new = make_project(), make_project()
    owner = make_agent(old)
    contact = make_contact(old, "Ion", NUMBER)
    contact.owner = owner
    contact.save()
    response = admin_api.patch(
        f"/api/v1/contacts/{contact.pk}/", {"project": new.pk}, format="json"
    )
    assert response.status_code == 200, response.json()
    contact.refresh_from_db()
    assert contact.project == new and contact.owner is None  # the old project's agent stays
    _assert_moved(contact, old, new)
    assert _inbound(client, make_agent(old), "a").contact is None
    assert _inbound(client, make_agent(new), "b").contact == contact


def test_the_admin_moves_a_contact_with_its_phones():
    old, new = make_project(), make_project()
    contact = make_contact(old, "Ion", NUMBER)
    phone = contact.phones.get()
    admin = Client()
    admin.force_login(make_user("admin", is_staff=True, is_superuser=True))
    response = admin.post(
        f"/admin/contacts/contact/{contact.pk}/change/",
        {
            "project": new.pk,
            "name": "Ion",
            "company": "",
            "crm_url": "",
            "owner": "",
            "phones-TOTAL_FORMS": "1",
            "phones-INITIAL_FORMS": "1",
            "phones-MIN_NUM_FORMS": "0",
            "phones-MAX_NUM_FORMS": "1000",
            "phones-0-id": phone.pk,
            "phones-0-contact": contact.pk,
            "phones-0-number": NUMBER,
            "phones-0-label": "",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    _assert_moved(contact, old, new)


def test_the_admin_refuses_an_owner_from_another_project():
    project = make_project()
    contact = make_contact(project, "Ion")
    stranger = make_agent(make_project())
    admin = Client()
    admin.force_login(make_user("admin", is_staff=True, is_superuser=True))
    response = admin.post(
        f"/admin/contacts/contact/{contact.pk}/change/",
        {
            "project": project.pk,
            "name": "Ion",
            "owner": stranger.pk,
            "phones-TOTAL_FORMS": "0",
            "phones-INITIAL_FORMS": "0",
            "phones-MIN_NUM_FORMS": "0",
            "phones-MAX_NUM_FORMS": "1000",
        },
    )
    assert response.status_code == 200 and "same project" in response.content.decode()


def test_phones_left_behind_by_an_earlier_move_are_repaired_and_ignored_by_imports():
    old, new = make_project(), make_project()
    contact = make_contact(old, "Ion", NUMBER)
    Contact.objects.filter(pk=contact.pk).update(project=new)  # as moves did before
    # An import into the old project does not update a contact of another project.
    result = import_batch(old.pk, [Row(number=2, name="Maria", phones=[NUMBER])])
    assert result.created == 1
    contact.refresh_from_db()
    assert contact.name == "Ion"
    assert services.repair_phone_projects() == 1
    assert ContactPhone.objects.get(contact=contact).project == new
