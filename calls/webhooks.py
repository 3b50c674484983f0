"""Endpoints the PBX calls: call events in.

One base view for every vendor, in the manner of django-anymail's tracking
webhooks: find the project by its unguessable URL token, let the vendor's
adapter authenticate and parse the request, hand each event to the service.
No session, no CSRF (the PBX has neither); bad auth is a 403 with nothing applied.
"""

from __future__ import annotations

import hmac
import logging

from django.db import DatabaseError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from calls.adapters import adapter_for
from calls.event_service import apply_event
from calls.models import Project
from calls.pbx.base import InboundRequest, WebhookAuthError

log = logging.getLogger("calls.webhooks")


def inbound_request(request: HttpRequest) -> InboundRequest:
    form = request.POST if request.content_type == "application/x-www-form-urlencoded" else {}
    return InboundRequest(
        method=request.method or "GET",
        path=request.path,
        query={k: request.GET.getlist(k) for k in request.GET},
        form={k: form.getlist(k) for k in form},
        body=request.body,
        headers={k.lower(): v for k, v in request.headers.items()},
        remote_addr=request.META.get("REMOTE_ADDR", ""),
    )


def project_for_token(vendor: str, token: str) -> Project | None:
    project = (
        Project.objects.select_related("pbx_account")
        .filter(webhook_token=token, pbx_account__vendor=vendor)
        .first()
    )
    # The lookup used the index; compare again in constant time so timing says nothing.
    if project and hmac.compare_digest(project.webhook_token.encode(), token.encode()):
        return project
    return None


@method_decorator(csrf_exempt, name="dispatch")
class EventWebhook(View):
    http_method_names = ["get", "post"]

    def get(self, request: HttpRequest, vendor: str, token: str) -> HttpResponse:
        return self.post(request, vendor, token)

    def post(self, request: HttpRequest, vendor: str, token: str) -> HttpResponse:
        project = project_for_token(vendor, token)
        if project is None:
            return JsonResponse({"detail": "unknown webhook address"}, status=403)
        adapter = adapter_for(project)
        inbound = inbound_request(request)
        try:
            adapter.validate_request(inbound)
        except WebhookAuthError as exc:
            log.warning("webhook for project %s refused: %s", project.pk, exc)
            return JsonResponse({"detail": "authentication failed"}, status=403)
        events = adapter.parse_events(inbound)
        applied = 0
        try:
            for event in events:
                result = apply_event(project=project, vendor=vendor, event=event)
                applied += 0 if result.duplicate else 1
        except DatabaseError:
            # A 5xx makes the PBX send the event again; the dedupe key absorbs any repeat.
            log.exception("webhook for project %s not stored", project.pk)
            return JsonResponse({"detail": "try again"}, status=503)
        return JsonResponse({"received": len(events), "applied": applied})
