"""Pages for people. Views are thin: parse, ask a selector or service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache

from calls.models import Agent
from contacts.models import Contact
from contacts.phones import format_for_people


@login_required
def home(request: HttpRequest) -> HttpResponse:
    agent = Agent.objects.select_related("project").filter(user=request.user).first()
    contacts = []
    if agent:
        rows = (
            Contact.objects.filter(project=agent.project)
            .prefetch_related("phones")
            .order_by("name")[:50]
        )
        region = agent.project.region
        contacts = [
            (c, [(p.number, format_for_people(p.number, region)) for p in c.phones.all()])
            for c in rows
        ]
    return render(request, "calls/home.html", {"agent": agent, "contacts": contacts})


@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """For load balancers: the database answers."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"ok": True})
