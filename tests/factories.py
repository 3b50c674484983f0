"""Factories as plain functions: each test builds exactly the world it talks about.

A module of its own (not conftest.py), so there is one counter however it is imported."""

from __future__ import annotations

import itertools

from django.contrib.auth.models import Group, User
from django.utils import timezone

from calls import roles
from calls.models import Agent, Call, CallDirection, CallStatus, PbxAccount, Project, Vendor
from contacts.models import Contact, ContactPhone

_seq = itertools.count(1)


def make_account(vendor: str = Vendor.WHILE1, **credentials: str) -> PbxAccount:
    account = PbxAccount(
        name=f"account-{next(_seq)}", vendor=vendor, base_url="http://127.0.0.1:9/while1"
    )
    account.set_credentials(credentials or {"api_token": "tok-secret", "api_key": "key-secret"})
    account.save()
    return account


def make_project(account: PbxAccount | None = None, region: str = "RO", **settings) -> Project:
    return Project.objects.create(
        name=f"project-{next(_seq)}",
        pbx_account=account or make_account(),
        region=region,
        settings=settings or {"project_id": 1},
    )


def make_user(role: str | None = None, username: str | None = None, **extra) -> User:
    user = User.objects.create_user(
        username=username or f"user{next(_seq)}", password="pw-for-tests-123", **extra
    )
    if role:
        user.groups.add(Group.objects.get(name=role))
    return user


def make_agent(project: Project | None = None, extension: str | None = None) -> Agent:
    return Agent.objects.create(
        user=make_user(roles.AGENT),
        project=project or make_project(),
        extension=extension or str(100 + next(_seq)),
    )


def make_contact(project: Project, name: str = "Ion Popescu", *numbers: str) -> Contact:
    contact = Contact.objects.create(project=project, name=name)
    for number in numbers:
        ContactPhone.objects.create(contact=contact, project=project, number=number)
    return contact


def make_missed_call(project: Project, number: str, **fields) -> Call:
    """An inbound call from ``number`` that nobody answered, over just now."""
    return Call.objects.create(
        project=project,
        direction=CallDirection.INBOUND,
        remote_number=number,
        status=CallStatus.MISSED,
        ended_at=timezone.now(),
        **fields,
    )
