"""What agents do around calls: dispositions, pauses and their history, callback tasks."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from calls.models.setup import Agent, Availability, Project


class Disposition(models.Model):
    """An outcome an agent picks after a call ("Sale", "Call back later"), per project."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="dispositions", verbose_name=_("project")
    )
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("disposition")
        verbose_name_plural = _("dispositions")
        ordering = ["project", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="disposition_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class PauseReason(models.Model):
    """Why an agent pauses ("Break", "Training"), per project."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="pause_reasons", verbose_name=_("project")
    )
    name = models.CharField(_("name"), max_length=80)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("pause reason")
        verbose_name_plural = _("pause reasons")
        ordering = ["project", "position", "name"]
        constraints = [
            models.UniqueConstraint(fields=["project", "name"], name="pause_reason_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class AgentStateChange(models.Model):
    """The agent became Ready or Paused at ``at``: the statistics' time ready and paused
    are the gaps between an agent's rows."""

    agent = models.ForeignKey(
        Agent, on_delete=models.CASCADE, related_name="state_changes", verbose_name=_("agent")
    )
    availability = models.CharField(_("availability"), max_length=10, choices=Availability.choices)
    # The reason's name as it was: renaming or deleting a reason leaves history alone.
    reason = models.CharField(_("pause reason"), max_length=80, blank=True, default="")
    at = models.DateTimeField(_("at"))

    class Meta:
        verbose_name = _("agent state change")
        verbose_name_plural = _("agent state changes")
        ordering = ["agent", "at", "id"]
        indexes = [models.Index(fields=["agent", "at"], name="agent_state_at")]

    def __str__(self) -> str:
        return f"{self.agent_id} {self.availability} {self.at:%Y-%m-%d %H:%M}"


class CallbackReason(models.TextChoices):
    REACHED = "reached", _("Customer reached")
    CALLED_BACK = "called_back", _("Customer called back")
    DISMISSED = "dismissed", _("Dismissed")


class Callback(models.Model):
    """A missed inbound call waiting for an agent to call the customer back."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="callbacks", verbose_name=_("project")
    )
    number = models.CharField(_("number"), max_length=20)
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("contact"),
    )
    missed_call = models.ForeignKey(
        "calls.Call",
        on_delete=models.CASCADE,
        related_name="callbacks_opened",
        verbose_name=_("missed call"),
    )
    missed_count = models.PositiveSmallIntegerField(_("missed calls"), default=1)
    # A callback an agent scheduled after a call: call at this time; empty for a missed
    # call, which is due at once.
    due_at = models.DateTimeField(_("due at"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        Agent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="callbacks_assigned",
        verbose_name=_("assigned to"),
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    last_attempt_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last attempt at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    closed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("closed at"))
    closed_reason = models.CharField(
        max_length=20,
        choices=CallbackReason.choices,
        blank=True,
        default="",
        verbose_name=_("closed reason"),
    )
    closed_by_call = models.ForeignKey(
        "calls.Call",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by call"),
    )

    class Meta:
        verbose_name = _("callback")
        verbose_name_plural = _("callbacks")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["project", "closed_at", "-created_at"], name="callback_open"),
            models.Index(fields=["project", "number"], name="callback_number"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.missed_count})"

    @property
    def is_open(self) -> bool:
        return self.closed_at is None
