"""Contacts import pages (admins) and the CSV export (admins and supervisors)."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.handlers.asgi import ASGIRequest
from django.http import HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from calls import roles
from calls.models import Project
from calls.spreadsheet import SafeWriter
from contacts.imports import services
from contacts.imports.export import export_rows, export_rows_async
from contacts.models import ImportJob


def _admin_only(request: HttpRequest) -> None:
    if not roles.is_admin(request.user):
        raise PermissionDenied


@login_required
def upload(request: HttpRequest) -> HttpResponse:
    _admin_only(request)
    projects = list(Project.objects.order_by("name"))
    error = ""
    if request.method == "POST":
        project = next((p for p in projects if str(p.pk) == request.POST.get("project")), None)
        upload_file = request.FILES.get("file")
        if project is None or upload_file is None:
            error = _("Choose a project and a CSV or XLSX file.")
        else:
            try:
                job = services.create_job(upload=upload_file, project=project, by=request.user)
            except services.ImportRefused as exc:
                error = str(exc)
            else:
                return redirect("contacts-import-job", pk=job.pk)
    recent = ImportJob.objects.select_related("project").order_by("-created_at")[:10]
    return render(
        request,
        "contacts/import.html",
        {"projects": projects, "error": error, "recent": recent},
        status=400 if error else 200,
    )


@login_required
def job_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The preview before confirmation; the progress and summary after."""
    _admin_only(request)
    job = get_object_or_404(ImportJob.objects.select_related("project"), pk=pk)
    context = {"job": job, "region": job.project.region}
    if job.state == ImportJob.State.PREVIEW:
        context["rows"] = services.preview(job)
        context["forecast"] = services.forecast(job)
    return render(request, "contacts/import_job.html", context)


@require_POST
@login_required
def confirm(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    job = get_object_or_404(ImportJob, pk=pk)
    services.confirm(job=job)
    return redirect("contacts-import-job", pk=job.pk)


@login_required
def progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The small fragment the job page polls every 500 ms while the import runs."""
    _admin_only(request)
    job = get_object_or_404(ImportJob.objects.select_related("project"), pk=pk)
    return render(request, "contacts/_import_progress.html", {"job": job})


@login_required
def errors_csv(request: HttpRequest, pk: int) -> HttpResponse:
    _admin_only(request)
    job = get_object_or_404(ImportJob, pk=pk)
    out = io.StringIO()
    writer = SafeWriter(out)  # messages quote the file's own cells
    writer.writerow(["row", "message"])
    for error in job.errors:
        writer.writerow([error.get("row") or "", error.get("message", "")])
    response = HttpResponse("\ufeff" + out.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return response


@login_required
def export_csv(request: HttpRequest) -> HttpResponse:
    if not roles.is_supervisor(request.user):  # admins count as supervisors
        raise PermissionDenied
    projects = Project.objects.all()
    chosen = request.GET.get("project", "")
    if chosen.isascii() and chosen.isdigit() and len(chosen) <= 18:  # a 64-bit id
        project = get_object_or_404(Project, pk=request.GET["project"])
    elif projects.count() == 1:
        project = projects.get()
    else:
        return HttpResponse(
            _("Say which project to export: ?project=<id>."), status=400, content_type="text/plain"
        )
    # Under ASGI a sync iterator would be read whole into memory first: hand it an async one.
    is_asgi = isinstance(request, ASGIRequest)
    rows = export_rows_async(project) if is_asgi else export_rows(project)
    response = StreamingHttpResponse(rows, content_type="text/csv; charset=utf-8")
    name = slugify(project.name) or f"project-{project.pk}"
    response["Content-Disposition"] = f'attachment; filename="contacts-{name}.csv"'
    return response
