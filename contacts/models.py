"""Contacts of a project and their phone numbers, stored in E.164 and indexed."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Contact(models.Model):
    project = models.ForeignKey(
        "calls.Project",
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("project"),
    )
    name = models.CharField(_("name"), max_length=200)
    company = models.CharField(_("company"), max_length=200, blank=True, default="")
    crm_url = models.URLField(_("CRM link"), max_length=500, blank=True, default="")
    owner = models.ForeignKey(
        "calls.Agent",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="owned_contacts",
        verbose_name=_("owning agent"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("contact")
        verbose_name_plural = _("contacts")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["project", "name"], name="contact_project_name")]

    def __str__(self) -> str:
        return f"{self.name} ({self.company})" if self.company else self.name


class ContactPhone(models.Model):
    """One number of a contact. ``project`` is repeated here so caller lookup is one index probe."""

    contact = models.ForeignKey(
        Contact, on_delete=models.CASCADE, related_name="phones", verbose_name=_("contact")
    )
    project = models.ForeignKey(
        "calls.Project", on_delete=models.CASCADE, related_name="+", verbose_name=_("project")
    )
    number = models.CharField(_("number (E.164)"), max_length=20)
    label = models.CharField(_("label"), max_length=40, blank=True, default="")

    class Meta:
        verbose_name = _("phone number")
        verbose_name_plural = _("phone numbers")
        ordering = ["id"]
        indexes = [models.Index(fields=["project", "number"], name="contactphone_lookup")]
        constraints = [
            models.UniqueConstraint(fields=["contact", "number"], name="contactphone_unique")
        ]

    def __str__(self) -> str:
        return self.number


class ImportJob(models.Model):
    """A contacts file being imported in the background, with its progress and row errors."""

    class State(models.TextChoices):
        PREVIEW = "preview", _("Waiting for confirmation")
        RUNNING = "running", _("Importing")
        DONE = "done", _("Done")
        FAILED = "failed", _("Failed")

    project = models.ForeignKey(
        "calls.Project", on_delete=models.CASCADE, related_name="+", verbose_name=_("project")
    )
    created_by = models.ForeignKey(
        "auth.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    file = models.FileField(upload_to="imports/", verbose_name=_("file"))
    original_name = models.CharField(max_length=255, verbose_name=_("original name"))
    state = models.CharField(
        max_length=10, choices=State.choices, default=State.PREVIEW, verbose_name=_("state")
    )
    total_rows = models.PositiveIntegerField(default=0, verbose_name=_("total rows"))
    processed_rows = models.PositiveIntegerField(default=0, verbose_name=_("processed rows"))
    created_count = models.PositiveIntegerField(default=0, verbose_name=_("created count"))
    updated_count = models.PositiveIntegerField(default=0, verbose_name=_("updated count"))
    skipped_count = models.PositiveIntegerField(default=0, verbose_name=_("skipped count"))
    errors = models.JSONField(
        default=list, blank=True, verbose_name=_("errors")
    )  # [{"row": 12, "message": "..."}]
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        verbose_name = _("contacts import")
        verbose_name_plural = _("contacts imports")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.original_name} ({self.get_state_display()})"
