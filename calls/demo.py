"""Demo data for `make run`: one project per vendor on the sandbox PBX, agents, contacts.

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
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import Group, User
from django.db import transaction

from calls import roles
from calls.models import Agent, Disposition, PauseReason, PbxAccount, Project, Vendor
from calls.pbx.registry import adapter_class
from contacts.models import Contact, ContactPhone

FIRST = ["Ana", "Mihai", "Elena", "Andrei", "Ioana", "Radu", "Maria", "Vlad", "Irina", "Dan"]
LAST = ["Popescu", "Ionescu", "Dumitru", "Stan", "Georgescu", "Matei", "Ene", "Rusu", "Lungu"]
COMPANIES = ["Carpați Logistic", "Dacia Parts", "Delta Foods", "Brașov Tech", "Someș Energy", ""]


@dataclass
class DemoLogin:
    username: str
    password: str
    role: str
    where: str = ""  # the agent's project and its PBX


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
            # Its live events come over the sandbox's Socket.IO stream (make run's voipcenter).
            "ws_user": "ws123456",
            "ws_url": stream_url(base),
        },
        Vendor.TELPHIN: {"client_id": "demo-app", "client_secret": _secret(store, "tp_secret")},
    }
    accounts = {}
    for vendor, creds in specs.items():
        account, _ = PbxAccount.objects.get_or_create(
            name=f"Sandbox PBX ({adapter_class(vendor).label})",
            defaults={"vendor": vendor, "base_url": f"{base}/{vendor.value}"},
        )
        account.set_credentials(creds, merge=False)
        account.save()
        accounts[vendor] = account
    return accounts


def stream_url(sandbox_url: str) -> str:
    """The sandbox serves VoipCenter's Socket.IO stream on the port after its own."""
    parts = urlsplit(sandbox_url)
    return f"{parts.scheme}://{parts.hostname}:{(parts.port or 80) + 1}"


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


def _contacts(project: Project, owners: list[Agent], count: int, seed: int) -> None:
    if project.contacts.exists():
        return
    rng = random.Random(seed)  # the same demo every time
    magic = {3: "486", 7: "408", 11: "603"}  # busy, no answer, rejected (docs/sandbox.md)
    for i in range(count):
        name = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
        contact = Contact.objects.create(
            project=project,
            name=name,
            company=rng.choice(COMPANIES),
            crm_url=f"https://crm.example.com/contacts/{seed * 1000 + i}",
            owner=owners[i % len(owners)],
        )
        number = _phone(rng, magic.get(i))
        ContactPhone.objects.create(contact=contact, project=project, number=number, label="mobile")


@dataclass(frozen=True)
class DemoAgent:
    username: str
    full_name: str
    extension: str
    vendor_extension_id: str = ""


@dataclass(frozen=True)
class DemoProject:
    """One demo project per vendor, each followed through that vendor's own event channel."""

    name: str
    vendor: Vendor
    settings: dict
    agents: tuple[DemoAgent, ...]
    contacts: int
    seed: int


PROJECTS = (
    DemoProject(
        "Demo call centre",
        Vendor.WHILE1,
        {"project_id": 1, "outbound_number": "+40212345678"},
        (DemoAgent("ana", "Ana Popescu", "101"), DemoAgent("mihai", "Mihai Ionescu", "102")),
        contacts=50,
        seed=7,
    ),
    DemoProject(
        "Demo call centre (VoipCenter)",
        Vendor.VOIPCENTER,
        {},
        (DemoAgent("pieter", "Pieter Janssens", "201"),),
        contacts=12,
        seed=8,
    ),
    DemoProject(
        "Demo call centre (Telphin)",
        Vendor.TELPHIN,
        {},
        (DemoAgent("olga", "Olga Smirnova", "301", vendor_extension_id="175"),),
        contacts=12,
        seed=9,
    ),
)


# What an agent picks after a call and why they pause: a call centre's usual first set.
DISPOSITIONS = ("Sale", "Interested", "Not interested", "Call back later", "Wrong number")
PAUSE_REASONS = ("Break", "Lunch", "Training", "Meeting")


def _working_day(project: Project) -> None:
    for position, name in enumerate(DISPOSITIONS):
        Disposition.objects.get_or_create(
            project=project, name=name, defaults={"position": position}
        )
    for position, name in enumerate(PAUSE_REASONS):
        PauseReason.objects.get_or_create(
            project=project, name=name, defaults={"position": position}
        )


def _project(spec: DemoProject, account: PbxAccount, store: dict[str, str]) -> list[DemoLogin]:
    project, _ = Project.objects.get_or_create(
        name=spec.name,
        defaults={"pbx_account": account, "region": "RO", "settings": spec.settings},
    )
    logins, agents = [], []
    for demo in spec.agents:
        logins.append(_user(store, demo.username, demo.full_name, roles.AGENT))
        agent, _ = Agent.objects.get_or_create(
            user=User.objects.get(username=demo.username),
            defaults={
                "project": project,
                "extension": demo.extension,
                "vendor_extension_id": demo.vendor_extension_id,
            },
        )
        agents.append(agent)
    _contacts(project, agents, spec.contacts, spec.seed)
    _working_day(project)
    where = f"{project.name}, {adapter_class(spec.vendor).label}"
    return [DemoLogin(x.username, x.password, x.role, where) for x in logins]


def sandbox_accounts() -> list[dict]:
    """The sandbox's accounts for the demo: each vendor's credentials, and where its
    project wants events and caller lookups (what load_demo writes to var/sandbox.json)."""
    accounts = []
    for spec in PROJECTS:
        project = Project.objects.select_related("pbx_account").get(name=spec.name)
        account = {
            "name": f"demo-{spec.vendor.value}",
            "dialect": spec.vendor.value,
            **project.pbx_account.credentials,
            "event_url": project.event_webhook_url,
            "lookup_url": project.caller_lookup_url,
        }
        account.update(_sandbox_extras(spec, project))
        accounts.append(account)
    return accounts


def _sandbox_extras(spec: DemoProject, project: Project) -> dict:
    if spec.vendor == Vendor.WHILE1:
        # users-status lists these phones (the board's phone column); originates to others
        # are refused, as While1 refuses users it does not know.
        extensions = list(project.agents.values_list("extension", flat=True))
        return {"project_id": project.settings.get("project_id", 1), "extensions": extensions}
    if spec.vendor == Vendor.TELPHIN:
        extensions = [
            {"id": int(a.vendor_extension_id), "name": a.extension}
            for a in project.agents.exclude(vendor_extension_id="")
        ]
        # As if the admin had run "Register webhooks" once: Telphin keeps subscriptions.
        return {"extensions": extensions, "registered_webhook": project.event_webhook_url}
    return {}


def _sandbox_config() -> None:
    path = settings.VAR_DIR / "sandbox.json"
    path.write_text(json.dumps({"accounts": sandbox_accounts()}, indent=2))
    path.chmod(0o600)


@transaction.atomic
def load_demo() -> list[DemoLogin]:
    store = _load_secrets()
    accounts = _accounts(store)
    logins = []
    for spec in PROJECTS:
        logins += _project(spec, accounts[spec.vendor], store)
    logins += [
        _user(store, "supervisor", "Sofia Marin", roles.SUPERVISOR),
        _user(store, "admin", "Alex Admin", roles.ADMIN),
    ]
    _sandbox_config()
    path = _secrets_file()
    path.write_text(json.dumps(store, indent=2))
    path.chmod(0o600)
    return logins
