"""Starting a call: what an agent clicking a number sees."""

import pytest

from calls.models import AuditEntry, Call
from calls.outbound.progress import finish
from calls.outbound.refused import CallRefused
from calls.outbound.start import start_call
from tests.factories import make_agent, make_contact, make_project

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("originate_queue")]


def test_a_number_in_any_format_is_stored_in_e164_and_queued(agent, originate_queue):
    started = start_call(agent=agent, number="0722 123 456")
    assert started.created
    assert started.call.remote_number == "+40722123456"
    assert started.call.status == "queued" and started.call.direction == "outbound"
    assert originate_queue == [started.call.pk]


def test_an_impossible_number_is_refused_and_nothing_is_queued(agent, originate_queue):
    with pytest.raises(CallRefused, match="wrong number of digits"):
        start_call(agent=agent, number="0722 1")
    assert not Call.objects.exists() and originate_queue == []


def test_a_second_call_while_one_is_active_is_refused_with_a_sentence(agent):
    start_call(agent=agent, number="0722 123 456")
    with pytest.raises(CallRefused, match="already on a call to 0722 123 456") as err:
        start_call(agent=agent, number="0744 555 666")
    assert err.value.conflict and Call.objects.count() == 1


def test_a_double_click_on_the_same_number_is_one_call(agent, originate_queue):
    first = start_call(agent=agent, number="0722 123 456")
    second = start_call(agent=agent, number="+40 722 123 456")
    assert not second.created and second.call.pk == first.call.pk
    assert originate_queue == [first.call.pk]


def test_the_same_idempotency_key_gives_the_same_call_even_after_it_ended(agent):
    first = start_call(agent=agent, number="0722 123 456", idempotency_key="k-1")
    finish(first.call.pk, "completed")
    again = start_call(agent=agent, number="0722 123 456", idempotency_key="k-1")
    assert again.call.pk == first.call.pk and Call.objects.count() == 1


def test_a_contact_of_another_project_cannot_be_called(agent):
    stranger = make_contact(make_project(), "Not Yours", "+40722123456")
    with pytest.raises(CallRefused, match="another project"):
        start_call(agent=agent, number="+40722123456", contact=stranger)


def test_agents_of_one_project_call_at_the_same_time(project):
    a, b = make_agent(project), make_agent(project)
    start_call(agent=a, number="0722 123 456")
    assert start_call(agent=b, number="0722 123 456").created


def test_a_broker_that_is_down_fails_the_call_with_a_reason_and_loses_nothing(agent, monkeypatch):
    from kombu.exceptions import OperationalError

    def broker_down(call_id):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr("calls.outbound.tasks.originate.delay", broker_down)
    started = start_call(agent=agent, number="0722 123 456")
    call = Call.objects.get(pk=started.call.pk)
    assert call.status == "failed"
    assert "call queue is not reachable" in call.failure_reason
    # The agent may try again at once: a failed call is not an active one.
    monkeypatch.setattr("calls.outbound.tasks.originate.delay", lambda call_id: None)
    assert start_call(agent=agent, number="0722 123 456").created


def test_two_tabs_clicking_at_the_same_instant_place_one_call(agent):
    """A race the agent could cause with two tabs: exactly one call, the other click told why."""
    import threading

    from django.db import connection

    def click(number, results, barrier):
        try:
            barrier.wait()
            results.append(start_call(agent=agent, number=number).created)
        except CallRefused as exc:
            results.append(exc.code)
        finally:
            connection.close()

    for round_ in range(6):
        results, barrier = [], threading.Barrier(2)
        tabs = [
            threading.Thread(target=click, args=(number, results, barrier))
            for number in ("0722 123 456", "0744 555 666")
        ]
        for tab in tabs:
            tab.start()
        for tab in tabs:
            tab.join(10)
        assert sorted(map(str, results)) == ["True", "agent_busy"], (round_, results)
        active = Call.objects.exclude(status__in=["completed"])
        assert active.count() == 1
        finish(active.get().pk, "completed")


def test_the_database_itself_refuses_a_second_active_outbound_call(agent):
    """Whatever writes calls (a script, the admin, a future code path), not only start_call."""
    from django.db import IntegrityError, transaction

    start_call(agent=agent, number="0722 123 456")
    with pytest.raises(IntegrityError), transaction.atomic():
        Call.objects.create(
            project=agent.project, agent=agent, direction="outbound", remote_number="+40744555666"
        )
    Call.objects.create(  # an ended call beside the active one is history, not a conflict
        project=agent.project,
        agent=agent,
        direction="outbound",
        remote_number="+40744555666",
        status="completed",
    )


def test_a_typed_number_of_a_contact_is_linked_to_that_contact(agent, originate_queue):
    contact = make_contact(agent.project, "Ion Popescu", "+40722123456")
    make_contact(make_project(), "Someone Else", "+40733000111")
    make_contact(agent.project, "Ion's Office", "+40722123456")  # listed after Ion's own
    call = start_call(agent=agent, number="0722 123 456").call
    assert call.contact == contact and call.contact.name == "Ion Popescu"
    assert "(Ion Popescu)" in AuditEntry.objects.get(object_id=str(call.pk)).summary
    other = start_call(agent=make_agent(agent.project), number="0733 000 111").call
    assert other.contact is None  # another project's contact is not ours to name


def test_an_agent_talking_to_a_caller_cannot_start_a_call(agent, originate_queue):
    Call.objects.create(
        project=agent.project,
        agent=agent,
        direction="inbound",
        status="answered",
        remote_number="+40744555666",
    )
    with pytest.raises(CallRefused, match="already on a call to 0744 555 666") as err:
        start_call(agent=agent, number="0722 123 456")
    assert err.value.code == "agent_busy" and originate_queue == []
    assert not Call.objects.filter(direction="outbound").exists()
