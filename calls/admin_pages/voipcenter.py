"""The admin page of a VoipCenter project's switches: function indicators and DID routing;
the PBX account page's view of the live event stream."""

from __future__ import annotations

from datetime import datetime

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.safestring import mark_safe
from django.utils.timezone import localtime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from calls import roles
from calls.models import EventStream, PbxAccount, Project
from calls.pbx.base import PbxError
from calls.pbx.registry import adapter_class
from calls.pbx.voipcenter import DID_ROUTE_LETTERS
from calls.vendor_tools import voipcenter as tools
from pbxportal.crypto import UndecryptableCredentials


class DidRoutesForm(forms.Form):
    """update.php m=did: the VoipCenter ids of the routes; empty ones stay as they are."""

    did = forms.CharField(label=gettext_lazy("DID id"), max_length=20)
    holidays = forms.CharField(label=gettext_lazy("Holidays route"), required=False, max_length=20)
    vacations = forms.CharField(
        label=gettext_lazy("Vacations route"), required=False, max_length=20
    )
    office_hours = forms.CharField(
        label=gettext_lazy("Office hours route"), required=False, max_length=20
    )
    route = forms.CharField(label=gettext_lazy("Route"), required=False, max_length=20)
    backup_route = forms.CharField(
        label=gettext_lazy("Backup route"), required=False, max_length=20
    )

    def clean(self) -> dict:
        data = super().clean()
        for name in DID_ROUTE_LETTERS:
            value = (data.get(name) or "").strip()
            if value and not value.isdigit():
                self.add_error(name, _("A VoipCenter id: digits only."))
        if not any((data.get(name) or "").strip() for name in DID_ROUTE_LETTERS):
            raise forms.ValidationError(_("Fill in at least one route to change."))
        return data

    def routes(self) -> dict[str, str]:
        return {
            n: self.cleaned_data[n].strip()
            for n in DID_ROUTE_LETTERS
            if (self.cleaned_data.get(n) or "").strip()
        }


def has_switches(vendor: str) -> bool:
    """The page is VoipCenter's; any vendor whose adapter reads the same switches gets it."""
    return adapter_class(vendor).offers("list_indicators")


def voipcenter_page(
    model_admin: admin.ModelAdmin, request: HttpRequest, object_id: int
) -> HttpResponse:
    if not roles.is_admin(request.user):
        raise PermissionDenied
    project = get_object_or_404(Project.objects.select_related("pbx_account"), pk=object_id)
    if not has_switches(project.pbx_account.vendor):
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


def stream_status(account: PbxAccount) -> str:
    """The PBX account page's view of its VoipCenter live stream (calls/pbx/voipcenter/listener)."""
    if account.pk is None or not adapter_class(account.vendor).offers("stream_login"):
        return "—"
    stream = EventStream.objects.filter(account=account).first()
    if stream is None:
        return _(
            "Not started: fill in the websocket user, and run the stream process "
            "(manage.py listen_voipcenter)."
        )
    lines = [
        format_html(
            "{} {}",
            stream.get_state_display(),
            _("since %(when)s") % {"when": _when(stream.state_since)},
        ),
        format_html(
            "{}",
            _("%(count)d message(s) received, the last at %(when)s")
            % {"count": stream.messages, "when": _when(stream.last_message_at)},
        ),
    ]
    if stream.last_error:
        lines.append(
            format_html(
                "{}: {}",
                _("Last error at %(when)s") % {"when": _when(stream.last_error_at)},
                # stored by the stream process in the server's language: ours are translated
                _(stream.last_error),
            )
        )
    return format_html_join(mark_safe("<br>"), "{}", ((line,) for line in lines))


def _when(moment: datetime | None) -> str:
    return date_format(localtime(moment), "SHORT_DATETIME_FORMAT") if moment else "—"
