"""Shapes of the REST API. Serializers describe data; the rules live in services."""

from __future__ import annotations

from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, User
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import ProhibitNullCharactersValidator
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import serializers

from calls import audit, credentials, project_settings, roles
from calls.models import Agent, Call, PbxAccount, Project
from calls.outbound import reasons
from contacts import services as contact_services
from contacts.models import Contact
from contacts.phones import InvalidPhoneNumber, normalize_phone


class CallSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="remote_number", read_only=True)
    created_at = serializers.DateTimeField(source="requested_at", read_only=True)
    error = serializers.SerializerMethodField()
    status_text = serializers.CharField(source="get_status_display", read_only=True)

    class Meta:
        model = Call
        fields = [
            "id",
            "status",
            "status_text",
            "number",
            "direction",
            "agent",
            "contact",
            "created_at",
            "answered_at",
            "ended_at",
            "duration",
            "error",
            "ended_by",
        ]
        read_only_fields = fields

    def get_error(self, call: Call) -> str:
        """The failure reason; the PBX's address in it only for admins (outbound/reasons.py)."""
        request = self.context.get("request")
        admin = request is not None and roles.is_admin(request.user)
        return reasons.reason_for(call.failure_reason, admin=admin)


# Ids are 64-bit in the database: a larger number is refused here, not by the driver.
LARGEST_ID = 2**63 - 1


class StartCallSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    contact = serializers.IntegerField(
        required=False, allow_null=True, min_value=1, max_value=LARGEST_ID
    )


class PbxAccountSerializer(serializers.ModelSerializer):
    credentials = serializers.DictField(
        child=serializers.CharField(allow_blank=True), write_only=True, required=False
    )
    stored_credentials = serializers.ListField(source="credential_names", read_only=True)

    class Meta:
        model = PbxAccount
        fields = [
            "id",
            "name",
            "vendor",
            "base_url",
            "credentials",
            "stored_credentials",
            "last_warning",
            "created_at",
        ]
        read_only_fields = ["last_warning", "created_at"]

    def validate(self, attrs: dict) -> dict:
        vendor = attrs.get("vendor") or getattr(self.instance, "vendor", "")
        given = {k: v for k, v in attrs.get("credentials", {}).items() if v}
        stored = self.instance.credential_names if self.instance else []
        if self.instance and "vendor" in attrs and attrs["vendor"] != self.instance.vendor:
            stored = []  # another vendor's credentials are of no use
        errors = credentials.check_credentials(vendor, given, stored)
        unknown = credentials.unknown_credentials(vendor, given)
        if unknown:
            errors["credentials"] = _("Not used by this vendor: %(names)s.") % {
                "names": ", ".join(unknown)
            }
        if errors:
            raise serializers.ValidationError({"credentials": errors})
        return attrs

    def save(self, **kwargs) -> PbxAccount:
        given = self.validated_data.pop("credentials", {})
        created = self.instance is None
        account = self.instance or PbxAccount()
        for key, value in self.validated_data.items():
            setattr(account, key, value)
        vendor_changed = self.instance is not None and "vendor" in self.initial_data
        account.set_credentials(given, merge=not vendor_changed)
        account.save()
        request = self.context.get("request")
        audit.account_saved(
            request.user if request else None,
            account,
            created=created,
            fields=list(self.validated_data),
            credentials=list(given),
            request=request,
        )
        self.instance = account
        return account


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


class ProjectSerializer(serializers.ModelSerializer):
    """``settings`` is an object; its secrets are write-only (``stored_secrets`` names them)."""

    event_webhook_url = serializers.CharField(read_only=True)
    caller_lookup_url = serializers.CharField(read_only=True)
    stored_secrets = serializers.SerializerMethodField()

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "pbx_account",
            "region",
            "settings",
            "stored_secrets",
            "event_webhook_url",
            "caller_lookup_url",
            "created_at",
        ]
        read_only_fields = ["created_at"]

    def get_stored_secrets(self, project: Project) -> list[str]:
        return project_settings.stored_secrets(project.settings)

    def to_representation(self, instance: Project) -> dict:
        data = super().to_representation(instance)
        data["settings"] = project_settings.shown_settings(instance.settings)
        return data

    def validate_settings(self, value: object) -> dict:
        if _has_nul(value):  # PostgreSQL stores no NUL in JSON
            raise serializers.ValidationError(ProhibitNullCharactersValidator.message)
        stored = self.instance.settings if self.instance else None
        try:
            return project_settings.checked_settings(value, stored)
        except project_settings.BadSettings as exc:
            raise serializers.ValidationError(str(exc)) from None

    def validate(self, attrs: dict) -> dict:
        settings = attrs.get("settings") or {}
        if "region" in settings and "region" not in attrs:
            attrs["region"] = str(settings.pop("region")).upper()
        return attrs

    def save(self, **kwargs) -> Project:
        created = self.instance is None
        before = dict(self.instance.settings) if self.instance else {}
        project = super().save(**kwargs)
        request = self.context.get("request")
        audit.project_saved(
            request.user if request else None,
            project,
            created=created,
            fields=[k for k in self.validated_data if k != "settings"],
            settings_keys=audit.settings_diff(before, project.settings),
            request=request,
        )
        return project


