"""One hand-counted day of calls in Europe/Bucharest (UTC+2 in January), shared by the
statistics tests. The numbers each test expects are worked out in the comments here."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from calls.models import Call
from tests.factories import make_agent, make_project

BUCHAREST = ZoneInfo("Europe/Bucharest")


def local(day: int, hour: int, minute: int = 0, month: int = 1) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=BUCHAREST)


def make_call(project, agent, *, at, status, direction="outbound", wait=None, talk=None) -> Call:
    call = Call.objects.create(
        project=project, agent=agent, direction=direction, remote_number="+40722000001"
    )
    fields = {"requested_at": at, "status": status}
    if wait is not None:
        fields["answered_at"] = at + timedelta(seconds=wait)
    if talk is not None:
        fields["duration"] = talk
        fields["ended_at"] = fields["answered_at"] + timedelta(seconds=talk)
    Call.objects.filter(pk=call.pk).update(**fields)
    return call


def the_day():
    """15 January 2026, local time:

    ana    00:30 out completed wait 10 talk 60 | 00:45 out no_answer | 09:10 out completed 20/120
    mihai  09:20 in completed 5/30 | 23:30 in missed | 23:50 in answered (talking) wait 7
    nobody 12:00 in missed
    outside the day: ana 14 Jan 23:59 (21:59 UTC) and 16 Jan 00:10 (22:10 UTC on the 15th!)

    totals: 7 calls, 4 answered (57.1 %), talk 60/120/30 (avg 70, median 60),
            wait 10/20/5/7 (avg 10.5, median 8.5)
    ana:    3 calls, 2 answered (66.7 %), talk avg=median 90, wait avg=median 15
    mihai:  3 calls, 2 answered (66.7 %), talk 30, wait avg=median 6
    hours:  00 → 2 (1 answered), 09 → 2 (2), 12 → 1 (0), 23 → 2 (1)
    """
    project = make_project()
    ana, mihai = make_agent(project), make_agent(project)
    for agent, first, last in ((ana, "Ana", "Popescu"), (mihai, "Mihai", "Ionescu")):
        agent.user.first_name, agent.user.last_name = first, last
        agent.user.save()
    make_call(project, ana, at=local(15, 0, 30), status="completed", wait=10, talk=60)
    make_call(project, ana, at=local(15, 0, 45), status="no_answer")
    make_call(project, ana, at=local(15, 9, 10), status="completed", wait=20, talk=120)
    inbound = {"direction": "inbound"}
    make_call(project, mihai, at=local(15, 9, 20), status="completed", wait=5, talk=30, **inbound)
    make_call(project, mihai, at=local(15, 23, 30), status="missed", **inbound)
    make_call(project, mihai, at=local(15, 23, 50), status="answered", wait=7, **inbound)
    make_call(project, None, at=local(15, 12), status="missed", **inbound)
    make_call(project, ana, at=local(14, 23, 59), status="completed", wait=3, talk=10)
    make_call(project, ana, at=local(16, 0, 10), status="completed", wait=3, talk=10)
    return project, ana, mihai
