"""Step 1, received: the endpoints the PBX calls, ``/hooks/<vendor>/<token>/``.

One base view for every vendor, in the manner of django-anymail's tracking
webhooks: find the project by its unguessable URL token and hand the request to
intake.py, which has the vendor's adapter authenticate it and stores it for the applier.
No session, no CSRF (the PBX has neither); bad auth is a 403 with nothing stored queued.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterator, Mapping

from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from calls.events.intake import receive
from calls.events.projects import recent_projects
from calls.models import Project
from calls.pbx.base import InboundRequest


def inbound_request(request: HttpRequest) -> InboundRequest:
    """The request for the adapters. Query and form are parsed only if an adapter reads
    them: queueing an event needs neither, and parsing was a tenth of its cost."""
    form_encoded = request.content_type == "application/x-www-form-urlencoded"
    return InboundRequest(
        method=request.method or "GET",
        path=request.path,
        query=LazyParams(lambda: request.GET),
        form=LazyParams(lambda: request.POST if form_encoded else QueryDict()),
        body=request.body,
        headers={k.lower(): v for k, v in request.headers.items()},
        remote_addr=request.META.get("REMOTE_ADDR", ""),
        query_string=request.META.get("QUERY_STRING", ""),
    )


class LazyParams(Mapping):
    """name -> list of values of a QueryDict, read on first use."""

    def __init__(self, load: Callable[[], QueryDict]) -> None:
        self._load = load
        self._data: dict[str, list[str]] | None = None

    def _params(self) -> dict[str, list[str]]:
        if self._data is None:
            loaded = self._load()
            self._data = {key: loaded.getlist(key) for key in loaded}
        return self._data

    def __getitem__(self, key: str) -> list[str]:
        return self._params()[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self._params())

    def __len__(self) -> int:
        return len(self._params())


def project_for_token(vendor: str, token: str) -> Project | None:
    if "\x00" in token:  # PostgreSQL refuses a NUL in a query (a 500): no project has one
        return None
    key = ("hook", vendor, token)
    project = recent_projects.get(key)
    if project is None:
        project = (
            Project.objects.select_related("pbx_account")
            .filter(webhook_token=token, pbx_account__vendor=vendor)
            .first()
        )
        if project is not None:
            # Kept from the database read only, never refreshed by a hit: a token
            # rotated elsewhere must expire even while the PBX keeps using it.
            recent_projects.put(key, project)
    # The lookup used the index (or the cache, keyed by it); compare again in constant
    # time so timing says nothing.
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
        if outcome.empty:
            return HttpResponse(b"", status=outcome.status, content_type="text/plain")
        return JsonResponse(outcome.body, status=outcome.status)
