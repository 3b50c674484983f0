"""API token authentication: DRF's own, with the token's user read together with their
agent, its project and PBX account (placing a call needs them: one query, not three).

On PostgreSQL that query is a statement written out once (calls/statements.py), which
psycopg prepares: compiling the ORM's four joins cost more than running them, on every
API request before a click reaches the PBX. Elsewhere the ORM reads the same rows.
"""

from __future__ import annotations

from functools import cache

from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from calls import statements
from calls.api.tokens import lookup_keys
from calls.models import Agent, PbxAccount, Project


class TokenWithAgentAuthentication(TokenAuthentication):
    """DRF's token check, through its documented ``authenticate_credentials`` hook."""

    def authenticate_credentials(self, key: str):
        token = self.token_with_agent(key)
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid token."))
        if not token.user.is_active:
            raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
        return (token.user, token)

    def token_with_agent(self, key: str):
        """The stored token ``key`` stands for, with its user, the user's agent, project
        and PBX account; None when there is none."""
        keys = lookup_keys(key)  # stored hashed (calls/api/tokens.py)
        Token = self.get_model()
        if connection.vendor != "postgresql":
            tokens = Token.objects.select_related("user__agent__project__pbx_account")
            return tokens.filter(key__in=keys).order_by("pk").first()
        row = statements.fetch_one(_token_sql(Token), [keys[0], keys[-1]])
        if row is None:
            return None
        user_model = Token._meta.get_field("user").related_model
        token, user, agent, project, account = statements.from_rows(
            [Token, user_model, Agent, Project, PbxAccount], row
        )
        token.user = user
        if agent is not None:
            project.pbx_account = account
            agent.project = project
            user.agent = agent
        return token


@cache
def _token_sql(token_model) -> str:
    user_model = token_model._meta.get_field("user").related_model
    key = statements.column(token_model, "key")
    user_pk = statements.column(user_model, user_model._meta.pk.name)
    parts = [(token_model, "t"), (user_model, "u"), (Agent, "ag")]
    parts += [(Project, "p"), (PbxAccount, "a")]
    joins = [
        statements.join("JOIN", user_model, "u", f"t.{statements.column(token_model, 'user')}"),
        statements.join("LEFT JOIN", Agent, "ag", f"u.{user_pk}", field="user"),
        statements.join("LEFT JOIN", Project, "p", f"ag.{statements.column(Agent, 'project')}"),
        statements.join(
            "LEFT JOIN", PbxAccount, "a", f"p.{statements.column(Project, 'pbx_account')}"
        ),
    ]
    return (
        f"SELECT {', '.join(statements.select_list(m, alias) for m, alias in parts)} "  # noqa: S608 - names from the models
        f"FROM {connection.ops.quote_name(token_model._meta.db_table)} t {' '.join(joins)} "
        f"WHERE t.{key} IN (%s, %s) ORDER BY t.{key} LIMIT 1"
    )
