"""Writers of contacts."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils.translation import gettext as _

from calls.models import Agent, Call, Project
from contacts.models import Contact, ContactPhone


class ContactRefused(ValueError):
    """The contact cannot be created as asked; the message is for a person."""


@transaction.atomic
def create_contact_for_caller(*, call: Call, name: str, company: str = "", agent: Agent) -> Contact:
    """A contact for an unknown caller's number; every earlier call from it is linked to it."""
    name = name.strip()
    if not name:
        raise ContactRefused(_("Enter the caller's name."))
    existing = ContactPhone.objects.filter(project=call.project, number=call.remote_number).first()
    if existing:
        raise ContactRefused(
            _("%(number)s already belongs to %(name)s.")
            % {"number": call.remote_number, "name": existing.contact.name}
        )
    contact = Contact.objects.create(
        project=call.project, name=name[:200], company=company.strip()[:200], owner=agent
    )
    new_phone(contact, call.remote_number).save()
    Call.objects.filter(
        project=call.project, remote_number=call.remote_number, contact__isnull=True
    ).update(contact=contact)
    return contact


def new_phone(contact: Contact, number: str, label: str = "") -> ContactPhone:
    """An unsaved phone row of ``contact``: its project is always the contact's, which is
    what caller lookup and inbound linking search by."""
    return ContactPhone(contact=contact, project_id=contact.project_id, number=number, label=label)


@transaction.atomic
def set_phones(contact: Contact, numbers: Iterable[str]) -> None:
    """The contact's numbers become exactly ``numbers`` (E.164); labels of kept ones stay."""
    numbers = list(dict.fromkeys(numbers))
    contact.phones.exclude(number__in=numbers).delete()
    have = set(contact.phones.values_list("number", flat=True))
    ContactPhone.objects.bulk_create([new_phone(contact, n) for n in numbers if n not in have])


@transaction.atomic
def move_contact(contact: Contact, project: Project) -> Contact:
    """Move ``contact`` to ``project`` with its phones: from now on only the new project's
    caller lookup finds it. An owner from the old project no longer owns it. Its past calls
    stay in the old project's history, linked to it."""
    contact.project = project
    fields = ["project", "updated_at"]
    if contact.owner_id and contact.owner.project_id != project.pk:
        contact.owner = None
        fields.append("owner")
    contact.save(update_fields=fields)
    contact.phones.update(project=project)
    return contact


def repair_phone_projects() -> int:
    """Phones left in another project than their contact's (contacts moved before phones
    moved with them) go to their contact's project; returns how many."""
    stray = ContactPhone.objects.exclude(project_id=F("contact__project_id"))
    contact_project = Contact.objects.filter(pk=OuterRef("contact_id")).values("project_id")
    return ContactPhone.objects.filter(pk__in=stray.values("pk")).update(
        project_id=Subquery(contact_project)
    )
