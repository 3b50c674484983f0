"""Telphin (apiproxy.telphin.ru, "ucom4b"): OAuth2, callback, extension events.

Dialect summary (sources and assumptions: docs/vendors/telphin.md):

* ``POST {base}/oauth/token`` form ``grant_type=client_credentials`` -> Bearer token.
* ``POST {base}/api/ver1.0/extension/{id}/callback/`` JSON starts a call: Telphin
  rings ``src_num`` (the agent), then dials ``dst_num`` (the customer). The
  reply's ``call_api_id`` comes back in every event of that call as CallAPIID.
* ``/api/ver1.0/extension/{id}/event/`` holds the URLs Telphin calls on dial-in,
  dial-out, answer and hangup; telphin_events.py reads what it sends.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

import requests

from calls.pbx.base import (
    ConnectionCheck,
    CredentialField,
    Extension,
    InboundRequest,
    NormalizedEvent,
    NotSupported,
    OriginateRequest,
    OriginateResult,
    PbxAdapter,
    PbxConfig,
    PbxError,
    SampleEvent,
    WebhookAuthError,
    WebhookRegistration,
)
from calls.pbx.http import send
from calls.pbx.telphin import auth as telphin_auth
from calls.pbx.telphin import events as telphin_events
from calls.pbx.telphin import subscriptions
from calls.pbx.telphin.auth import Clock, InMemoryTokenCache, TokenCache
from calls.pbx.telphin.replies import (
    callback_accepted,
    callback_refused,
    checked,
    json_of,
    vendor_words,
)
from calls.pbx.telphin.resources import (
    EventSubscription,
    SubscriptionSync,
    TelphinExtension,
    extensions_from,
    live_call_api_id,
)
from calls.pbx.words import gettext as _
from calls.pbx.words import gettext_noop, ngettext

log = logging.getLogger("calls.pbx.telphin")

API = "/api/ver1.0"
PAGE_SIZE = 100  # Telphin's CRM plugin asks per_page=100
MAX_PAGES = 50  # 5000 extensions: a stop should paging ever misbehave


class TelphinAdapter(PbxAdapter):
    vendor: ClassVar[str] = "telphin"
    label: ClassVar[str] = "Telphin"
    credential_fields: ClassVar[tuple[CredentialField, ...]] = (
        CredentialField("client_id", gettext_noop("Application ID (client_id)"), secret=False),
        CredentialField("client_secret", gettext_noop("Application secret (client_secret)")),
    )
    # Through the agent's extension's current-calls resource (docs/vendors/telphin.md).
    can_hangup: ClassVar[bool] = True

    def __init__(
        self,
        config: PbxConfig,
        session: requests.Session | None = None,
        *,
        token_cache: TokenCache | None = None,
        clock: Clock | None = None,
    ) -> None:
        super().__init__(config, session)
        if token_cache is None:
            token_cache = InMemoryTokenCache(clock) if clock else telphin_auth.shared_cache
        self.tokens = token_cache
        self.base_url = config.base_url.rstrip("/")

    # -- OAuth -------------------------------------------------------------

    @property
    def _client_id(self) -> str:
        return str(self.config.credentials.get("client_id", "")).strip()

    @property
    def _token_key(self) -> str:
        return telphin_auth.cache_key(self.base_url, self._client_id)

    def access_token(self) -> str:
        """A valid Bearer token: from the cache, else a fresh one from Telphin."""
        token = self.tokens.get(self._token_key)
        return token or self._fetch_token()

    def _fetch_token(self) -> str:
        secret = str(self.config.credentials.get("client_secret", ""))
        if not self._client_id or not secret:
            raise PbxError(
                _(
                    "Telphin needs the application's client_id and client_secret; "
                    "fill both in the PBX account settings."
                )
            )
        data = {
            "grant_type": "client_credentials",
            "client_id": self._client_id,
            "client_secret": secret,
        }
        try:
            response = send(
                self.session,
                "POST",
                f"{self.base_url}/oauth/token",
                vendor_label=self.label,
                timeout=self.timeout,
                data=data,
            )
        except PbxError as exc:
            # A token request rings nobody: whatever happened, trying later is safe.
            raise PbxError(
                _("Could not get a Telphin access token: %(problem)s; no call was started.")
                % {"problem": exc.message.split(";")[0]},
                permanent=False,
            ) from None
        body = json_of(response)
        token = body.get("access_token") if isinstance(body, dict) else None
        if response.status_code != 200 or not token:
            raise self._token_error(response, body)
        self.tokens.set(self._token_key, token, telphin_auth.cache_lifetime(body.get("expires_in")))
        log.debug("Telphin token fetched for client %s", self._client_id)
        return str(token)

    def _token_error(self, response: requests.Response, body: Any) -> PbxError:
        words = vendor_words(response, body)
        if response.status_code in (400, 401, 403):
            return PbxError(
                _(
                    "Telphin refused the application credentials (%(words)s). Check the "
                    "client_id and client_secret, and that the application is of the "
                    "trusted (client credentials) type."
                )
                % {"words": words},
                vendor_code=f"oauth:{response.status_code}",
            )
        return PbxError(
            _(
                "Telphin's token service answered %(status)s (%(words)s); "
                "try again in a few minutes."
            )
            % {"status": response.status_code, "words": words},
            permanent=response.status_code < 500,
            vendor_code=f"oauth:{response.status_code}",
        )

    def _drop_token(self, token: str) -> None:
        # Another worker may already have stored a fresh token: keep that one.
        if self.tokens.get(self._token_key) == token:
            self.tokens.delete(self._token_key)

    def api(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        """One authorised API request; on 401 a fresh token and exactly one retry.

        Retrying is safe even for the callback: Telphin's API proxy checks the
        Bearer token before the request reaches the resource, so a 401 proves
        nothing was done (no call started, no subscription written). Every
        other failure (timeout, 5xx, a broken connection) is never retried here.
        """
        url = f"{self.base_url}{API}{path}"
        for attempt in (1, 2):
            token = self.access_token()
            response = send(
                self.session,
                method,
                url,
                vendor_label=self.label,
                timeout=self.timeout,
                headers={"Authorization": f"Bearer {token}"},
                **kwargs,
            )
            if response.status_code != 401 or attempt == 2:
                return response
            log.info("Telphin refused a cached token (401); fetching a new one")
            self._drop_token(token)
        raise AssertionError("unreachable")  # pragma: no cover

    # -- Calls -------------------------------------------------------------

    def originate(self, request: OriginateRequest) -> OriginateResult:
        if not request.vendor_extension_id:
            return OriginateResult(
                ok=False,
                message=_(
                    "The agent has no Telphin extension id; import the extensions "
                    "in the PBX account settings and pick the agent's one."
                ),
            )
        response = self.api(
            "POST",
            f"/extension/{request.vendor_extension_id}/callback/",
            json=callback_body(request),
        )
        body = json_of(response)
        if response.status_code in (200, 201):
            return callback_accepted(body)
        if response.status_code == 429:
            # Rate limiting happens before the call is set up: safe to try later.
            raise PbxError(
                _(
                    "Telphin is limiting the request rate; the call was not started "
                    "and will be tried again."
                ),
                permanent=False,
                vendor_code="429",
            )
        if 400 <= response.status_code < 500:
            return callback_refused(response, body)
        raise PbxError(
            _("Telphin answered %(status)s (%(words)s); the call may still ring.")
            % {"status": response.status_code, "words": vendor_words(response, body)},
            vendor_code=str(response.status_code),
        )

    def test_connection(self) -> ConnectionCheck:
        try:
            extensions = self.telphin_extensions()
        except PbxError as exc:
            return ConnectionCheck(ok=False, message=exc.message)
        warnings = ()
        if not any(ext.type == "phone" for ext in extensions):
            warnings = (_("No phone-type extensions: agents need one each to place calls."),)
        count = len(extensions)
        return ConnectionCheck(
            ok=True,
            message=ngettext(
                "Connected: %(count)d extension", "Connected: %(count)d extensions", count
            )
            % {"count": count},
            warnings=warnings,
        )

    def list_extensions(self) -> list[Extension]:
        """The active phones, for "Import extensions" (queues, IVRs and faxes are not people)."""
        return [
            Extension(name=e.name, vendor_id=str(e.id), label=e.label)
            for e in self.telphin_extensions()
            if e.type in ("", "phone") and e.name.strip()
        ]

    def telphin_extensions(
        self, kind: str = "phone", status: str = "active"
    ) -> list[TelphinExtension]:
        """The account's extensions, page by page (as Telphin's own CRM plugin asks)
        until a short page; ``kind``/``status`` "" list every type or status."""
        wanted = {"type": kind, "status": status, "per_page": PAGE_SIZE}
        found: dict[int, TelphinExtension] = {}
        for page in range(1, MAX_PAGES + 1):
            params = {k: v for k, v in {**wanted, "page": page}.items() if v}
            response = self.api("GET", "/client/@me/extension/", params=params)
            body = checked(response, _("list the extensions"))
            if not isinstance(body, list):
                raise PbxError(_("Telphin sent an extension list we cannot read."))
            new = {e.id: e for e in extensions_from(body) if e.id not in found}
            found.update(new)
            # A short page ends the list; a page of nothing new means paging is ignored.
            if len(body) < PAGE_SIZE or not new:
                break
        return list(found.values())

    def hangup(self, vendor_call_id: str, *, extension_id: str = "") -> None:
        """End a live call through the agent's extension's current-calls resource.

        The list gives the id exactly as Telphin writes it (the events' dashed
        CallAPIID), then one DELETE, never resent: a request that may have
        reached the PBX is not repeated (only a 401, refused before the
        resource, is, as for every request).
        """
        if not extension_id:
            raise NotSupported(
                _(
                    "The agent has no Telphin extension id, so the call cannot be ended "
                    "from here; import the extensions in the PBX account settings."
                )
            )
        path = f"/extension/{extension_id}/current_calls/"
        live = live_call_api_id(
            checked(self.api("GET", path), _("list the current calls")), vendor_call_id
        )
        if not live:
            raise call_over("not_live")
        response = self.api("DELETE", f"{path}{quote(live, safe='')}")
        if response.status_code == 404:
            raise call_over("404")  # ended between our list and our DELETE
        checked(response, _("end the call"))

    # -- Event subscriptions (subscriptions.py) -----------------------------

    def list_event_subscriptions(self, extension_id: int | str) -> list[EventSubscription]:
        return subscriptions.listed(self, extension_id)

    def subscribe_extension(
        self,
        extension_id: int | str,
        url: str,
        method: str = "POST",
        event_types: tuple[str, ...] = subscriptions.DEFAULT_EVENT_TYPES,
    ) -> SubscriptionSync:
        return subscriptions.subscribe(self, extension_id, url, method, event_types)

    def delete_event_subscription(self, extension_id: int | str, subscription_id: int) -> None:
        subscriptions.delete(self, extension_id, subscription_id)

    def register_webhooks(self, url: str, extensions: Sequence[Extension]) -> WebhookRegistration:
        return subscriptions.register(self, url, extensions)

    # -- Inbound -------------------------------------------------------------

    def validate_request(self, request: InboundRequest) -> None:
        """Telphin signs nothing: the secret URL token (checked by the view) is the auth.

        An account may add ``webhook_allowed_ips`` (addresses or networks) in its
        settings; behind a proxy, remote_addr must be the client's address.
        """
        allowed = self.config.settings.get("webhook_allowed_ips") or ()
        if allowed and not telphin_events.ip_allowed(request.remote_addr, allowed):
            raise WebhookAuthError(f"{request.remote_addr or 'unknown address'} is not allowed")

    def parse_events(self, request: InboundRequest) -> list[NormalizedEvent]:
        return telphin_events.parse_events(request)

    def sample_event(self, event_id: str) -> SampleEvent:
        """A form like Telphin's own events, of a type no dialect knows (parsed as UNKNOWN)."""
        fields = {
            "EventType": "pbxportal-test",
            "CallID": event_id,
            "SubCallID": f"{event_id}-1",
            "CallFlow": "in",
            "EventTime": str(int(time.time() * 1_000_000)),
        }
        return SampleEvent(
            headers={"Content-Type": "application/x-www-form-urlencoded"},
            body=urlencode(fields).encode(),
        )


def callback_body(request: OriginateRequest) -> dict[str, Any]:
    """The JSON Telphin's callback resource takes for one click-to-call.

    ``src_*`` caller-id fields are what the agent's phone shows while it rings
    first; the plain ``caller_id_*`` ones would go to the customer, so our
    internal caller name is never put there.
    """
    body: dict[str, Any] = {
        "src_num": [request.agent_extension],
        "dst_num": request.number,
        "src_caller_id_number": request.number,
    }
    if request.caller_name:
        body["src_caller_id_name"] = request.caller_name[:64]
    return body


def call_over(code: str) -> PbxError:
    """Hang up of a call Telphin no longer has: nothing left to end at the PBX."""
    return PbxError(
        _("Telphin has no such call in progress any more; it has probably ended."),
        vendor_code=code,
    )
