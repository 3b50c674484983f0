"""Demo data for `make run`: a project on the sandbox PBX, agents, 50 contacts.

Everything is idempotent: running it again keeps existing rows and passwords.
Credentials are generated once, stored encrypted in the database and written to
var/sandbox.json so the sandbox PBX accepts exactly what the product sends.
"""

from __future__ import annotations

import json
import random
import secrets
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction

from calls import roles
from calls.models import Agent, PbxAccount, Project, Vendor
from contacts.models import Contact, ContactPhone

FIRST = ["Ana", "Mihai", "Elena", "Andrei", "Ioana", "Radu", "Maria", "Vlad", "Irina", "Dan"]
LAST = ["Popescu", "Ionescu", "Dumitru", "Stan", "Georgescu", "Matei", "Ene", "Rusu", "Lungu"]
COMPANIES = ["Carpați Logistic", "Dacia Parts", "Delta Foods", "Brașov Tech", "Someș Energy", ""]


@dataclass
class DemoLogin:
    username: str
    password: str
    role: str


def _secrets_file() -> Path:
    return settings.VAR_DIR / "demo-secrets.json"


def _load_secrets() -> dict[str, str]:
    path = _secrets_file()
    return json.loads(path.read_text()) if path.exists() else {}


def _secret(store: dict[str, str], key: str, size: int = 18) -> str:
    if key not in store:
        store[key] = secrets.token_urlsafe(size)
    return store[key]


def _accounts(store: dict[str, str]) -> dict[str, PbxAccount]:
    base = settings.SANDBOX_PBX_URL
    specs = {
        Vendor.WHILE1: {
            "api_token": _secret(store, "w1_token"),
            "api_key": _secret(store, "w1_key"),
        },
        Vendor.VOIPCENTER: {
            "api_id": "pi990000demo",
            "customer_number": "123456",
            "password": _secret(store, "vc_password"),
            "private_key": _secret(store, "vc_key"),
        },
        Vendor.TELPHIN: {"client_id": "demo-app", "client_secret": _secret(store, "tp_secret")},
    }
    accounts = {}
    for vendor, creds in specs.items():
        account, _ = PbxAccount.objects.get_or_create(
            name=f"Sandbox PBX ({vendor.label})",
            defaults={"vendor": vendor, "base_url": f"{base}/{vendor.value}"},
        )
        account.set_credentials(creds, merge=False)
        account.save()
        accounts[vendor] = account
    return accounts


def _user(store: dict[str, str], username: str, full_name: str, role: str) -> DemoLogin:
    password = _secret(store, f"user_{username}", 9)
    first, _, last = full_name.partition(" ")
    user, created = User.objects.get_or_create(
        username=username, defaults={"first_name": first, "last_name": last}
    )
    if created:
        user.set_password(password)
    user.is_staff = role == roles.ADMIN
    user.is_superuser = role == roles.ADMIN
    user.save()
    user.groups.add(Group.objects.get(name=role))
    return DemoLogin(username, password, role)


def _phone(rng: random.Random, magic: str | None) -> str:
    """A valid Romanian mobile number; ``magic`` picks the sandbox's scripted outcome."""
    prefix = rng.choice(["722", "723", "744", "745", "766", "788"])
    # Romanian mobiles are 7xx xxx xxx: six digits after the three-digit prefix.
    tail = f"{rng.randrange(10**6):06d}" if magic is None else f"{rng.randrange(1000):03d}{magic}"
    return f"+40{prefix}{tail}"


def _contacts(project: Project, owners: list[Agent]) -> None:
    if project.contacts.exists():
        return
    rng = random.Random(7)  # the same demo every time
    magic = {3: "486", 7: "408", 11: "603"}  # busy, no answer, rejected (docs/sandbox.md)
    for i in range(50):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        contact = Contact.objects.create(
            project=project,
            name=name,
            company=rng.choice(COMPANIES),
            crm_url=f"https://crm.example.com/contacts/{1000 + i}",
            owner=owners[i % len(owners)],
        )
        number = _phone(rng, magic.get(i))
        ContactPhone.objects.create(contact=contact, project=project, number=number, label="mobile")


def _sandbox_config(accounts: dict[str, PbxAccount], project: Project) -> None:
    w1, vc, tp = accounts[Vendor.WHILE1], accounts[Vendor.VOIPCENTER], accounts[Vendor.TELPHIN]
    config = {
        "accounts": [
            {
                "name": "demo-while1",
                "dialect": "while1",
                **w1.credentials,
                "project_id": project.settings.get("project_id", 1),
                "event_url": project.event_webhook_url,
                "lookup_url": project.caller_lookup_url,
            },
            {"name": "demo-voipcenter", "dialect": "voipcenter", **vc.credentials},
            {
                "name": "demo-telphin",
                "dialect": "telphin",
                **tp.credentials,
                "extensions": [{"id": 175, "name": "101"}, {"id": 176, "name": "102"}],
            },
        ]
    }
    path = settings.VAR_DIR / "sandbox.json"
    path.write_text(json.dumps(config, indent=2))
    path.chmod(0o600)


@transaction.atomic
def load_demo() -> list[DemoLogin]:
    store = _load_secrets()
    accounts = _accounts(store)
    project, _ = Project.objects.get_or_create(
        name="Demo call centre",
        defaults={
            "pbx_account": accounts[Vendor.WHILE1],
            "region": "RO",
            "settings": {"project_id": 1, "outbound_number": "+40212345678"},
        },
    )
    logins = [
        _user(store, "ana", "Ana Popescu", roles.AGENT),
        _user(store, "mihai", "Mihai Ionescu", roles.AGENT),
        _user(store, "supervisor", "Sofia Marin", roles.SUPERVISOR),
        _user(store, "admin", "Alex Admin", roles.ADMIN),
    ]
    agents = []
    for username, ext in (("ana", "101"), ("mihai", "102")):
        agent, _ = Agent.objects.get_or_create(
            user=User.objects.get(username=username),
            defaults={
                "project": project,
                "extension": ext,
                "vendor_extension_id": str(74 + int(ext)),
            },
        )
        agents.append(agent)
    _contacts(project, agents)
    _sandbox_config(accounts, project)
    path = _secrets_file()
    path.write_text(json.dumps(store, indent=2))
    path.chmod(0o600)
    return logins
