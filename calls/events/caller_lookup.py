"""The PBX asks who is calling before it routes (While1 Voice "Caller Data Retrieval").

GET <caller_lookup_url>?telephone=<caller id>&dnid=<number called>[&token=...]
-> JSON with exactly the nine documented keys, all null for an unknown caller.
It sits in the PBX's call setup path: one indexed query, no session, no ORM models.
"""

from __future__ import annotations

import hmac
import logging
from functools import cache

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.http import require_GET

from calls import statements
from calls.events.projects import recent_projects
from calls.models import Agent, Project
from contacts.models import Contact, ContactPhone
from contacts.phones import try_normalize

FIELDS = (
    "id",
    "name",
    "queue_position",
    "direct_line",
    "backend_link",
    "route_identifier",
    "outbound_number",
    "language",
    "external_id",
)
DEFAULT_DIRECT_LINE = "SIP/{extension}"

log = logging.getLogger("calls.lookup")


def _project(token: str) -> Project | None:
    if not token or "\x00" in token:  # PostgreSQL refuses a NUL in a query: no project has one
        return None
    key = ("lookup", token)
    project = recent_projects.get(key)  # the PBX asks on every call: keep it a few seconds
    if project is None:
        project = (
            Project.objects.only("id", "region", "settings", "lookup_token")
            .filter(lookup_token=token)
            .first()
        )
        if project is not None:
            recent_projects.put(key, project)
    if project and hmac.compare_digest(project.lookup_token.encode(), token.encode()):
        return project
    return None


@cache
def _caller_sql() -> str:
    """The one query: the first phone of the project with that number, its contact and owner.

    Written out because it runs in the PBX's call set-up path: building it with the ORM
    cost more than running it. Table and column names still come from the models.
    """
    phone, contact, agent = ContactPhone._meta, Contact._meta, Agent._meta
    return (
        f"SELECT c.{contact.pk.column}, c.name, c.crm_url, a.extension"  # noqa: S608
        f" FROM {phone.db_table} p"
        f" JOIN {contact.db_table} c ON c.{contact.pk.column} = p.contact_id"
        f" LEFT JOIN {agent.db_table} a ON a.{agent.pk.column} = c.owner_id"
        f" WHERE p.project_id = %s AND p.number = %s ORDER BY p.{phone.pk.column} LIMIT 1"
    )


@cache
def _contact_page() -> tuple[str, str]:
    """Our contact page's path around its pk, resolved once (reverse() is slow per call)."""
    marker = 918273645
    head, tail = reverse("contact-detail", args=[marker]).split(str(marker))
    return head, tail


def caller_data(project: Project, telephone: str) -> dict:
    result = dict.fromkeys(FIELDS)
    number = try_normalize(telephone, project.region)
    if not number:
        return result
    row = statements.fetch_one(_caller_sql(), [project.pk, number])
    if row is None:
        return result
    contact_id, name, crm_url, owner_extension = row
    head, tail = _contact_page()
    result["id"] = contact_id
    result["name"] = name
    result["backend_link"] = crm_url or f"{settings.PUBLIC_BASE_URL}{head}{contact_id}{tail}"
    if owner_extension is not None:
        # Route a known customer straight to their own agent (While1: e.g. SIP/ion-popescu).
        result["direct_line"] = direct_line(project, owner_extension)
    return result


def direct_line(project: Project, extension: str) -> str | None:
    """The owner's line by the project's format; None (the PBX routes the caller as usual)
    when the stored format cannot be filled: the PBX is mid-call set-up, never a 500."""
    template = str(project.settings.get("direct_line_format", DEFAULT_DIRECT_LINE))
    try:
        return template.format(extension=extension)
    except (KeyError, IndexError, ValueError, AttributeError) as exc:
        log.warning("project %s: direct_line_format %r unusable: %r", project.pk, template, exc)
        return None


# What never_cache would add, written once: it formats a date on every call.
NO_STORE = {
    "Cache-Control": "max-age=0, no-cache, no-store, must-revalidate, private",
    "Expires": "Thu, 01 Jan 1970 00:00:00 GMT",
}


@require_GET
def caller_lookup(request: HttpRequest, token: str = "") -> JsonResponse:
    project = _project(token or request.GET.get("token", ""))
    if project is None:
        return JsonResponse({"detail": "unknown or missing token"}, status=403, headers=NO_STORE)
    data = caller_data(project, request.GET.get("telephone", ""))
    return JsonResponse(data, headers=NO_STORE)
