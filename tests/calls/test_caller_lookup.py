"""The PBX asks who is calling: While1 "Caller Data Retrieval", answered from the E.164 index."""

import pytest

from calls.events.caller_lookup import FIELDS
from tests.factories import make_agent, make_contact, make_project

pytestmark = pytest.mark.django_db


@pytest.fixture
def known(project):
    owner = make_agent(project, extension="101")
    contact = make_contact(project, "Ion Popescu", "+40722123456")
    contact.owner = owner
    contact.crm_url = "https://crm.example.com/c/7"
    contact.save()
    return contact


def lookup(client, project, telephone, token=None):
    token = token or project.lookup_token
    return client.get(f"/lookup/{token}/", {"telephone": telephone, "dnid": "0210000000"})


@pytest.mark.parametrize(
    "telephone",
    [
        "0722123456",
        "+40722123456",
        "0040722123456",
        "40722123456",
        "0722 123-456",
        "(0722) 123.456",
    ],
)
def test_a_known_caller_is_found_whatever_the_format(client, project, known, telephone):
    data = lookup(client, project, telephone).json()
    assert tuple(data) == FIELDS
    assert data["id"] == known.pk and data["name"] == "Ion Popescu"
    assert data["backend_link"] == "https://crm.example.com/c/7"
    assert data["direct_line"] == "SIP/101"


def test_an_unknown_caller_gets_all_nine_keys_null(client, project, known):
    assert lookup(client, project, "0744000111").json() == dict.fromkeys(FIELDS)
    assert lookup(client, project, "anonymous").json() == dict.fromkeys(FIELDS)


def test_a_wrong_token_is_403_and_reveals_nothing(client, project, known):
    response = lookup(client, project, "0722123456", token="nope")
    assert response.status_code == 403 and b"Popescu" not in response.content


def test_the_token_may_come_in_the_query_as_in_the_vendor_example(client, project, known):
    response = client.get("/lookup/", {"telephone": "0722123456", "token": project.lookup_token})
    assert response.json()["id"] == known.pk


def test_a_contact_of_another_project_is_not_found(client, known):
    other = make_project()
    assert lookup(client, other, "0722123456").json()["id"] is None


def test_without_a_crm_link_the_pop_up_opens_our_contact_page(client, project):
    contact = make_contact(project, "Maria", "+40744555666")
    data = lookup(client, project, "0744555666").json()
    assert data["backend_link"].endswith(f"/contacts/{contact.pk}/")
    assert data["direct_line"] is None


def test_answers_are_never_cached_and_always_current(client, project, known):
    first = lookup(client, project, "0722123456")
    assert "no-store" in first["Cache-Control"] and first.json()["name"] == "Ion Popescu"
    known.name = "Ion Popescu-Lazăr"  # the query is prepared once; its answers are not kept
    known.save()
    for _ in range(3):
        assert lookup(client, project, "+40722123456").json()["name"] == "Ion Popescu-Lazăr"
