"""API token authentication that also brings the token's agent."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


class TokenWithAgentAuthentication(TokenAuthentication):
    """DRF's token check, with the user's agent and its project fetched in the same query.

    Placing a call needs the agent; fetching it here, not in a second query, takes a
    round trip off the click-to-PBX path (``requesting_agent`` finds it cached).
    """

    def authenticate_credentials(self, key: str):
        model = self.get_model()
        try:
            token = model.objects.select_related("user", "user__agent__project").get(key=key)
        except model.DoesNotExist:
            raise exceptions.AuthenticationFailed(_("Invalid token.")) from None
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)
