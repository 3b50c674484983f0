"""How a call centre is set up: PBX accounts, projects (tenants) and agents."""

from __future__ import annotations

import enum
import secrets
from typing import Any

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from calls.pbx.registry import vendor_choices
from pbxportal.crypto import decrypt_json, encrypt_json


def new_token() -> str:
    return secrets.token_urlsafe(32)


class Vendor(enum.StrEnum):
    """The built-in vendors' stored names, for code that means one of them. Not the list
    of vendors: the fields' choices come from calls/pbx/registry.py (vendor_choices)."""

    WHILE1 = "while1"
    VOIPCENTER = "voipcenter"
    TELPHIN = "telphin"
    SANDBOX = "sandbox"


class PbxAccount(models.Model):
    """A rented hosted PBX: its dialect, address and (encrypted) credentials."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    vendor = models.CharField(_("vendor"), max_length=20, choices=vendor_choices)
    base_url = models.URLField(_("API base URL"), max_length=300)
    # Fernet ciphertext of a JSON object; never rendered, never serialised.
    credentials_encrypted = models.TextField(
        editable=False, blank=True, default="", verbose_name=_("credentials encrypted")
    )
    last_warning = models.TextField(_("last vendor warning"), blank=True, default="")
    last_warning_at = models.DateTimeField(null=True, blank=True, verbose_name=_("last warning at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("PBX account")
        verbose_name_plural = _("PBX accounts")
        ordering = ["name"]

    def __str__(self) -> str:
        # Names often carry the vendor already ("Sandbox PBX (While1 Voice)"): say it once.
        vendor = str(self.get_vendor_display())
        return self.name if vendor.lower() in self.name.lower() else f"{self.name} ({vendor})"

    @property
    def credentials(self) -> dict[str, str]:
        return decrypt_json(self.credentials_encrypted)

    def set_credentials(self, values: dict[str, Any], *, merge: bool = True) -> None:
        """Store credentials; with ``merge`` an empty value keeps the stored one."""
        current = self.credentials if merge and self.credentials_encrypted else {}
        for key, value in values.items():
            if value not in (None, ""):
                current[key] = str(value)
        self.credentials_encrypted = encrypt_json(current)

    @property
    def credential_names(self) -> list[str]:
        """Which credentials are set: safe to show, the values are not."""
        return sorted(self.credentials) if self.credentials_encrypted else []


class StreamState(models.TextChoices):
    OFF = "off", _("Off (no websocket user)")
    CONNECTING = "connecting", _("Connecting")
    CONNECTED = "connected", _("Connected")
    DISCONNECTED = "disconnected", _("Disconnected, retrying")
    FAILED = "failed", _("Failed, retrying")


class EventStream(models.Model):
    """A vendor event stream the product keeps open for one PBX account (VoipCenter's
    Socket.IO): its state and last error, written by the stream process, read in admin."""

    account = models.OneToOneField(
        PbxAccount,
        on_delete=models.CASCADE,
        related_name="event_stream",
        verbose_name=_("PBX account"),
    )
    state = models.CharField(
        _("state"), max_length=12, choices=StreamState.choices, default=StreamState.OFF
    )
    state_since = models.DateTimeField(_("in this state since"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True, default="")
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True)
    last_message_at = models.DateTimeField(_("last message at"), null=True, blank=True)
    messages = models.PositiveIntegerField(_("messages received"), default=0)

    class Meta:
        verbose_name = _("event stream")
        verbose_name_plural = _("event streams")

    def __str__(self) -> str:
        return f"{self.account.name}: {self.get_state_display()}"


class DestinationType(models.TextChoices):
    USER = "user", _("User (the agent's extension)")
    QUEUE = "queue", _("Queue")
    CONTEXT = "context", _("Dialplan context")


class Project(models.Model):
    """A call-centre project (tenant): one PBX account, its agents and contacts."""

    name = models.CharField(_("name"), max_length=100, unique=True)
    pbx_account = models.ForeignKey(
        PbxAccount, on_delete=models.PROTECT, related_name="projects", verbose_name=_("PBX account")
    )
    region = models.CharField(
        _("default phone region"),
        max_length=2,
        default="RO",
        help_text=_("ISO country code used to read numbers written without a country prefix."),
    )
    settings = models.JSONField(
        _("vendor settings"),
        default=dict,
        blank=True,
        help_text=_("Vendor-specific settings, e.g. project_id, outbound_number, outbound_trunk."),
    )
    events_silent_since = models.DateTimeField(
        _("PBX silent since"),
        null=True,
        blank=True,
        editable=False,
        help_text=_("Set when calls are made but the PBX has sent no event for a while."),
    )
    webhook_token = models.CharField(
        max_length=64,
        unique=True,
        default=new_token,
        editable=False,
        verbose_name=_("webhook token"),
    )
    lookup_token = models.CharField(
        max_length=64,
        unique=True,
        default=new_token,
        editable=False,
        verbose_name=_("lookup token"),
    )
    # The working day (wrap-up after a call, service level in the statistics).
    disposition_required = models.BooleanField(
        _("outcome required after a call"),
        default=False,
        help_text=_("The agent must pick an outcome before taking the next call."),
    )
    wrapup_note_required = models.BooleanField(
        _("note required after a call"),
        default=False,
        help_text=_("The agent must write a note before taking the next call."),
    )
    service_level_seconds = models.PositiveSmallIntegerField(
        _("service level (seconds)"),
        default=20,
        help_text=_("An inbound call answered within this many seconds meets the service level."),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("project")
        verbose_name_plural = _("projects")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def rotate_tokens(self) -> None:
        self.webhook_token = new_token()
        self.lookup_token = new_token()

    @property
    def event_webhook_url(self) -> str:
        vendor = self.pbx_account.vendor
        return f"{settings.PUBLIC_BASE_URL}/hooks/{vendor}/{self.webhook_token}/"

    @property
    def caller_lookup_url(self) -> str:
        return f"{settings.PUBLIC_BASE_URL}/lookup/{self.lookup_token}/"


class ScreenPop(models.TextChoices):
    RING = "ring", _("When the phone rings")
    ANSWER = "answer", _("When I answer")
    OFF = "off", _("Never")


class Availability(models.TextChoices):
    """What the agent said of themselves; the board adds "On a call" and "Wrap-up"."""

    READY = "ready", _("Ready")
    PAUSED = "paused", _("Paused")


class Agent(models.Model):
    """A person taking calls: a Django user in a project, with their PBX identity."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, verbose_name=_("user")
    )
    project = models.ForeignKey(
        Project, on_delete=models.PROTECT, related_name="agents", verbose_name=_("project")
    )
    extension = models.CharField(
        _("extension / SIP account"),
        max_length=64,
        help_text=_("The agent's identity at the PBX: extension, SIP account or user name."),
    )
    destination_type = models.CharField(
        _("destination type"),
        max_length=10,
        choices=DestinationType.choices,
        default=DestinationType.USER,
    )
    destination = models.CharField(
        _("destination"),
        max_length=64,
        blank=True,
        help_text=_("Queue or context name; empty means the agent's extension."),
    )
    screen_pop = models.CharField(
        _("show the caller"),
        max_length=10,
        choices=ScreenPop.choices,
        default=ScreenPop.RING,
        help_text=_("When an inbound call for this agent pops up the caller's card."),
    )
    vendor_extension_id = models.CharField(
        _("vendor extension id"),
        max_length=32,
        blank=True,
        help_text=_("Numeric extension id where the vendor's API needs it (Telphin)."),
    )

    # The agent's own availability (Ready / Paused); "on a call" and "wrap-up" come from
    # the calls themselves (calls/availability.py), so no PBX event has to write here.
    availability = models.CharField(
        _("availability"),
        max_length=10,
        choices=Availability.choices,
        default=Availability.READY,
    )
    availability_since = models.DateTimeField(
        _("availability since"), null=True, blank=True, editable=False
    )
    pause_reason = models.ForeignKey(
        "calls.PauseReason",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("pause reason"),
    )

    # What the PBX last said of the agent's phone (While1 users-status), for the live board.
    pbx_presence = models.CharField(_("phone status at the PBX"), max_length=40, blank=True)
    pbx_presence_at = models.DateTimeField(
        _("phone status read at"), null=True, blank=True, editable=False
    )

    class Meta:
        verbose_name = _("agent")
        verbose_name_plural = _("agents")
        constraints = [
            models.UniqueConstraint(fields=["project", "extension"], name="agent_extension_unique")
        ]

    def __str__(self) -> str:
        return f"{self.user.get_full_name() or self.user.get_username()} ({self.extension})"


def language_choices() -> list[tuple[str, str]]:
    # Language names stay in their own language: a user lost in a foreign UI finds theirs.
    return [("", _("As my browser asks")), *settings.LANGUAGES]


class UserPreference(models.Model):
    """What a person chose for themselves, kept across browsers and devices."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="preference",
        verbose_name=_("user"),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        default="",
        choices=language_choices,
        help_text=_("Empty: the language the browser asks for."),
    )

    class Meta:
        verbose_name = _("user preference")
        verbose_name_plural = _("user preferences")

    def __str__(self) -> str:
        return str(self.user)
