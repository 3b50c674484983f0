"""The agent's pages: the dialer, its contacts, and the call card's buttons. Views are
thin: parse, ask a selector or service, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from calls import roles
from calls.auth_backend import agent_of
from calls.callbacks.selectors import dialer_context as callbacks_for_dialer
from calls.dialer.card import call_card_context, latest_calls, recent_calls
from calls.models import Agent, Call, EndedBy
from calls.outbound.hangup import end_call_here as end_here
from calls.outbound.hangup import hangup
from calls.outbound.refused import CallRefused
from calls.outbound.start import start_call as start
from contacts.models import Contact
from contacts.selectors import search_contacts
from contacts.services import ContactRefused, create_contact_for_caller


def _agent(request: HttpRequest) -> Agent | None:
    return agent_of(request.user)  # read with the user by calls.auth_backend


def _own_call(request: HttpRequest, pk: int, *related: str) -> tuple[Agent, Call]:
    """The signed-in agent and one of their own calls; anyone else's call is a 404."""
    agent = _agent(request)
    call = Call.objects.filter(pk=pk, agent=agent).select_related(*related).first()
    if agent is None or call is None:
        raise Http404
    return agent, call


@login_required
def home(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    if agent is None:
        if roles.is_supervisor(request.user):  # admins too: the floor is where they start
            return redirect("board")
        return render(request, "calls/no_agent.html")
    latest = latest_calls(agent)
    context = {
        "agent": agent,
        "contacts": search_contacts(agent.project, ""),
        "region": agent.project.region,
        "tel": request.GET.get("tel", "").removeprefix("tel:")[:40],
        "recent": recent_calls(agent, latest),
        **call_card_context(agent, latest=latest),
        **callbacks_for_dialer(agent),
    }
    return render(request, "calls/dialer.html", context)


@login_required
def contact_search(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    if agent is None:
        raise Http404
    contacts = search_contacts(agent.project, request.GET.get("q", ""))
    return render(
        request, "calls/_contact_rows.html", {"contacts": contacts, "region": agent.project.region}
    )


@login_required
def contact_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The contact card: what the agent sees on a screen-pop or a CRM back-link."""
    agent = _agent(request)
    contacts = Contact.objects.prefetch_related("phones").select_related("project", "owner__user")
    if agent is not None:
        contacts = contacts.filter(project=agent.project)
    elif not roles.is_supervisor(request.user):
        raise Http404
    contact = contacts.filter(pk=pk).first()
    if contact is None:
        raise Http404
    calls = contact.calls.select_related("agent__user").order_by("-requested_at")[:20]
    return render(
        request,
        "contacts/detail.html",
        {"contact": contact, "calls": calls, "region": contact.project.region, "agent": agent},
    )


@require_POST
@login_required
def start_call(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    if agent is None:
        raise Http404
    contact = None
    if request.POST.get("contact", "").isdigit():
        contact = Contact.objects.filter(pk=request.POST["contact"], project=agent.project).first()
    try:
        started = start(
            agent=agent,
            number=request.POST.get("number", ""),
            contact=contact,
            idempotency_key=request.headers.get("Idempotency-Key", "")[:128],
        )
    except CallRefused as exc:
        return render(
            request, "calls/_call_card.html", {**call_card_context(agent), "error": exc.message}
        )
    return render(request, "calls/_call_card.html", call_card_context(agent, started.call))


@require_POST
@login_required
def hangup_call(request: HttpRequest, pk: int) -> HttpResponse:
    agent, call = _own_call(request, pk, "project__pbx_account")
    error, failed = "", False
    try:
        call = hangup(call=call, by=request.user)
    except CallRefused as exc:
        error, failed = exc.message, exc.code in ("hangup_unsupported", "pbx_error")
    card = call_card_context(agent, Call.objects.get(pk=call.pk), hangup_failed=failed)
    return render(request, "calls/_call_card.html", {**card, "error": error})


@require_POST
@login_required
def end_call_here(request: HttpRequest, pk: int) -> HttpResponse:
    """ "I've hung up": the agent ends their own call here when the PBX did not."""
    agent, call = _own_call(request, pk, "agent")
    ended = end_here(call=call, by=request.user, role=EndedBy.AGENT)
    card = call_card_context(agent, Call.objects.get(pk=call.pk))
    return render(request, "calls/_call_card.html", {**card, "notice": ended.message})


@require_POST
@login_required
def create_caller_contact(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Unknown caller — create contact": the number's earlier calls are linked to it too."""
    agent, call = _own_call(request, pk, "project")
    error = ""
    try:
        create_contact_for_caller(
            call=call,
            name=request.POST.get("name", ""),
            company=request.POST.get("company", ""),
            agent=agent,
        )
    except ContactRefused as exc:
        error = str(exc)
    call = Call.objects.select_related("contact").get(pk=call.pk)
    return render(
        request,
        "calls/_call_card.html",
        {**call_card_context(agent, call), "error": error, "pop": False},
    )
