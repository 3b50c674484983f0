"""The admin page of a VoipCenter project's switches: function indicators and DID routing."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.translation import gettext as _

from calls import roles
from calls.admin_pages.forms import DidRoutesForm
from calls.models import Project, Vendor
from calls.pbx.base import PbxError
from calls.vendor_tools import voipcenter as tools
from pbxportal.crypto import UndecryptableCredentials


def voipcenter_page(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: int
) -> HttpResponse:
    if not roles.is_admin(request.user):
        raise PermissionDenied
    project = get_object_or_404(Project.objects.select_related("pbx_account"), pk=object_id)
    if project.pbx_account.vendor != Vendor.VOIPCENTER:
        raise Http404(_("This project does not use VoipCenter."))
    form = DidRoutesForm(request.POST or None) if "did" in request.POST else DidRoutesForm()
    if request.method == "POST":
        result = _apply(project, request, form)
        if result is not None:
            level = messages.SUCCESS if result.ok else messages.ERROR
            model_admin.message_user(request, result.message, level)
            return HttpResponseRedirect(request.path)
    context = {
        **model_admin.admin_site.each_context(request),
        "opts": Project._meta,
        "original": project,
        "title": _("VoipCenter switches of %(name)s") % {"name": project.name},
        "form": form,
        "change_url": reverse("admin:calls_project_change", args=[project.pk]),
        **_read(project),
    }
    return TemplateResponse(request, "admin/calls/project/voipcenter.html", context)


def _apply(project: Project, request: HttpRequest, form: DidRoutesForm):
    if "indicator" in request.POST:
        on = request.POST.get("on") == "1"
        return tools.set_indicator(
            project, request.POST["indicator"].strip(), on, actor=request.user, request=request
        )
    if form.is_bound and form.is_valid():
        return tools.set_did_routes(
            project,
            form.cleaned_data["did"].strip(),
            form.routes(),
            actor=request.user,
            request=request,
        )
    return None  # an invalid form is shown again with its errors


def _read(project: Project) -> dict:
    """What VoipCenter has now; a refusal is shown in words instead of the lists."""
    try:
        return {"indicators": tools.list_indicators(project), "dids": tools.list_dids(project)}
    except PbxError as exc:
        return {"indicators": [], "dids": [], "vendor_error": exc.message}
    except UndecryptableCredentials as exc:
        return {"indicators": [], "dids": [], "vendor_error": str(exc)}
