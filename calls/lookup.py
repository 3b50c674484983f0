"""While1 Voice "Caller Data Retrieval": the PBX asks who is calling before it routes.

GET <caller_lookup_url>?telephone=<caller id>&dnid=<number called>[&token=...]
-> JSON with exactly the nine documented keys, all null for an unknown caller.
It sits in the PBX's call setup path: one indexed query, no session, no ORM models.
"""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from calls.models import Project
from contacts.models import ContactPhone
from contacts.phones import try_normalize

FIELDS = ("id", "name", "queue_position", "direct_line", "backend_link",
          "route_identifier", "outbound_number", "language", "external_id")
DEFAULT_DIRECT_LINE = "SIP/{extension}"


def _project(token: str) -> Project | None:
    if not token:
        return None
    project = Project.objects.only("id", "region", "settings", "lookup_token").filter(
        lookup_token=token).first()
    if project and hmac.compare_digest(project.lookup_token.encode(), token.encode()):
        return project
    return None


def caller_data(project: Project, telephone: str) -> dict:
    result = dict.fromkeys(FIELDS)
    number = try_normalize(telephone, project.region)
    if not number:
        return result
    phone = (
        ContactPhone.objects.filter(project=project, number=number)
        .select_related("contact__owner")
        .order_by("id")
        .first()
    )
    if phone is None:
        return result
    contact = phone.contact
    result["id"] = contact.pk
    result["name"] = contact.name
    result["backend_link"] = contact.crm_url or (
        settings.PUBLIC_BASE_URL + reverse("contact-detail", args=[contact.pk]))
    if contact.owner is not None:
        # Route a known customer straight to their own agent (While1: e.g. SIP/ion-popescu).
        template = project.settings.get("direct_line_format", DEFAULT_DIRECT_LINE)
        result["direct_line"] = template.format(extension=contact.owner.extension)
    return result


@never_cache
@require_GET
def caller_lookup(request: HttpRequest, token: str = "") -> JsonResponse:
    project = _project(token or request.GET.get("token", ""))
    if project is None:
        return JsonResponse({"detail": "unknown or missing token"}, status=403)
    return JsonResponse(caller_data(project, request.GET.get("telephone", "")))
