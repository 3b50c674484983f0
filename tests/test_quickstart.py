"""What a newcomer meets: demo data, the login page, a working deploy check."""

import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.management import call_command

from calls.models import PbxAccount, Project
from contacts.models import ContactPhone
from contacts.phones import normalize_phone

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.django_db
def test_demo_data_gives_every_vendor_a_project_with_agents_and_contacts(capsys):
    call_command("load_demo")
    first = capsys.readouterr().out
    call_command("load_demo")
    again = capsys.readouterr().out
    by_vendor = {p.pbx_account.vendor: p for p in Project.objects.select_related("pbx_account")}
    assert sorted(by_vendor) == ["telphin", "voipcenter", "while1"]
    assert by_vendor["while1"].agents.count() == 2
    assert by_vendor["while1"].contacts.count() == 50
    for vendor in ("voipcenter", "telphin"):
        assert by_vendor[vendor].agents.count() == 1
        assert by_vendor[vendor].contacts.count() == 12
    assert first == again  # idempotent: same users, same passwords printed
    for username in ("ana", "mihai", "pieter", "olga", "supervisor", "admin"):
        assert f" {username} " in first
    assert "While1 Voice" in first and "VoipCenter" in first and "Telphin" in first
    assert all(a.credential_names for a in PbxAccount.objects.all())
    numbers = ContactPhone.objects.values_list("number", flat=True)
    assert all(normalize_phone(n, "RO") == n for n in numbers)  # every demo number is dialable


@pytest.mark.django_db
def test_a_demo_agent_logs_in_and_sees_their_contacts(client, capsys):
    call_command("load_demo")
    line = next(x for x in capsys.readouterr().out.splitlines() if " ana " in x)
    password = line.rsplit("password: ", 1)[1].strip()
    assert client.get("/login/").status_code == 200
    response = client.post("/login/", {"username": "ana", "password": password}, follow=True)
    html = response.content.decode()
    assert response.status_code == 200
    assert "Contacts" in html and "Ana Popescu" in html
    assert html.count('class="number"') == 50  # every demo number has its call button


def test_deploy_check_is_clean_with_production_settings(tmp_path):
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "pbxportal.settings",
        "PBXPORTAL_VAR_DIR": str(tmp_path),
        "SECRET_KEY": "x" * 64 + "production-grade-key-with-enough-entropy-0123456789",
        "DJANGO_SECURE": "1",
        "ALLOWED_HOSTS": "pbx.example.com",
        "DATABASE_URL": f"sqlite:///{tmp_path}/db.sqlite3",
    }
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
