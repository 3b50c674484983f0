"""API token authentication that also brings the token's agent, in one prepared query;
and, for placing calls, a token checked by the start statement itself."""

from __future__ import annotations

import time
from functools import cache

from django.contrib.auth import get_user_model
from django.db import connection
from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication

from calls import rawsql
from calls.auth_backend import agent_of
from calls.models import Agent, Project
from calls.start_insert import Condition

# A web process remembers the rows of the tokens it checked lately. Placing a call with
# one of them skips the token query (a round trip, ~0.5-0.8 ms of click-to-PBX): the
# start statement checks token, user, agent and project itself (``still_valid``), and
# any other answer waits for a full check (``check_now``). So a revoked token, a
# deactivated user or a moved agent is refused at once, never REMEMBER_SECONDS later.
REMEMBER_SECONDS = 300.0
_REMEMBER_AT_MOST = 10_000
_remembered: dict[str, tuple[float, tuple]] = {}


class TokenWithAgentAuthentication(TokenAuthentication):
    """DRF's token check, with the user's agent and its project read in the same query.

    Placing a call needs the agent (``requesting_agent`` finds it cached). The query is
    written out and prepared (rawsql.fetch_one): built by the ORM, compiling and
    planning the four-table join took ~4 ms of the click-to-PBX path under load.

    On a POST to a view with ``confirms_tokens_itself`` (placing a call), a token this
    process checked in the last REMEMBER_SECONDS, whose user was an agent, is let in
    from memory and marked ``unconfirmed``: the view confirms it before it answers.
    """

    def authenticate(self, request):
        view = (getattr(request, "parser_context", None) or {}).get("view")
        self._from_memory = request.method == "POST" and getattr(
            view, "confirms_tokens_itself", False
        )
        return super().authenticate(request)

    def authenticate_credentials(self, key: str):
        entry = _remembered.get(key) if getattr(self, "_from_memory", False) else None
        if entry is not None and entry[0] > time.monotonic():
            token, user = _build(entry[1])
            if agent_of(user) is not None:
                token.unconfirmed = True
                return (user, token)
        return _checked(key)


def unconfirmed(request) -> bool:
    return getattr(request.auth, "unconfirmed", False)


def still_valid(request) -> Condition:
    """For the start statement: the remembered token is still the agent's, the user is
    active, and the agent is still in the project and region the call was built for."""
    agent = agent_of(request.user)
    params = (request.auth.key, True, agent.pk, agent.project_id, agent.project.region)
    return Condition(_still_valid_sql(), params)


def check_now(request) -> None:
    """The full token check for ``request``: its user, token and agent become the
    database's. Raises AuthenticationFailed (401) for a token no longer valid."""
    user, token = _checked(request.auth.key)
    request.user, request.auth = user, token


def _checked(key: str) -> tuple:
    row = rawsql.fetch_one(_token_sql(), [key])
    if row is None:
        _remembered.pop(key, None)
        raise exceptions.AuthenticationFailed(_("Invalid token."))
    token, user = _build(row)
    if not user.is_active:
        _remembered.pop(key, None)
        raise exceptions.AuthenticationFailed(_("User inactive or deleted."))
    _remember(key, row)
    return (user, token)


def _remember(key: str, row: tuple) -> None:
    if len(_remembered) >= _REMEMBER_AT_MOST:
        _remembered.clear()  # a flood of distinct tokens: start over, never grow
    _remembered[key] = (time.monotonic() + REMEMBER_SECONDS, row)


@cache
def _models() -> tuple:
    return (TokenAuthentication().get_model(), get_user_model(), Agent, Project)


def _build(row: tuple):
    token, user, agent, project = rawsql.from_rows(_models(), row)
    token.user = user
    if agent is not None:
        agent.project, agent.user = project, user
    Agent._meta.get_field("user").remote_field.set_cached_value(user, agent)
    return token, user


@cache
def _token_sql() -> str:
    token, user, agent, project = _models()
    col, quote = rawsql.column, connection.ops.quote_name
    selects = [rawsql.select_list(m, alias) for m, alias in zip(_models(), "tuap", strict=True)]
    return (
        f"SELECT {', '.join(selects)} FROM {quote(token._meta.db_table)} t"  # noqa: S608 - names from the models
        f" {rawsql.join('JOIN', user, 'u', 't', token._meta.get_field('user'))}"
        f" LEFT JOIN {quote(agent._meta.db_table)} a"  # the agent points at the user
        f" ON a.{col(agent, 'user')} = u.{col(user, 'id')}"
        f" {rawsql.join('LEFT JOIN', project, 'p', 'a', agent._meta.get_field('project'))}"
        f" WHERE t.{col(token, 'key')} = %s"
    )


@cache
def _still_valid_sql() -> str:
    token, user, agent, project = _models()
    col, quote = rawsql.column, connection.ops.quote_name
    return (
        f"EXISTS (SELECT 1 FROM {quote(token._meta.db_table)} vt"  # noqa: S608 - names from the models
        f" {rawsql.join('JOIN', user, 'vu', 'vt', token._meta.get_field('user'))}"
        f" JOIN {quote(agent._meta.db_table)} va ON va.{col(agent, 'user')} = vu.{col(user, 'id')}"
        f" {rawsql.join('JOIN', project, 'vp', 'va', agent._meta.get_field('project'))}"
        f" WHERE vt.{col(token, 'key')} = %s AND vu.{col(user, 'is_active')} = %s"
        f" AND va.{col(agent, 'id')} = %s AND vp.{col(project, 'id')} = %s"
        f" AND vp.{col(project, 'region')} = %s)"
    )
