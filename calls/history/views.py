"""History pages. Thin: parse the request, ask selectors/services, render."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from calls import roles
from calls.history import selectors
from calls.history.export import csv_chunks, export_filename
from calls.history.forms import HistoryFilterForm, OutcomeForm
from calls.history.recording import RecordingUnavailable, open_recording
from calls.history.services import OutcomeRefused, set_outcome
from calls.history.streaming import streaming_response
from calls.models import Call


def _filtered(
    request: HttpRequest,
) -> tuple[HistoryFilterForm, selectors.HistoryFilters, QuerySet[Call]]:
    form = HistoryFilterForm(request.GET or None, user=request.user)
    form.is_valid()
    filters = form.filters()
    region = selectors.region_for(filters, request.user)
    calls = selectors.filter_calls(selectors.visible_calls(request.user), filters, region)
    return form, filters, calls


@login_required
def history(request: HttpRequest) -> HttpResponse:
    form, filters, calls = _filtered(request)
    page = selectors.history_page(calls, filters.sort, request.GET.get("after", ""))
    query = request.GET.copy()
    query.pop("after", None)
    next_query = query.copy()
    next_query["after"] = page.next_cursor
    return render(
        request,
        "history/list.html",
        {
            "form": form,
            "page": page,
            "first_page": bool(request.GET.get("after")),
            "query": query.urlencode(),
            "next_query": next_query.urlencode() if page.next_cursor else "",
            "floor_wide": form.floor_wide,
        },
    )


@login_required
def export_csv(request: HttpRequest) -> HttpResponse:
    _form, filters, calls = _filtered(request)
    chunks = csv_chunks(selectors.ordered(calls, filters.sort))
    response = streaming_response(request, chunks, "text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{export_filename()}"'
    return response


def _call_or_404(request: HttpRequest, pk: int) -> Call:
    call = selectors.call_for(request.user, pk)
    if call is None:
        raise Http404
    return call


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    call = _call_or_404(request, pk)
    return _render_detail(request, call, OutcomeForm(call=call))


def _render_detail(
    request: HttpRequest, call: Call, form: OutcomeForm, error: str = "", status: int = 200
) -> HttpResponse:
    is_admin = roles.is_admin(request.user)
    context = {
        "call": call,
        "region": call.project.region,
        "timeline": selectors.timeline(call),
        "webhook_entries": selectors.webhook_entries(call) if is_admin else [],
        "show_webhooks": is_admin,
        "can_edit": selectors.can_edit_outcome(request.user, call),
        "outcome_form": form,
        "error": error,
        "saved": request.GET.get("saved") == "1",
    }
    return render(request, "history/detail.html", context, status=status)


@require_POST
@login_required
def save_outcome(request: HttpRequest, pk: int) -> HttpResponse:
    call = _call_or_404(request, pk)
    if not selectors.can_edit_outcome(request.user, call):
        raise Http404
    form = OutcomeForm(request.POST, call=call)
    if not form.is_valid():
        return _render_detail(request, call, form, status=400)
    try:
        set_outcome(
            call=call,
            disposition=form.cleaned_data["disposition"],
            note=form.cleaned_data["note"],
            by=request.user,
        )
    except OutcomeRefused as exc:
        return _render_detail(request, call, form, error=exc.message, status=400)
    return redirect(reverse("history-detail", args=[call.pk]) + "?saved=1")


@login_required
def recording(request: HttpRequest, pk: int) -> HttpResponse:
    call = _call_or_404(request, pk)
    if not call.recording_url:
        raise Http404
    try:
        file = open_recording(call.recording_url, call_id=call.pk)
    except RecordingUnavailable:
        message = _(
            "The PBX did not hand over this recording just now. Try again in a minute; "
            "if it keeps failing, ask an administrator to check the PBX account."
        )
        return HttpResponse(message, status=502, content_type="text/plain; charset=utf-8")
    response = streaming_response(request, file.chunks, file.content_type)
    response["Content-Disposition"] = f'inline; filename="call-{call.pk}.{file.extension}"'
    response["Cache-Control"] = "private, no-store"
    if file.length.isdigit():
        response["Content-Length"] = file.length
    return response
