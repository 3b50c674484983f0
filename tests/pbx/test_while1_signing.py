"""The While1 request hash: our port of PHP's http_build_query against PHP itself."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from calls.pbx.base import OriginateRequest, PbxConfig
from calls.pbx.php import php_float_str, php_http_build_query
from calls.pbx.while1.adapter import While1Adapter, api_hash

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "while1"
VECTORS = json.loads((FIXTURES / "vectors.json").read_text(encoding="utf-8"))["vectors"]
BY_NAME = {vector["name"]: vector for vector in VECTORS}
PHP = shutil.which("php")
needs_php = pytest.mark.skipif(PHP is None, reason="php is not installed")

# The hash printed in While1's documentation for its example parameters.
DOC_SHOWN_HASH = "0f25e797e72d0dbba96d2c571a7bd6ba"


def _php(*args: str, stdin: str | None = None, env: dict | None = None) -> str:
    done = subprocess.run(
        [PHP, *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert done.returncode in (0, 1), done.stderr
    return done.stdout


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_port_builds_the_same_query_string_as_php(vector):
    assert php_http_build_query(vector["params"]) == vector["query"]


@pytest.mark.parametrize("vector", VECTORS, ids=[v["name"] for v in VECTORS])
def test_port_computes_the_same_api_hash_as_php(vector):
    assert api_hash(vector["params"], vector["api_key"]) == vector["api_hash"]


def test_vectors_cover_what_a_call_centre_sends():
    assert len(VECTORS) >= 10
    queries = " ".join(v["query"] for v in VECTORS)
    for encoded in ("%C8%98", "%C4%83", "%D1%8B", "%F0%9F%98%80", "%7E", "%2A", "+", "%2B"):
        assert encoded in queries


@needs_php
def test_php_script_still_produces_the_checked_in_vectors():
    fresh = json.loads(_php(str(FIXTURES / "make_vectors.php")))
    assert fresh["vectors"] == VECTORS


def test_doc_example_hash_is_what_php_computes():
    en, ro = BY_NAME["doc-example-en"], BY_NAME["doc-example-ro"]
    assert en["api_key"] == ro["api_key"] == "your_api_key"
    assert (
        api_hash(ro["params"], "your_api_key")
        == ro["api_hash"]
        == ("ba3600a7a08ea4b434898d481fa14ee8")
    )
    assert api_hash(en["params"], "your_api_key") == en["api_hash"]
    # Neither variant gives the hash printed in the doc: it was made from other
    # inputs. PHP agrees with us, and PHP is what the PBX runs.
    assert DOC_SHOWN_HASH not in {en["api_hash"], ro["api_hash"]}


# Printed by PHP 8.2.36 (php-cli, http_build_query): a 15-digit whole number exactly
# halfway between two 14-digit ones keeps the zeros its rounding leaves; any other
# number drops them. (Found by the property test below.)
HALFWAY_WHOLE_NUMBERS = {
    214885836895505.0: "2.1488583689550E+14",
    100000000000005.0: "1.0000000000000E+14",
    120000000000005.0: "1.2000000000000E+14",
    214885836895515.0: "2.1488583689552E+14",  # rounded up: nothing to keep
    999999999999995.0: "1.0E+15",
    214885836895501.0: "2.148858368955E+14",  # not halfway
    214885836895500.0: "2.148858368955E+14",
    -214885836895505.0: "-2.1488583689550E+14",
    1000000000000005.0: "1.0E+15",  # 16 digits: rounded as any other number
}


def test_halfway_whole_numbers_print_as_php_prints_them():
    assert {v: php_float_str(v) for v in HALFWAY_WHOLE_NUMBERS} == HALFWAY_WHOLE_NUMBERS


def test_floats_print_as_php_prints_them():
    assert [php_float_str(v) for v in (1.0, 0.1 + 0.2, 1e14, 1e13, 1e-5, 1e-4, -0.0)] == [
        "1",
        "0.3",
        "1.0E+14",
        "10000000000000",
        "1.0E-5",
        "0.0001",
        "-0",
    ]


def test_values_json_cannot_carry_are_refused():
    with pytest.raises(TypeError):
        php_http_build_query({"a": object()})
    with pytest.raises(ValueError):
        php_http_build_query({"a": 2**64})


# Anything JSON can carry, as the PBX sees it after json_decode(..., true).
_keys = st.text(st.characters(exclude_categories=("Cs",)), max_size=8)
_scalars = (
    st.none()
    | st.booleans()
    | st.integers(-(2**63), 2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(st.characters(exclude_categories=("Cs",)), max_size=20)
)
_values = st.recursive(
    _scalars,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(_keys, inner, max_size=4),
    max_leaves=12,
)
_param_sets = st.lists(st.dictionaries(_keys, _values, max_size=5), min_size=1, max_size=25)


@needs_php
@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_param_sets)
def test_port_matches_php_for_any_json_parameters(param_sets):
    php_queries = json.loads(
        _php(str(FIXTURES / "make_vectors.php"), "--stdin", stdin=json.dumps(param_sets))
    )
    assert [php_http_build_query(p) for p in param_sets] == php_queries


class _Recorder(BaseHTTPRequestHandler):
    requests: list = []

    def do_POST(self):  # http.server's naming
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.requests.append((self.path, dict(self.headers), body))
        reply = b'{"has_error":false,"messages":[],"results":["ok"]}'
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(reply)))
        self.end_headers()
        self.wfile.write(reply)

    def log_message(self, *args):
        pass


def _run_vendor_client(**extra: str) -> tuple[str, dict, bytes]:
    _Recorder.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        env = {
            "PATH": os.environ.get("PATH", ""),
            "URL": f"http://127.0.0.1:{server.server_address[1]}/while1",
            "TOKEN": "tok-123",
            "API_KEY": "k3y~*+ ș",
            "CALLER_ID_NAME": "Ștefan Bălan ~*",
            **extra,
        }
        _php(str(FIXTURES / "sample_client.php"), env=env)
    finally:
        server.shutdown()
        server.server_close()
    (request,) = _Recorder.requests
    return request


@needs_php
def test_hash_from_the_vendors_own_php_client_verifies_with_our_port():
    path, headers, body = _run_vendor_client()
    assert path == "/while1/api/originate-call"
    assert headers["Authorization"] == "Bearer tok-123"
    params = json.loads(body)
    sent = params.pop("api_hash")
    assert sent == api_hash(params, "k3y~*+ ș")


@needs_php
def test_tampered_request_from_the_vendors_client_fails_our_hash_check():
    _, _, body = _run_vendor_client(TAMPER="1")
    params = json.loads(body)
    sent = params.pop("api_hash")
    assert params["data"]["caller_id_name"] == "ɘtefan Bălan ~*"  # first byte 0xC8 -> 0xC9
    assert sent != api_hash(params, "k3y~*+ ș")


# What the PBX presumably does: decode the JSON, drop api_hash, rebuild it in PHP.
_PHP_PBX = r"""<?php
$p = json_decode(file_get_contents('php://input'), true);
$sent = $p['api_hash'] ?? ''; unset($p['api_hash']);
$ok = hash_equals(md5(http_build_query($p) . getenv('API_KEY')), $sent);
header('Content-Type: application/json');
echo json_encode($ok ? ['has_error' => false, 'messages' => [], 'results' => ['ok']]
                     : ['has_error' => true, 'messages' => ['Invalid hash'], 'results' => []]);
