"""API token authentication: DRF's own, with the token's user read together with their
agent, its project and PBX account (placing a call needs them: one query, not three)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from calls.api.tokens import lookup_keys


class TokenWithAgentAuthentication(TokenAuthentication):
    """DRF's token check, through its documented ``authenticate_credentials`` hook."""

    def authenticate_credentials(self, key: str):
        token = (
            self.get_model()
            .objects.select_related("user__agent__project__pbx_account")
            .filter(key__in=lookup_keys(key))  # stored hashed (calls/api/tokens.py)
            .first()
        )
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
