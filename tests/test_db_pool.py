"""The PostgreSQL connection pool after the server closed its idle connections (a restart,
a failover, an administrator's pg_terminate_backend): the next request or task gets a
working connection instead of an error. Only on PostgreSQL (CI's second run)."""

import pytest
from django.db import connection
from django.db.utils import load_backend

from tests.postgres_admin import terminate

on_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the pool is PostgreSQL's"
)


@pytest.fixture
def pooled():
    """A second connection to the test database, through the product's pooled backend."""
    from django.conf import settings

    # as settings.py configures the pool (the tests themselves run without it)
    options = {**connection.settings_dict["OPTIONS"], "pool": {"min_size": 1, "max_size": 1}}
    wrapper = load_backend(settings.POOLED_DB_ENGINE).DatabaseWrapper(
        {
            **connection.settings_dict,
            "ENGINE": settings.POOLED_DB_ENGINE,
            "OPTIONS": options,
            "CONN_MAX_AGE": 0,
            "CONN_HEALTH_CHECKS": False,  # a round trip per checkout: not on the hot paths
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


def test_the_check_reads_sockets_numbered_past_1024():
    """A web process holds a socket per open agent page: select() would refuse these."""
    import os
    import resource
    import socket
    from types import SimpleNamespace

    from pbxportal.pg.base import closed_by_server

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard != resource.RLIM_INFINITY and hard < 2100:
        pytest.skip("this machine allows too few open files")
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, 2100), hard))
    ours, server = socket.socketpair()
    high = os.dup2(ours.fileno(), 2048)
    try:
        connection_ = SimpleNamespace(pgconn=SimpleNamespace(socket=high))
        assert not closed_by_server(connection_)
        server.close()  # the server's goodbye: end of file
        assert closed_by_server(connection_)
    finally:
        os.close(high)
        ours.close()
        resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))
