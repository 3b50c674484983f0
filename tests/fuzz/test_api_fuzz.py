"""Every endpoint and method of the API, fuzzed from its own OpenAPI schema with an
admin's token and an agent's: never a 5xx, and what it answers matches the schema."""

from __future__ import annotations

import os

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import content_type_conformance, response_schema_conformance

# The coverage phase (every boundary value of every parameter) doubles the time: off in
# CI, PBXPORTAL_FUZZ_COVERAGE=1 turns it on.
COVERAGE = os.environ.get("PBXPORTAL_FUZZ_COVERAGE") == "1"
CONFIG = schemathesis.Config.from_dict({"phases": {"coverage": {"enabled": COVERAGE}}})
# Read at collection, as /api/schema/ serves it, through the WSGI app (no database needed:
# the schema view reads none); the cases go to the same app in-process, on the test
# database. (The lazy from_fixture loader does not run on pytest 9.)
schema = schemathesis.openapi.from_wsgi("/api/schema/", WSGIHandler(), config=CONFIG)

# Small and fixed, so CI sees the same cases every run and the module stays well under a
# minute on two cores; PBXPORTAL_FUZZ_EXAMPLES and PBXPORTAL_FUZZ_RANDOM=1 search harder.
EXAMPLES = int(os.environ.get("PBXPORTAL_FUZZ_EXAMPLES", "10"))
CHECKS = [not_a_server_error, response_schema_conformance, content_type_conformance]
FUZZ = settings(
    max_examples=EXAMPLES,
    derandomize=os.environ.get("PBXPORTAL_FUZZ_RANDOM") != "1",
    deadline=None,
    database=None,
    suppress_health_check=list(HealthCheck),
)


@pytest.fixture(autouse=True)
def _in_process(originate_queue, in_process_app):
    """Calls the fuzzer places are queued in memory: no broker, no PBX."""


@schema.parametrize()
@FUZZ
def test_api_as_an_admin(case, admin_token):
    case.call_and_validate(headers={"Authorization": f"Token {admin_token}"}, checks=CHECKS)


@schema.parametrize()
@FUZZ
def test_api_as_an_agent(case, agent_token):
    case.call_and_validate(headers={"Authorization": f"Token {agent_token}"}, checks=CHECKS)
