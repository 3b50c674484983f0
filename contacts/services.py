"""Writers of contacts."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from calls.models import Agent, Call
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
    ContactPhone.objects.create(contact=contact, project=call.project, number=call.remote_number)
    Call.objects.filter(
        project=call.project, remote_number=call.remote_number, contact__isnull=True
    ).update(contact=contact)
    return contact
