"""The audit trail: who dialled whom, who changed vendor settings."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    at = models.DateTimeField(auto_now_add=True, db_index=True, verbose_name=_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
    )
    action = models.CharField(_("action"), max_length=40, db_index=True)
    object_type = models.CharField(
        max_length=40, blank=True, default="", verbose_name=_("object type")
    )
    object_id = models.CharField(max_length=64, blank=True, default="", verbose_name=_("object id"))
    summary = models.CharField(_("summary"), max_length=500)
    # Which fields changed, never their secret values.
    data = models.JSONField(default=dict, blank=True, verbose_name=_("data"))
    remote_addr = models.GenericIPAddressField(null=True, blank=True, verbose_name=_("remote addr"))

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["actor", "-at"], name="audit_actor")]

    def __str__(self) -> str:
        return self.summary
