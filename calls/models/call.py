"""Calls and the raw events the PBX sent about them."""

from __future__ import annotations

import uuid

from django.db import models
from django.utils.translation import gettext_lazy as _

from calls.models.setup import Agent, Project
from calls.pbx.registry import vendor_choices


class CallDirection(models.TextChoices):
    OUTBOUND = "outbound", _("Outbound")
    INBOUND = "inbound", _("Inbound")


class CallStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    ORIGINATING = "originating", _("Contacting the PBX")
    AGENT_RINGING = "agent_ringing", _("Your phone is ringing")
    CUSTOMER_RINGING = "customer_ringing", _("Customer's phone is ringing")
    RINGING = "ringing", _("Ringing")
    ANSWERED = "answered", _("Talking")
    COMPLETED = "completed", _("Ended")
    MISSED = "missed", _("Missed")
    NO_ANSWER = "no_answer", _("No answer")
    BUSY = "busy", _("Busy")
    FAILED = "failed", _("Failed")
    CANCELED = "canceled", _("Canceled")


class EndedBy(models.TextChoices):
    """Who ended a call: the PBX's own report, or a person in pbxportal when the PBX
    could not hang up or stayed silent (the call's times may still be corrected by
    late PBX events)."""

    PBX = "", _("The PBX")
    AGENT = "agent", _("The agent, in pbxportal")
    SUPERVISOR = "supervisor", _("A supervisor, in pbxportal")
    ADMIN = "admin", _("An administrator, in pbxportal")
    SYSTEM = "system", _("pbxportal (no word from the PBX)")


TERMINAL_STATUSES = frozenset(
    {
        CallStatus.COMPLETED,
        CallStatus.MISSED,
        CallStatus.NO_ANSWER,
        CallStatus.BUSY,
        CallStatus.FAILED,
        CallStatus.CANCELED,
    }
)


class Call(models.Model):
    """One call, outbound (click-to-call) or inbound, as the product sees it."""

    external_id = models.UUIDField(
        default=uuid.uuid4, unique=True, editable=False, verbose_name=_("external id")
    )
    # No single-column indexes where a composite one starts with the column (the
    # history's call_hist_*, migration 0007, and Meta.indexes): every call is written about
    # seven times, and each write updates every index of the table.
    project = models.ForeignKey(
        Project,
        on_delete=models.PROTECT,
        related_name="calls",
        verbose_name=_("project"),
        db_index=False,
    )
    agent = models.ForeignKey(
        Agent,
        on_delete=models.SET_NULL,
        db_index=False,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("agent"),
    )
    contact = models.ForeignKey(
        "contacts.Contact",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("contact"),
    )
    direction = models.CharField(
        max_length=10, choices=CallDirection.choices, verbose_name=_("direction")
    )
    remote_number = models.CharField(_("number"), max_length=20)
    status = models.CharField(
        max_length=20,
        choices=CallStatus.choices,
        default=CallStatus.QUEUED,
        verbose_name=_("status"),
    )
    vendor_call_id = models.CharField(
        max_length=128, blank=True, default="", verbose_name=_("vendor call id")
    )
    # NULL, not "", when absent: the unique (agent, key) constraint must ignore calls without one.
    idempotency_key = models.CharField(  # noqa: DJ001
        max_length=128, null=True, blank=True, verbose_name=_("idempotency key")
    )
    requested_at = models.DateTimeField(auto_now_add=True, verbose_name=_("requested at"))
    answered_at = models.DateTimeField(null=True, blank=True, verbose_name=_("answered at"))
    ended_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ended at"))
    duration = models.PositiveIntegerField(_("talk time (s)"), null=True, blank=True)
    failure_reason = models.TextField(blank=True, default="", verbose_name=_("failure reason"))
    disposition = models.ForeignKey(
        "calls.Disposition",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="calls",
        verbose_name=_("disposition"),
    )
    note = models.TextField(_("note"), blank=True, default="")
    # When the agent saved or skipped the wrap-up (outcome and note) after the call ended;
    # empty while the card still asks for it.
    wrapped_up_at = models.DateTimeField(_("wrapped up at"), null=True, blank=True, editable=False)
    ended_by = models.CharField(
        _("ended by"), max_length=12, choices=EndedBy.choices, blank=True, default=""
    )
    # The language of the page or API request that placed the call: the worker and
    # housekeeping write this call's failure sentences in it, not in the server's.
    language = models.CharField(
        _("language"), max_length=12, blank=True, default="", editable=False
    )
    # The vendor's own recording address; may carry credentials, so it is only ever
    # fetched server-side behind our permission check, never shown or redirected to.
    recording_url = models.CharField(
        max_length=1000, blank=True, default="", editable=False, verbose_name=_("recording url")
    )
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("call")
        verbose_name_plural = _("calls")
        ordering = ["-requested_at", "-id"]
        indexes = [
            models.Index(fields=["agent", "status"], name="call_agent_status"),
            models.Index(fields=["agent", "-updated_at"], name="call_agent_updated"),
            # "Is this agent on a call?" before every start: the calls in progress only,
            # so the check does not grow with the agent's history.
            models.Index(
                fields=["agent"],
                condition=~models.Q(status__in=sorted(TERMINAL_STATUSES)),
                name="call_agent_active",
            ),
            # Plain B-trees: equality only (the history's partial-number search has its
            # trigram index), so not PostgreSQL's extra LIKE index that db_index=True adds.
            models.Index(fields=["remote_number"], name="call_remote_number"),
            models.Index(fields=["vendor_call_id"], name="call_vendor_call_id"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["agent", "idempotency_key"], name="call_idempotency_unique"
            ),
            # One call in progress per agent, kept by the database: starting a call is one
            # INSERT that this index lets lose a race, not a row lock and a check.
            models.UniqueConstraint(
                fields=["agent"],
                condition=models.Q(direction="outbound")
                & ~models.Q(status__in=sorted(TERMINAL_STATUSES)),
                name="call_one_active_outbound",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_direction_display()} {self.remote_number} ({self.status})"

    @property
    def is_active(self) -> bool:
        return self.status not in TERMINAL_STATUSES


class CallEvent(models.Model):
    """A raw event from the PBX, stored once (dedupe key) before it moves a call."""

    project = models.ForeignKey(
        Project, on_delete=models.CASCADE, related_name="events", verbose_name=_("project")
    )
    call = models.ForeignKey(
        Call,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="events",
        verbose_name=_("call"),
    )
    vendor = models.CharField(max_length=20, choices=vendor_choices, verbose_name=_("vendor"))
    dedupe_key = models.CharField(max_length=255, verbose_name=_("dedupe key"))
    kind = models.CharField(max_length=20, verbose_name=_("kind"))
    payload = models.JSONField(default=dict, verbose_name=_("payload"))
    occurred_at = models.DateTimeField(null=True, blank=True, verbose_name=_("occurred at"))
    received_at = models.DateTimeField(
        auto_now_add=True, db_index=True, verbose_name=_("received at")
    )

    class Meta:
        verbose_name = _("call event")
        verbose_name_plural = _("call events")
        ordering = ["received_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["vendor", "dedupe_key"], name="callevent_dedupe_unique")
        ]

    def __str__(self) -> str:
        return f"{self.vendor} {self.kind} {self.dedupe_key}"