"""


@pytest.fixture
def php_pbx(tmp_path):
    (tmp_path / "router.php").write_text(_PHP_PBX)
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = subprocess.Popen(
        [PHP, "-S", f"127.0.0.1:{port}", "router.php"],
        cwd=tmp_path,
        env={"PATH": os.environ.get("PATH", ""), "API_KEY": "k3y~*+ ș"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                break
            except OSError:
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.terminate()
        server.wait(timeout=10)


@needs_php
def test_adapter_request_verifies_in_php(php_pbx):
    def adapter(key: str) -> While1Adapter:
        return While1Adapter(
            PbxConfig(
                base_url=php_pbx,
                credentials={"api_token": "t", "api_key": key},
                settings={"project_id": "7", "vars": {"SKIP": True, "L": [1, None, 2.5e20, "~*"]}},
            )
        )

    call = OriginateRequest(
        external_id="e-1",
        number="+40212345678",
        agent_extension="101",
        destination_type="queue",
        destination="coadă ~*",
        caller_name="Ștefan 😀 Ыы",
        backend_link="https://crm.example/?a=1&b=~* c",
    )
    assert adapter("k3y~*+ ș").originate(call).ok
    refused = adapter("another key").originate(call)
    assert not refused.ok
    assert "API key" in refused.message
