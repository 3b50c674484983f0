"""Endpoints the PBX calls: call events in.

One base view for every vendor, in the manner of django-anymail's tracking
webhooks: find the project by its unguessable URL token, let the vendor's
adapter authenticate and parse the request, hand each event to the service.
No session, no CSRF (the PBX has neither); bad auth is a 403 with nothing applied.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable, Iterator, Mapping

from django.db.models.signals import post_delete, post_save
from django.http import HttpRequest, HttpResponse, JsonResponse, QueryDict
from django.utils.decorators import method_decorator
from django.views import View
from django.views.decorators.csrf import csrf_exempt

from calls.models import PbxAccount, Project
from calls.pbx.base import InboundRequest
from calls.webhook_service import receive


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


class RecentProjects:
    """Projects by URL token, kept a few seconds in this process.

    Every event request starts by finding its project; the PBX sends bursts, so
    the same few tokens come again and again. A saved or deleted project or PBX
    account empties this process's cache at once (the signals below); other
    worker processes drop an entry after ``ttl`` seconds, so a rotated token
    stops working everywhere within ``ttl`` and a new one works at once (a miss
    always asks the database). Unknown tokens are never kept.
    """

    def __init__(self, ttl: float = 5.0, size: int = 1000) -> None:
        self.ttl = ttl
        self.size = size
        self._entries: dict[tuple[str, ...], tuple[float, Project]] = {}

    def get(self, key: tuple[str, ...]) -> Project | None:
        entry = self._entries.get(key)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            self._entries.pop(key, None)
            return None
        return entry[1]

    def put(self, key: tuple[str, ...], project: Project) -> None:
        if len(self._entries) >= self.size:
            self._entries.clear()  # crude but bounded: real deployments have few projects
        self._entries[key] = (time.monotonic() + self.ttl, project)

    def clear(self, **_: object) -> None:
        self._entries.clear()


recent_projects = RecentProjects()
for _model in (Project, PbxAccount):
    post_save.connect(recent_projects.clear, sender=_model, dispatch_uid=f"recent-{_model}")
    post_delete.connect(recent_projects.clear, sender=_model, dispatch_uid=f"gone-{_model}")


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
