"""The PostgreSQL connection pool after the server closed its idle connections (a restart,
a failover, an administrator's pg_terminate_backend): the next request or task gets a
working connection instead of an error. Only on PostgreSQL (CI's second run)."""

import pytest
from django.db import connection, connections

from tests.postgres_admin import terminate

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the pool is PostgreSQL's"
)


@pytest.fixture
def pooled():
    """A second connection to the test database, through Django's pool as settings.py
    configures it (the tests themselves run without it)."""
    options = {**connection.settings_dict["OPTIONS"], "pool": {"min_size": 1, "max_size": 1}}
    wrapper = type(connections["default"])(  # the backend of the tests' connection
        {
            **connection.settings_dict,
            "OPTIONS": options,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": True,  # the pool checks each connection it hands out
        },
        alias="pooled",
    )
    yield wrapper
    wrapper.close()
    wrapper.close_pool()


def backend_pid(wrapper) -> int:
    with wrapper.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        return cursor.fetchone()[0]


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_pooled_connection_the_server_closed_is_replaced_before_use(pooled):
    first = backend_pid(pooled)
    pooled.close()  # back to the pool, idle
    terminate(first)
    assert backend_pid(pooled) != first  # no "server closed the connection unexpectedly"


@on_postgres
@pytest.mark.django_db(transaction=True)
def test_a_healthy_pooled_connection_is_reused(pooled):
    first = backend_pid(pooled)
    pooled.close()
    assert backend_pid(pooled) == first
