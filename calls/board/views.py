"""The supervisors' live board: a page, and the SSE stream that keeps it current."""

from __future__ import annotations

from collections.abc import AsyncIterator
from functools import partial

from asgiref.sync import sync_to_async
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.views.decorators.http import require_POST

from calls import roles
from calls.board.selectors import board, project_stamp
from calls.live import project_channel
from calls.live.stream import change_stream, event_stream_response, sse
from calls.models import Call, Project
from calls.outbound.hangup import end_call_here, ender_role
from calls.stats.access import supervisors_only


def _project(value: str | None) -> Project | None:
    """The project asked for, or the first one: a supervisor watches the whole floor."""
    projects = Project.objects.order_by("name")
    if value and value.isdigit():
        chosen = projects.filter(pk=int(value)).first()
        if chosen is not None:
            return chosen
    return projects.first()


@supervisors_only
def board_page(request: HttpRequest) -> HttpResponse:
    project = _project(request.GET.get("project"))
    context = {
        "projects": Project.objects.order_by("name"),
        "project": project,
        "board": board(project) if project else None,
    }
    return render(request, "board/board.html", context)


def board_fragment(project_id: int, notice: str = "") -> str:
    project = Project.objects.get(pk=project_id)
    return render_to_string("board/_board.html", {"board": board(project), "notice": notice})


@require_POST
@supervisors_only
def end_call(request: HttpRequest, pk: int) -> HttpResponse:
    """ "End call" on an agent's row: the supervisor ends it in pbxportal; the board back."""
    call = Call.objects.select_related("agent").filter(pk=pk).first()
    role = ender_role(request.user, call) if call is not None else None
    if call is None or role is None:
        raise Http404
    ended = end_call_here(call=call, by=request.user, role=role)
    return HttpResponse(board_fragment(call.project_id, ended.message))


def board_events(project_id: int) -> AsyncIterator[str]:
    """The board fragment now, then again whenever the project's calls change."""
    return change_stream(
        project_channel(project_id),
        partial(project_stamp, project_id),
        lambda: sse("board", board_fragment(project_id)),
    )


def _allowed_project(user, value: str | None) -> int | None:
    if not roles.is_supervisor(user):
        return None
    project = _project(value)
    return project.pk if project else None


async def board_stream(request: HttpRequest) -> HttpResponse:
    """GET /board/live/?project=<id>: one stream per open board; a reconnect gets it all."""
    user = await request.auser()
    if not user.is_authenticated:
        return HttpResponse(status=403)
    project_id = await sync_to_async(_allowed_project)(user, request.GET.get("project"))
    if project_id is None:
        status = 404 if await sync_to_async(roles.is_supervisor)(user) else 403
        return HttpResponse(status=status)
    return event_stream_response(board_events(project_id))