class AgentSerializer(serializers.ModelSerializer):
    """The agent and its login: the username through Django's own validators, the
    password through the project's AUTH_PASSWORD_VALIDATORS."""

    username = serializers.CharField(
        source="user.username",
        max_length=User._meta.get_field("username").max_length,
        validators=User._meta.get_field("username").validators,
    )
    password = serializers.CharField(write_only=True, required=False, max_length=128)
    name = serializers.CharField(source="user.get_full_name", read_only=True)

    class Meta:
        model = Agent
        fields = [
            "id",
            "username",
            "password",
            "name",
            "project",
            "extension",
            "destination_type",
            "destination",
            "vendor_extension_id",
        ]

    def validate(self, attrs: dict) -> dict:
        username = attrs.get("user", {}).get("username")
        if username is not None:
            taken = User.objects.filter(username=username)
            if self.instance is not None:
                taken = taken.exclude(pk=self.instance.user_id)
            if taken.exists():
                raise serializers.ValidationError({"username": _("This username is taken.")})
        password = attrs.get("password")
        if password:
            user = self.instance.user if self.instance else User(username=username or "")
            try:
                password_validation.validate_password(password, user)
            except DjangoValidationError as exc:
                raise serializers.ValidationError({"password": list(exc.messages)}) from None
        return attrs

    @transaction.atomic
    def create(self, validated_data: dict) -> Agent:
        user_data = validated_data.pop("user")
        password = validated_data.pop("password", None)
        user = User.objects.create_user(username=user_data["username"], password=password)
        user.groups.add(Group.objects.get(name=roles.AGENT))
        return Agent.objects.create(user=user, **validated_data)

    @transaction.atomic
    def update(self, instance: Agent, validated_data: dict) -> Agent:
        user_data = validated_data.pop("user", {})
        password = validated_data.pop("password", None)
        changed = []
        if "username" in user_data and user_data["username"] != instance.user.username:
            instance.user.username = user_data["username"]
            changed.append("username")
        if password:
            instance.user.set_password(password)
            changed.append("password")
        if changed:
            instance.user.save(update_fields=changed)
        return super().update(instance, validated_data)


class PhonesField(serializers.ListField):
    """Written as numbers in any format; read back as the stored E.164 numbers."""

    child = serializers.CharField(max_length=40)

    def to_representation(self, manager) -> list[str]:
        return [phone.number for phone in manager.all()]


class ContactSerializer(serializers.ModelSerializer):
    phones = PhonesField(allow_empty=True)

    class Meta:
        model = Contact
        fields = ["id", "project", "name", "company", "phones", "crm_url", "owner"]

    def validate(self, attrs: dict) -> dict:
        project = attrs.get("project") or getattr(self.instance, "project", None)
        if "phones" in attrs:
            numbers, errors = [], []
            for raw in attrs["phones"]:
                try:
                    numbers.append(normalize_phone(raw, project.region))
                except InvalidPhoneNumber as exc:
                    errors.append(str(exc))
            if errors:
                raise serializers.ValidationError({"phones": errors})
            attrs["phones"] = list(dict.fromkeys(numbers))
        owner = attrs.get("owner", getattr(self.instance, "owner", None))
        moving = self.instance is not None and project.pk != self.instance.project_id
        if owner and moving and "owner" not in attrs:
            owner = None  # the old project's agent stays behind (contacts.services)
        if owner and project and owner.project_id != project.pk:
            raise serializers.ValidationError(
                {"owner": _("The owner must be in the same project.")}
            )
        return attrs

    @transaction.atomic
    def create(self, validated_data: dict) -> Contact:
        phones = validated_data.pop("phones", [])
        contact = Contact.objects.create(**validated_data)
        contact_services.set_phones(contact, phones)
        return contact

    @transaction.atomic
    def update(self, instance: Contact, validated_data: dict) -> Contact:
        phones = validated_data.pop("phones", None)
        project = validated_data.pop("project", instance.project)
        if project.pk != instance.project_id:
            contact_services.move_contact(instance, project)
        instance = super().update(instance, validated_data)
        if phones is not None:
            contact_services.set_phones(instance, phones)
        return instance
