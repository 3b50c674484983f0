"""OAuth2 client-credentials tokens for Telphin, cached per (base URL, client id).

A Telphin token is valid for ``expires_in`` seconds and any number of
requests; fetching one per call would double every request and hit Telphin's
rate limit. The cache is pluggable: the in-process default below is shared by
every adapter instance in one process; several workers on several machines
can share one through Django's cache (its get/set/delete match TokenCache).
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections.abc import Callable
from typing import Protocol

Clock = Callable[[], float]

# Refresh this long before Telphin's expiry, so a token never dies in flight.
EXPIRY_MARGIN = 60.0
# When Telphin omits expires_in (some accounts do), assume a short life.
DEFAULT_LIFETIME = 300.0


class TokenCache(Protocol):
    """The subset of Django's cache API the adapter needs."""

    def get(self, key: str) -> str | None: ...

    def set(self, key: str, value: str, timeout: float) -> None: ...

    def delete(self, key: str) -> None: ...


class InMemoryTokenCache:
    """Thread-safe, per-process token store with expiry on an injectable clock."""

    def __init__(self, clock: Clock = time.monotonic) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._items: dict[str, tuple[str, float]] = {}

    def get(self, key: str) -> str | None:
        with self._lock:
            item = self._items.get(key)
            if item is None:
                return None
            value, expires_at = item
            if self._clock() >= expires_at:
                del self._items[key]
                return None
            return value

    def set(self, key: str, value: str, timeout: float) -> None:
        with self._lock:
            if timeout <= 0:
                self._items.pop(key, None)
            else:
                self._items[key] = (value, self._clock() + timeout)

    def delete(self, key: str) -> None:
        with self._lock:
            self._items.pop(key, None)


def cache_key(base_url: str, client_id: str) -> str:
    """A key safe for any cache backend (memcached refuses spaces and long keys)."""
    digest = hashlib.sha256(f"{base_url.rstrip('/')}\n{client_id}".encode()).hexdigest()
    return f"pbx:telphin:token:{digest[:32]}"


def cache_lifetime(expires_in: object) -> float:
    """Seconds to keep a token Telphin says lives ``expires_in`` seconds."""
    try:
        lifetime = float(expires_in)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        lifetime = DEFAULT_LIFETIME
    margin = min(EXPIRY_MARGIN, lifetime / 10)
    return max(lifetime - margin, 0.0)


shared_cache = InMemoryTokenCache()
