"""The agent's own controls: Ready / Paused in the header, the wrap-up form on the card."""

from __future__ import annotations

import contextlib
from datetime import datetime

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_POST

from calls.auth_backend import agent_of
from calls.dialer.card import call_card_context
from calls.models import Agent, Call, Disposition, PauseReason
from calls.workday import availability, wrapup


def row_id(value: str) -> int | None:
    """A primary key from a form, or None: plain ASCII digits that fit a 64-bit column
    ('²' passes isdigit(), and a 30-digit number overflows the database's integer)."""
    if not value.isascii() or not value.isdigit() or len(value) > 18:
        return None
    return int(value)


def _agent(request: HttpRequest) -> Agent:
    agent = agent_of(request.user)
    if agent is None:
        raise Http404
    return agent


@require_POST
@login_required
def set_availability(request: HttpRequest) -> HttpResponse:
    """POST state=ready | paused | paused:<reason id>, from the header's menu; back where
    the agent was (an API client has /api/v1/me/availability/)."""
    agent = _agent(request)
    state, _sep, reason_id = request.POST.get("state", "").partition(":")
    reason = None
    if row_id(reason_id):
        reason = PauseReason.objects.filter(pk=row_id(reason_id)).first()
    # The menu offers only what may be chosen: a refusal is a forged request, and the
    # page it returns to shows the state as it is.
    with contextlib.suppress(availability.AvailabilityRefused):
        availability.set_availability(agent=agent, availability=state, reason=reason)
    back = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(back, {request.get_host()}, request.is_secure()):
        back = "/"
    return redirect(back)


@require_POST
@login_required
def wrap_up(request: HttpRequest, pk: int) -> HttpResponse:
    """Save (or skip) the outcome of the call on the card; the card comes back."""
    agent = _agent(request)
    call = Call.objects.filter(pk=pk, agent=agent).select_related("contact").first()
    if call is None:
        raise Http404
    disposition = None
    if row_id(request.POST.get("disposition", "")):
        disposition = Disposition.objects.filter(pk=row_id(request.POST["disposition"])).first()
    error = ""
    try:
        wrapup.finish(
            call=call,
            agent=agent,
            disposition=disposition,
            note=request.POST.get("note", ""),
            by=request.user,
            callback_at=local_time(request.POST.get("callback_at", "")),
            skip="skip" in request.POST,
        )
    except wrapup.WrapUpRefused as exc:
        error = exc.message
    card = call_card_context(agent, Call.objects.select_related("contact").get(pk=call.pk))
    return render(request, "calls/_call_card.html", {**card, "error": error, "pop": False})


def local_time(value: str) -> datetime | None:
    """A datetime-local field's value, in the site's time zone."""
    try:
        parsed = parse_datetime(value.strip())
        if parsed is None:
            return None
        return timezone.make_aware(parsed) if timezone.is_naive(parsed) else parsed
    except (ValueError, OverflowError):  # not a date, or one at the calendar's very ends
        return None
