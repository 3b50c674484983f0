"""Migration 0012 drops, and on the way back recreates, exactly the indexes Django made for
the calls' db_index=True columns: it names them out, so a database migrated long ago and
a fresh one end with the same indexes."""

from importlib import import_module

import pytest
from django.db import connection

from tests.migration_steps import migrate, migrate_to_latest

pytestmark = pytest.mark.django_db(transaction=True)

BEFORE = [("calls", "0011_one_active_outbound_call")]
AFTER = [("calls", "0012_leaner_call_indexes")]
FIELD_INDEXES = import_module("calls.migrations.0012_leaner_call_indexes").FIELD_INDEXES
ALL_NAMED = {name for names in FIELD_INDEXES.values() for name in names}
PLAIN = {names[0] for names in FIELD_INDEXES.values()}


def test_postgresqls_like_companions_are_named_as_django_names_them():
    """Django names them as the plain index plus "_like" (0012's way back does not
    recreate them, so a downgraded database cannot show them)."""
    companions = [names for names in FIELD_INDEXES.values() if len(names) > 1]
    assert [like for _plain, like in companions] == [f"{plain}_like" for plain, _ in companions]


def call_indexes() -> set[str]:
    with connection.cursor() as cursor:
        constraints = connection.introspection.get_constraints(cursor, "calls_call")
    return {name for name, info in constraints.items() if info["index"]}


def test_the_field_indexes_go_on_upgrade_and_come_back_on_downgrade():
    try:
        migrate(BEFORE)
        before = call_indexes()
        assert PLAIN <= before  # the names 0012 writes out are the ones Django chose
        migrate(AFTER)
        after = call_indexes()
        assert not after & ALL_NAMED
        assert {"call_agent_active", "call_remote_number", "call_vendor_call_id"} <= after
        migrate(BEFORE)
        assert PLAIN <= call_indexes()
    finally:
        migrate_to_latest()
