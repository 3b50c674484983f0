"""Guessing API tokens: an address whose tokens keep failing waits before it may try again.

DRF's throttles run after authentication, and a wrong token stops the request there, so
the count is kept here: the exception handler counts each failed token check
(``record_failed_authentication``) and the first authentication class refuses an
address over the rate before any token is looked up.
"""

from __future__ import annotations

from django.conf import settings
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.exceptions import Throttled
from rest_framework.request import Request
from rest_framework.throttling import SimpleRateThrottle


class FailedAuthenticationThrottle(SimpleRateThrottle):
    """Failed token checks per address, at settings.API_FAILED_AUTH_RATE ("20/min")."""

    scope = "failed_auth"

    def get_rate(self) -> str:
        return settings.API_FAILED_AUTH_RATE

    def get_cache_key(self, request: Request, view: object = None) -> str:
        return self.cache_format % {"scope": self.scope, "ident": self.get_ident(request)}

    def over_the_rate(self, request: Request) -> bool:
        """Whether this address failed too often lately; counts nothing."""
        self.key = self.get_cache_key(request)
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        return len(self.history) >= self.num_requests

    def count_failure(self, request: Request) -> None:
        self.over_the_rate(request)
        self.throttle_success()


def record_failed_authentication(request: Request) -> None:
    FailedAuthenticationThrottle().count_failure(request)


class RefuseWhileGuessing(BaseAuthentication):
    """Listed first: a request with credentials from an address over the rate is a 429."""

    def authenticate_header(self, request: Request) -> str:
        # DRF answers 401 (not 403) only when the first class names a scheme.
        return "Token"

    def authenticate(self, request: Request) -> None:
        if not get_authorization_header(request):
            return None
        throttle = FailedAuthenticationThrottle()
        if throttle.over_the_rate(request):
            raise Throttled(wait=throttle.wait())
        return None


class RefuseWhileGuessingScheme(OpenApiAuthenticationExtension):
    """For the API schema: RefuseWhileGuessing authenticates no one, so it adds no scheme."""

    target_class = RefuseWhileGuessing
    name: list[str] = []  # drf-spectacular reads a list of scheme names: none here

    def get_security_requirement(self, auto_schema) -> None:
        return None

    def get_security_definition(self, auto_schema) -> list:
        return []
