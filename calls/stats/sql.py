"""SQL the ORM does not have built in: seconds between two timestamps, the median."""

from __future__ import annotations

from django.db.models import Aggregate, FloatField, Func


class SecondsBetween(Func):
    """``end - start`` in seconds as a float, on PostgreSQL and SQLite alike."""

    arity = 2
    output_field = FloatField()

    def __init__(self, start: str, end: str, **extra) -> None:
        super().__init__(end, start, **extra)  # SQL below reads "end - start"

    def as_postgresql(self, compiler, connection, **extra):
        template = "(EXTRACT(EPOCH FROM (%(expressions)s)))::double precision"
        return self.as_sql(compiler, connection, template=template, arg_joiner=" - ", **extra)

    def as_sqlite(self, compiler, connection, **extra):
        # julianday() reads Django's stored text timestamps to the millisecond.
        template = "((julianday(%(expressions)s)) * 86400.0)"
        return self.as_sql(
            compiler, connection, template=template, arg_joiner=") - julianday(", **extra
        )


def wait_seconds() -> SecondsBetween:
    return SecondsBetween("requested_at", "answered_at")


class Median(Aggregate):
    """PostgreSQL's continuous median; other backends use selectors.python_medians."""

    function = "percentile_cont"
    name = "Median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()
