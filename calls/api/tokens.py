"""API tokens at rest: the ``authtoken`` table holds a hash of each token, never the token.

DRF's Token keeps its key in one 40-character column (its primary key); a hashed key is
HASHED_PREFIX + 38 hex digits of SHA-256 (152 bits), so the column and its index stay as
they are. A token is shown once, when issued. Plain rows (from before hashing: migration
0017 hashed those; or made since by DRF's admin page or drf_create_token) still
authenticate until hashed in place: housekeeping does it every minute, as does
``manage.py hash_api_tokens``. A presented value that looks like a hash is never taken for
a plain key, so what the table holds lets nobody in.
"""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from rest_framework.authtoken.models import Token

HASHED_PREFIX = "h:"
_DIGITS = 40 - len(HASHED_PREFIX)


def stored_key(raw: str) -> str:
    return HASHED_PREFIX + hashlib.sha256(raw.encode()).hexdigest()[:_DIGITS]


def lookup_keys(presented: str) -> list[str]:
    """The keys a presented token may be stored under: its hash, or (rows from before
    hashing) itself."""
    keys = [stored_key(presented)]
    if not presented.startswith(HASHED_PREFIX):
        keys.append(presented)
    return keys


@transaction.atomic
def issue_token(user: AbstractBaseUser) -> str:
    """A new token for ``user``, replacing any earlier one; returned once, stored hashed."""
    raw = secrets.token_hex(20)
    Token.objects.filter(user=user).delete()
    Token.objects.create(user=user, key=stored_key(raw))
    return raw


@transaction.atomic
def hash_stored_tokens() -> int:
    """Hash every token still stored plain; returns how many. Their holders notice nothing."""
    plain = list(Token.objects.select_for_update().exclude(key__startswith=HASHED_PREFIX))
    for token in plain:
        Token.objects.filter(pk=token.pk).delete()
        Token.objects.create(user_id=token.user_id, key=stored_key(token.key))
    return len(plain)
