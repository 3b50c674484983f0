"""Callback pages: agents work their project's list, supervisors see every project."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from calls import roles
from calls.callbacks import selectors, services
from calls.dialer.card import call_card_context
from calls.models import Agent, Callback, Project
from calls.workday.views import local_time, row_id


def _agent(request: HttpRequest) -> Agent | None:
    return Agent.objects.select_related("project").filter(user=request.user).first()


def _list_context(request: HttpRequest, agent: Agent | None) -> dict:
    """Supervisors choose a project (all by default); agents see their own project only."""
    compact = request.GET.get("compact") == "1" or request.POST.get("compact") == "1"
    limit = selectors.COMPACT_LIMIT if compact else selectors.LIST_LIMIT
    if roles.is_supervisor(request.user):
        projects = list(Project.objects.order_by("name"))
        chosen = next((p for p in projects if str(p.pk) == request.GET.get("project")), None)
        found = selectors.for_supervisor(chosen, limit=limit)
        found = selectors.CallbackList(found.callbacks, found.total, can_call=agent is not None)
        agents = Agent.objects.select_related("user").order_by("user__first_name", "user__username")
        return {
            "callback_list": found,
            "projects": projects,
            "chosen": chosen,
            "compact": compact,
            "assignable": list(agents),
        }
    if agent is None or not roles.is_agent(request.user):
        raise Http404
    return {"callback_list": selectors.for_agent(agent, limit=limit), "compact": compact}


@login_required
def callback_page(request: HttpRequest) -> HttpResponse:
    agent = _agent(request)
    context = _list_context(request, agent)
    if agent is not None:
        context.update(call_card_context(agent), agent=agent)
    return render(request, "callbacks/list.html", context)


@login_required
def callback_rows(request: HttpRequest) -> HttpResponse:
    """The list alone: refreshed when a call changes, and after a dismiss."""
    return render(request, "callbacks/_list.html", _list_context(request, _agent(request)))


@never_cache
@login_required
def callback_count(request: HttpRequest) -> JsonResponse:
    """The nav badge's number, asked again when a call changes and every half minute."""
    count = selectors.badge_count(request.user)
    if count is None:
        raise Http404
    return JsonResponse({"open": count})


def _callback_or_404(request: HttpRequest, agent: Agent | None, pk: int) -> Callback:
    callbacks = Callback.objects.select_related("project")
    if not roles.is_supervisor(request.user):
        if agent is None:
            raise Http404
        callbacks = callbacks.filter(project=agent.project)
    callback = callbacks.filter(pk=pk).first()
    if callback is None:
        raise Http404
    return callback


@require_POST
@login_required
def schedule_callback(request: HttpRequest, pk: int) -> HttpResponse:
    """ "Later…": a time to call back, and who (a supervisor picks; an agent takes it)."""
    agent = _agent(request)
    callback = _callback_or_404(request, agent, pk)
    assigned_to = agent
    if roles.is_supervisor(request.user):
        wanted = request.POST.get("assigned_to", "")
        assigned_to = Agent.objects.filter(pk=row_id(wanted)).first() if row_id(wanted) else None
    error = ""
    due_at = local_time(request.POST.get("due_at", ""))
    try:
        if due_at is None:
            raise services.CallbackRefused(_("Pick the day and time to call back."))
        services.reschedule(
            callback=callback, due_at=due_at, assigned_to=assigned_to, by=request.user
        )
    except services.CallbackRefused as exc:
        error = str(exc)
    context = _list_context(request, agent)
    return render(request, "callbacks/_list.html", {**context, "error": error})


@require_POST
@login_required
def dismiss_callback(request: HttpRequest, pk: int) -> HttpResponse:
    agent = _agent(request)
    callback = _callback_or_404(request, agent, pk)
    error = ""
    try:
        services.dismiss(callback=callback, by=request.user)
    except services.CallbackRefused as exc:
        error = str(exc)
    context = _list_context(request, agent)
    return render(request, "callbacks/_list.html", {**context, "error": error})
