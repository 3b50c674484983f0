"""Shared by the Telphin adapter tests: recorded replies, a fake clock, the adapter."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import responses

from calls.pbx.base import OriginateRequest, PbxConfig
from calls.pbx.telphin.adapter import TelphinAdapter
from calls.pbx.telphin.auth import InMemoryTokenCache

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "telphin"
BASE = "https://apiproxy.telphin.test"
TOKEN_URL = f"{BASE}/oauth/token"
EXT_URL = f"{BASE}/api/ver1.0/client/@me/extension/"
CALLBACK_URL = f"{BASE}/api/ver1.0/extension/175/callback/"
EVENTS_URL = f"{BASE}/api/ver1.0/extension/175/event/"
SECRET = "s3cr3t-Client-Secret-9f8e7d"
TOKEN_1 = "8SNsrS0jV35vfmKqKeKtRrHfpbg4UX"
TOKEN_2 = "Qm3uTyq0Lr7dVxZ1NnB8cE4hWk2PsA"
HOOK = "https://pbx.example.com/hooks/telphin/tok123/"


def fixture(name: str):
    return json.loads((FIXTURES / name).read_text(encoding="utf-8"))


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def cache(clock) -> InMemoryTokenCache:
    return InMemoryTokenCache(clock)


def make_adapter(cache, base_url: str = BASE, **credentials) -> TelphinAdapter:
    config = PbxConfig(
        base_url=base_url,
        credentials=credentials or {"client_id": "app-175", "client_secret": SECRET},
        connect_timeout=0.5,
        read_timeout=1.0,
    )
    return TelphinAdapter(config, token_cache=cache)


@pytest.fixture
def adapter(cache) -> TelphinAdapter:
    return make_adapter(cache)


def call(**overrides) -> OriginateRequest:
    values = {
        "external_id": "0b6f6a0e-5d1c-4a55-9a37-2f1f8f0c1e11",
        "number": "+79817654321",
        "agent_extension": "000*099",
        "caller_name": "Acme: Ivan Petrov",
        "vendor_extension_id": "175",
    }
    values.update(overrides)
    return OriginateRequest(**values)


def add_token(rsps, name: str = "oauth_token.json", status: int = 200) -> None:
    rsps.add(responses.POST, TOKEN_URL, json=fixture(name), status=status)


def calls_to(rsps, url: str, method: str | None = None) -> list:
    return [
        c
        for c in rsps.calls
        if c.request.url.split("?")[0] == url and (method is None or c.request.method == method)
    ]
