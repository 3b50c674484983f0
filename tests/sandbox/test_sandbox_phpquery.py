"""The sandbox's port of PHP's http_build_query/parse_str against PHP-computed vectors."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess

import pytest

from sandbox.phpquery import http_build_query, parse_str, php_float
from tests.sandbox.while1_example import ORIGINATE_EXAMPLE, PHP_HASH

DOC_EXAMPLE = ORIGINATE_EXAMPLE
QUIRKS = {
    "api_username": "your_api_usr",
    "api_password": "your_api_pass",
    "data": {
        "project_id": 1,
        "caller_id_name": "Ștefan Ţăran ~*!",
        "empty": [],
        "nul": None,
        "t": True,
        "f": False,
        "fl": 0.1 + 0.2,
        "big": 1e20,
        "list": ["a", "b"],
    },
}
# Computed with PHP 8.2: md5(http_build_query($params) . 'k3y')
VECTORS = [
    (DOC_EXAMPLE, PHP_HASH),
    (QUIRKS, "61adb5af5e9b27235f841aace80915e8"),
]


@pytest.mark.parametrize(("params", "expected"), VECTORS)
def test_hash_matches_php(params, expected):
    query = http_build_query(params)
    assert hashlib.md5((query + "k3y").encode()).hexdigest() == expected


def test_quirks_spelled_out():
    query = http_build_query(QUIRKS)
    assert "%7E%2A%21" in query  # PHP's urlencode escapes ~ and *
    assert "empty" not in query and "nul" not in query
    assert "data%5Bt%5D=1&data%5Bf%5D=0" in query
    assert "data%5Bbig%5D=1.0E%2B20" in query


@pytest.mark.parametrize(
    ("value", "php"),
    [
        (1.0, "1"),
        (1.5, "1.5"),
        (0.1 + 0.2, "0.3"),
        (1e20, "1.0E+20"),
        (-0.0, "-0"),
        (1e-7, "1.0E-7"),
        # printed by PHP 8.2.36: a 15-digit whole number exactly halfway keeps its zeros
        (214885836895505.0, "2.1488583689550E+14"),
        (100000000000005.0, "1.0000000000000E+14"),
        (214885836895515.0, "2.1488583689552E+14"),
        (214885836895501.0, "2.148858368955E+14"),
        (999999999999995.0, "1.0E+15"),
        (-120000000000005.0, "-1.2000000000000E+14"),
    ],
)
def test_php_float(value, php):
    assert php_float(value) == php


def test_parse_str_nests_and_appends_like_php():
    pairs = [
        ("a.b", "1"),
        ("c d", "2"),
        ("x[a.b]", "3"),
        ("y[]", "1"),
        ("y[]", "2"),
        ("z[q][]", "5"),
    ]
    assert parse_str(pairs) == {
        "a_b": "1",
        "c_d": "2",
        "x": {"a.b": "3"},
        "y": {0: "1", 1: "2"},
        "z": {"q": {0: "5"}},
    }


def test_form_round_trip_rebuilds_the_same_string():
    query = http_build_query(DOC_EXAMPLE)
    from urllib.parse import parse_qsl

    assert http_build_query(parse_str(parse_qsl(query))) == query


@pytest.mark.skipif(shutil.which("php") is None, reason="php not installed")
@pytest.mark.parametrize("params", [DOC_EXAMPLE, QUIRKS, {"a": {"b": {"c": [1, 2.5, "x y"]}}}])
def test_against_live_php(params):
    script = "echo http_build_query(json_decode(stream_get_contents(STDIN), true));"
    php = subprocess.run(
        ["php", "-r", script],
        input=json.dumps(params).encode(),
        capture_output=True,
        check=True,
        timeout=20,
    )
    assert http_build_query(params) == php.stdout.decode()
