"""The bridge between the ORM and the vendor adapters, which know no models."""

from __future__ import annotations

from django.conf import settings
from django.urls import reverse

from calls.models import Call, Project
from calls.pbx.base import OriginateRequest, PbxAdapter, PbxConfig
from calls.pbx.http import kept_session
from calls.pbx.registry import adapter_class
from calls.project_settings import opened_settings


def config_for(project: Project) -> PbxConfig:
    account = project.pbx_account
    return PbxConfig(
        base_url=account.base_url.rstrip("/"),
        credentials=account.credentials,
        settings=opened_settings(project.settings),  # the signing secret in clear
        connect_timeout=float(project.settings.get("connect_timeout", 3.0)),
        read_timeout=float(project.settings.get("read_timeout", 10.0)),
    )


def adapter_for(project: Project) -> PbxAdapter:
    session = kept_session(settings.PBX_KEEPALIVE_SECONDS)
    return adapter_class(project.pbx_account.vendor)(config_for(project), session=session)


def originate_request_for(call: Call) -> OriginateRequest:
    agent = call.agent
    contact = call.contact
    backend_link = ""
    if contact is not None:
        backend_link = contact.crm_url or (
            settings.PUBLIC_BASE_URL + reverse("home") + f"?contact={contact.pk}"
        )
    return OriginateRequest(
        external_id=str(call.external_id),
        number=call.remote_number,
        agent_extension=agent.extension,
        destination_type=agent.destination_type,
        destination=agent.destination,
        caller_name=contact.name if contact else call.remote_number,
        backend_link=backend_link,
        vendor_extension_id=agent.vendor_extension_id,
        event_url=call.project.event_webhook_url,
    )
