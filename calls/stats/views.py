"""Statistics pages for supervisors: parse the period, ask the selectors, render."""

from __future__ import annotations

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.translation import gettext as _

from calls.models import Project
from calls.stats import export, working_day
from calls.stats.access import supervisors_only
from calls.stats.period import PRESETS, parse_period
from calls.stats.selectors import Statistics, call_statistics, calls_in


def _chosen(request: HttpRequest) -> tuple[Statistics, list[Project]]:
    projects = list(Project.objects.order_by("name"))
    wanted = request.GET.get("project", "")
    project = next((p for p in projects if str(p.pk) == wanted), None)
    return call_statistics(parse_period(request.GET), project), projects


def _charts(stats: Statistics) -> dict:
    return {
        "series": {
            "labels": [export.bucket_label(b.start) for b in stats.series],
            "answered": [b.answered for b in stats.series],
            "unanswered": [b.unanswered for b in stats.series],
            "answeredLabel": _("Answered"),
            "unansweredLabel": _("Not answered"),
        },
        "agents": {
            "labels": [row.label for row in stats.agents],
            "rates": [round(row.numbers.answer_rate or 0, 1) for row in stats.agents],
            "rateLabel": _("Answer rate (%)"),
        },
    }


@supervisors_only
def statistics_page(request: HttpRequest) -> HttpResponse:
    stats, projects = _chosen(request)
    query = stats.period.query()
    if stats.project is not None:
        query["project"] = str(stats.project.pk)
    tables = {kind: export.table(stats, kind) for kind in export.KINDS}
    context = {
        "stats": stats,
        "projects": projects,
        "presets": PRESETS,
        "charts": _charts(stats),
        "tables": tables,
        "totals": list(
            zip(export.numbers_header(), export.numbers_cells(stats.totals), strict=True)
        ),
        "exports": {kind: urlencode({**query, "kind": kind}) for kind in export.KINDS},
    }
    day = working_day.working_day(
        calls_in(stats.period, stats.project), stats.period, stats.project
    )
    context["day"] = day
    context["day_tables"] = {kind: working_day.table(day, kind) for kind in working_day.KINDS}
    context["day_exports"] = {
        kind: urlencode({**query, "kind": kind}) for kind in working_day.KINDS
    }
    return render(request, "stats/statistics.html", context)


@supervisors_only
def statistics_csv(request: HttpRequest) -> HttpResponse:
    """GET /stats/export.csv?period=...&kind=agents|projects|series|outcomes|agent_time"""
    kind = request.GET.get("kind", "agents")
    if kind not in (*export.KINDS, *working_day.KINDS):
        kind = "agents"
    stats, _projects = _chosen(request)
    if kind in working_day.KINDS:
        calls = calls_in(stats.period, stats.project)
        day = working_day.working_day(calls, stats.period, stats.project)
        return working_day.csv_response(day, stats.period, kind)
    return export.csv_response(stats, kind)
