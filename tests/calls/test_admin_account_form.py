"""The PBX account form offers only the chosen vendor's credentials; names say the vendor once."""

from __future__ import annotations

import re

import pytest

from calls import credentials
from calls.admin_pages.forms import PbxAccountForm
from calls.models import PbxAccount, Vendor
from calls.pbx import registry
from tests.factories import make_account, make_project, make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client(client):
    client.force_login(make_user("admin", is_staff=True))
    return client


def test_each_credential_input_names_the_vendors_that_use_it(admin_client):
    page = admin_client.get("/admin/calls/pbxaccount/add/").content.decode()
    assert "js/pbx_account_form.js" in page
    for vendor in registry.vendors():
        for field in credentials.fields_for(vendor):
            tag = re.search(rf'<input[^>]*name="cred_{field.name}"[^>]*>', page).group(0)
            vendors = re.search(r'data-vendors="([^"]*)"', tag).group(1).split()
            assert vendor in vendors


def test_an_input_of_another_vendor_left_disabled_is_not_sent_and_not_refused(db):
    # The script disables other vendors' inputs: the browser sends only the chosen one's.
    form = PbxAccountForm(
        data={
            "name": "Office PBX",
            "vendor": Vendor.WHILE1,
            "base_url": "https://pbx.example.com/",
            "cred_api_token": "tok",
            "cred_api_key": "key",
        }
    )
    assert form.is_valid(), form.errors


@pytest.mark.parametrize(
    ("name", "vendor", "shown"),
    [
        ("Sandbox PBX (While1 Voice)", Vendor.WHILE1, "Sandbox PBX (While1 Voice)"),
        ("Office", Vendor.WHILE1, "Office (While1 Voice)"),
        ("VoipCenter main", Vendor.VOIPCENTER, "VoipCenter main"),
    ],
)
def test_an_account_names_its_vendor_once(db, name, vendor, shown):
    assert str(PbxAccount(name=name, vendor=vendor)) == shown


def test_the_project_list_shows_the_account_without_a_doubled_vendor(admin_client):
    account = make_account()
    account.name = "Sandbox PBX (While1 Voice)"
    account.save()
    make_project(account)
    page = admin_client.get("/admin/calls/project/").content.decode()
    assert "Sandbox PBX (While1 Voice)" in page
    assert "(While1 Voice) (While1 Voice)" not in page
