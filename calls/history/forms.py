"""The history filter form and the outcome form of a call's page."""

from __future__ import annotations

from django import forms
from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.utils.translation import gettext_lazy as _

from calls import roles
from calls.history.selectors import HistoryFilters, Sort
from calls.history.services import NOTE_MAX_LENGTH
from calls.models import Agent, Call, CallDirection, CallStatus, Disposition, Project

_ANY = [("", _("Any"))]


class AgentChoice(forms.ModelChoiceField):
    def label_from_instance(self, obj: Agent) -> str:
        return obj.user.get_full_name() or obj.user.get_username()


class HistoryFilterForm(forms.Form):
    date_from = forms.DateField(
        label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    date_to = forms.DateField(
        label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    agent = AgentChoice(
        label=_("Agent"), required=False, empty_label=_("Any"), queryset=Agent.objects.none()
    )
    project = forms.ModelChoiceField(
        label=_("Project"), required=False, empty_label=_("Any"), queryset=Project.objects.all()
    )
    direction = forms.ChoiceField(
        label=_("Direction"), required=False, choices=_ANY + CallDirection.choices
    )
    status = forms.ChoiceField(label=_("Status"), required=False, choices=_ANY + CallStatus.choices)
    number = forms.CharField(
        label=_("Number"),
        required=False,
        max_length=40,
        widget=forms.TextInput(attrs={"placeholder": _("Any format, or a part")}),
    )
    contact = forms.CharField(
        label=_("Contact"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"placeholder": _("Name or contact id")}),
    )
    sort = forms.ChoiceField(label=_("Sort"), required=False, choices=Sort.choices)

    def __init__(self, *args, user: AbstractBaseUser | AnonymousUser, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.floor_wide = roles.is_supervisor(user)
        if self.floor_wide:
            self.fields["agent"].queryset = Agent.objects.select_related("user", "project")
        else:
            # An agent's history is forced to their own calls: no agent/project to pick.
            del self.fields["agent"]
            del self.fields["project"]

    def clean(self) -> dict:
        data = super().clean()
        start, end = data.get("date_from"), data.get("date_to")
        if start and end and start > end:
            self.add_error("date_to", _("“To” is before “From”; swap the dates."))
        return data

    def filters(self) -> HistoryFilters:
        """The valid filters (call after is_valid(); invalid fields count as empty)."""
        data = getattr(self, "cleaned_data", {})
        return HistoryFilters(
            date_from=data.get("date_from"),
            date_to=data.get("date_to"),
            agent=data.get("agent"),
            project=data.get("project"),
            direction=data.get("direction") or "",
            status=data.get("status") or "",
            number=data.get("number") or "",
            contact=data.get("contact") or "",
            sort=data.get("sort") or Sort.NEWEST,
        )


class OutcomeForm(forms.Form):
    disposition = forms.ModelChoiceField(
        label=_("Outcome"), required=False, empty_label="—", queryset=Disposition.objects.none()
    )
    note = forms.CharField(
        label=_("Note"),
        required=False,
        max_length=NOTE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 4}),
    )

    def __init__(self, *args, call: Call, **kwargs) -> None:
        kwargs.setdefault("initial", {"disposition": call.disposition_id, "note": call.note})
        super().__init__(*args, **kwargs)
        # The project's active outcomes, plus the call's current one if since retired.
        offered = Disposition.objects.filter(project_id=call.project_id, is_active=True)
        if call.disposition_id:
            offered = offered | Disposition.objects.filter(pk=call.disposition_id)
        self.fields["disposition"].queryset = offered.order_by("position", "name")
