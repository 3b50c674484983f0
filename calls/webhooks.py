"""Endpoints the PBX calls: call events in.

One base view for every vendor, in the manner of django-anymail's tracking
webhooks: find the project by its unguessable URL token, let the vendor's
adapter authenticate and parse the request, hand each event to the service.
No session, no CSRF (the PBX has neither); bad auth is a 403 with nothing applied.
"""

from __future__ import annotations

import hmac

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from calls.models import Project
from calls.pbx.base import InboundRequest
from calls.webhook_service import receive


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
        outcome = receive(project, vendor, inbound_request(request))
        return JsonResponse(outcome.body, status=outcome.status)
