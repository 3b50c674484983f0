"""Shapes of the REST API. Serializers describe data; the rules live in services."""

from __future__ import annotations

from django.contrib.auth.models import Group, User
from django.db import transaction
from django.utils.translation import gettext as _
from rest_framework import serializers

from calls import audit, credentials, roles
from calls.models import Agent, Call, PbxAccount, Project
from contacts.models import Contact
from contacts.phones import InvalidPhoneNumber, normalize_phone


class CallSerializer(serializers.ModelSerializer):
    number = serializers.CharField(source="remote_number", read_only=True)
    created_at = serializers.DateTimeField(source="requested_at", read_only=True)
    error = serializers.CharField(source="failure_reason", read_only=True)
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
        ]
        read_only_fields = fields


class StartCallSerializer(serializers.Serializer):
    number = serializers.CharField(max_length=40)
    contact = serializers.IntegerField(required=False, allow_null=True)


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


class ProjectSerializer(serializers.ModelSerializer):
    event_webhook_url = serializers.CharField(read_only=True)
    caller_lookup_url = serializers.CharField(read_only=True)

    class Meta:
        model = Project
        fields = [
            "id",
            "name",
            "pbx_account",
            "region",
            "settings",
            "event_webhook_url",
            "caller_lookup_url",
            "created_at",
        ]
        read_only_fields = ["created_at"]

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
    username = serializers.CharField(source="user.username")
    password = serializers.CharField(write_only=True, required=False, min_length=8)
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

    @transaction.atomic
    def create(self, validated_data: dict) -> Agent:
        user_data = validated_data.pop("user")
        password = validated_data.pop("password", None)
        if User.objects.filter(username=user_data["username"]).exists():
            raise serializers.ValidationError({"username": _("This username is taken.")})
        user = User.objects.create_user(username=user_data["username"], password=password)
        user.groups.add(Group.objects.get(name=roles.AGENT))
        return Agent.objects.create(user=user, **validated_data)

    @transaction.atomic
    def update(self, instance: Agent, validated_data: dict) -> Agent:
        validated_data.pop("user", None)
        password = validated_data.pop("password", None)
        if password:
            instance.user.set_password(password)
            instance.user.save(update_fields=["password"])
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
        owner = attrs.get("owner")
        if owner and project and owner.project_id != project.pk:
            raise serializers.ValidationError(
                {"owner": _("The owner must be in the same project.")}
            )
        return attrs

    @transaction.atomic
    def create(self, validated_data: dict) -> Contact:
        phones = validated_data.pop("phones", [])
        contact = Contact.objects.create(**validated_data)
        contact.phones.bulk_create(
            [
                contact.phones.model(contact=contact, project=contact.project, number=n)
                for n in phones
            ]
        )
        return contact

    @transaction.atomic
    def update(self, instance: Contact, validated_data: dict) -> Contact:
        phones = validated_data.pop("phones", None)
        instance = super().update(instance, validated_data)
        if phones is not None:
            instance.phones.exclude(number__in=phones).delete()
            have = set(instance.phones.values_list("number", flat=True))
            instance.phones.bulk_create(
                [
                    instance.phones.model(contact=instance, project=instance.project, number=n)
                    for n in phones
                    if n not in have
                ]
            )
        return instance
