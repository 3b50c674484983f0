"""Read-only queries over contacts."""

from __future__ import annotations

import re
from functools import cache

from django.db import connection
from django.db.models import Q, QuerySet

from calls import statements
from calls.models import Project
from contacts.models import Contact, ContactPhone
from contacts.phones import try_normalize

SEARCH_LIMIT = 50
_DIGITS = re.compile(r"\D")


def search_contacts(project: Project, query: str) -> QuerySet[Contact]:
    """Contacts of ``project`` matching a name, company or phone number in any format."""
    contacts = Contact.objects.filter(project=project).prefetch_related("phones")
    query = query.strip()
    if not query:
        return contacts.order_by("name", "id")[:SEARCH_LIMIT]
    digits = _DIGITS.sub("", query)
    match = Q(name__icontains=query) | Q(company__icontains=query)
    if len(digits) >= 3:
        e164 = try_normalize(query, project.region)
        # A whole number goes through the E.164 index; a fragment matches inside numbers.
        phone_filter = {"number": e164} if e164 else {"number__contains": digits.lstrip("0")}
        ids = ContactPhone.objects.filter(project=project, **phone_filter).values("contact_id")
        match |= Q(pk__in=ids)
    return contacts.filter(match).order_by("name", "id")[:SEARCH_LIMIT]


def contact_by_number(project: Project, e164: str) -> Contact | None:
    """The project's contact with the number ``e164`` (the first listed, if several)."""
    if connection.vendor == "postgresql":  # on the click-to-PBX path: prepared, not compiled
        row = statements.fetch_one(_contact_by_number_sql(), [project.pk, e164])
        return statements.from_rows([Contact], row)[0] if row else None
    phone = (
        ContactPhone.objects.filter(project=project, number=e164)
        .select_related("contact")
        .order_by("id")
        .first()
    )
    return phone.contact if phone else None


@cache
def _contact_by_number_sql() -> str:
    quote = connection.ops.quote_name
    contact, project, number = (
        f"ph.{statements.column(ContactPhone, name)}" for name in ("contact", "project", "number")
    )
    return (
        f"SELECT {statements.select_list(Contact, 'ct')} "  # noqa: S608 - names from the models
        f"FROM {quote(ContactPhone._meta.db_table)} ph "
        f"{statements.join('JOIN', Contact, 'ct', contact)} "
        f"WHERE {project} = %s AND {number} = %s "
        f"ORDER BY ph.{quote(ContactPhone._meta.pk.column)} LIMIT 1"
    )
