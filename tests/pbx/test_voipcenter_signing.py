"""VoipCenter signatures: Python must give what the vendor document's PHP gives.

The vectors come from tests/fixtures/voipcenter/make_vectors.php (checked in as
vectors.json); when php is installed the script is run again and compared.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from urllib.parse import parse_qsl

import pytest
from hypothesis import given
from hypothesis import strategies as st

from calls.pbx.voipcenter.adapter import (
    CALL,
    GET,
    UPDATE,
    UPDATE_SIGNED_FIELDS,
    hashed_password,
    query_string,
    sign,
    signing_string,
)

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "voipcenter"
VECTORS = json.loads((FIXTURES / "vectors.json").read_text(encoding="utf-8"))["vectors"]
ENDPOINTS = {"call": CALL, "get": GET, "update": UPDATE}


def _params(vector: dict) -> dict[str, str]:
    return {
        "apiID": vector["api_id"],
        "knummer": vector["customer_number"],
        "pwd": hashed_password(vector["password"]),
        **vector["fields"],
        "f": vector["format"],
        "ts": vector["ts"],
    }


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_python_reproduces_php_vector(vector: dict) -> None:
    endpoint = ENDPOINTS[vector["endpoint"]]
    params = _params(vector)

    assert params["pwd"] == vector["pwd"]
    assert signing_string(params, endpoint.signed) == vector["tobehashed"]
    params["pass"] = sign(vector["private_key"], params, endpoint.signed)
    assert params["pass"] == vector["pass"]
    assert query_string(params, endpoint.query) == vector["query_rawurlencode"]
    if vector["plain"]:
        # For plain values our query is the document's string concatenation, byte for byte.
        assert query_string(params, endpoint.query) == vector["query_doc_concat"]


def test_vectors_cover_the_awkward_inputs() -> None:
    names = {v["name"] for v in VECTORS}
    assert {"call-plus", "call-nonascii", "call-spaces", "get-filter-specials"} <= names
    assert any(not v["password"].isascii() for v in VECTORS)
    assert any(" " in v["password"] for v in VECTORS)
    assert any(not v["private_key"].isascii() for v in VECTORS)
    assert any(set(v["private_key"]) & set("&=+%#\"'\\|") for v in VECTORS)
    assert {v["endpoint"] for v in VECTORS} == {"call", "get", "update"}


def test_filter_is_sent_but_not_signed() -> None:
    vector = next(v for v in VECTORS if v["name"] == "get-calls-day")
    assert "filter" not in vector["tobehashed"]
    assert "&filter=20140501&" in vector["query_rawurlencode"]
    assert "filter" not in GET.signed and "filter" in GET.query


def test_update_hash_choice_is_the_one_the_vectors_were_made_with() -> None:
    # Changing UPDATE_SIGNED_FIELDS means changing make_vectors.php too; this says so.
    assert UPDATE_SIGNED_FIELDS == ("apiID", "knummer", "pwd", "m", "id", "p", "f", "ts")
    vector = next(v for v in VECTORS if v["name"] == "update-indicator-on")
    assert vector["tobehashed"].startswith("apiIDpi990000tstknummer123456pwd")
    assert "mindicatorid100p1fjsonts1400229417" in vector["tobehashed"]


def test_plus_in_a_value_is_encoded_not_left_to_become_a_space() -> None:
    vector = next(v for v in VECTORS if v["name"] == "call-plus")
    assert "&telnr=%2B3221234567&" in vector["query_rawurlencode"]
    # The document's raw concatenation would send '+', which PHP decodes as a space.
    assert "&telnr=+3221234567&" in vector["query_doc_concat"]


@given(
    st.dictionaries(
        st.sampled_from(CALL.query),
        st.text(st.characters(blacklist_categories=("Cs",)), max_size=30),
        min_size=1,
    )
)
def test_query_string_round_trips_any_value(params: dict[str, str]) -> None:
    # What VoipCenter's PHP finds in $_GET must be exactly the value we signed.
    decoded = parse_qsl(query_string(params, CALL.query), keep_blank_values=True)
    assert decoded == [(name, params[name]) for name in CALL.query if name in params]


@pytest.mark.skipif(shutil.which("php") is None, reason="php is not installed")
def test_php_still_produces_the_checked_in_vectors() -> None:
    result = subprocess.run(
        ["php", str(FIXTURES / "make_vectors.php")],
        capture_output=True,
        check=True,
        timeout=60,
    )
    fresh = json.loads(result.stdout)
    assert fresh["vectors"] == VECTORS
