"""The log of requests PBXs sent to our webhooks."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from calls.models.setup import Project
from calls.pbx.registry import vendor_choices


class WebhookVerdict(models.TextChoices):
    QUEUED = "queued", _("Queued (not applied yet)")
    ACCEPTED = "accepted", _("Accepted")
    REFUSED = "refused", _("Refused (authentication)")
    FAILED = "failed", _("Failed (processing error)")


class WebhookRequest(models.Model):
    """Every request a PBX sent to a project's webhook, kept as received (secrets masked).

    The webhook view stores an authenticated request as ``queued`` and answers the PBX;
    the event applier (calls/events/applier.py) then parses it, applies its events and
    marks it ``accepted`` (or ``failed``). Admins read it as the project's "recent logs"
    and can replay one after a fix; replays are safe because each event's dedupe key is
    applied once.
    """

    project = models.ForeignKey(
        Project,
        on_delete=models.CASCADE,
        related_name="webhook_requests",
        verbose_name=_("project"),
        db_index=False,  # webhookrequest_recent (project, -received_at) serves project lookups
    )
    vendor = models.CharField(max_length=20, choices=vendor_choices, verbose_name=_("vendor"))
    received_at = models.DateTimeField(auto_now_add=True, verbose_name=_("received at"))
    method = models.CharField(max_length=8, verbose_name=_("method"))
    query = models.TextField(blank=True, default="", verbose_name=_("query"))
    headers = models.JSONField(default=dict, verbose_name=_("headers"))
    body = models.TextField(blank=True, default="", verbose_name=_("body"))
    remote_addr = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("remote addr"))
    verdict = models.CharField(
        max_length=10, choices=WebhookVerdict.choices, verbose_name=_("verdict")
    )
    events = models.PositiveSmallIntegerField(default=0, verbose_name=_("events"))
    applied = models.PositiveSmallIntegerField(default=0, verbose_name=_("applied"))
    error = models.TextField(blank=True, default="", verbose_name=_("error"))
    applied_at = models.DateTimeField(null=True, blank=True, verbose_name=_("applied at"))

    class Meta:
        verbose_name = _("webhook request")
        verbose_name_plural = _("webhook requests")
        ordering = ["-received_at", "-id"]
        indexes = [
            models.Index(fields=["project", "-received_at"], name="webhookrequest_recent"),
            # The applier's queue: only the few rows still waiting are in it.
            models.Index(fields=["id"], condition=Q(verdict="queued"), name="webhookrequest_queue"),
        ]

    def __str__(self) -> str:
        return f"{self.method} {self.vendor} {self.received_at:%Y-%m-%d %H:%M:%S} {self.verdict}"
