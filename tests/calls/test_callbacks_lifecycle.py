"""Missed inbound calls become callbacks; reaching the customer closes them."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from calls.callbacks import services
from calls.models import AuditEntry, Call, Callback, CallDirection, CallStatus
from tests.factories import make_contact, make_user

pytestmark = pytest.mark.django_db

NUMBER = "+40722123456"


def _call(project, direction, status, number=NUMBER, agent=None, **fields) -> Call:
    now = timezone.now()
    defaults = {"ended_at": now} if status not in ("answered",) else {}
    defaults["vendor_call_id"] = f"v-{Call.objects.count() + 1}"
    if status in ("answered", "completed"):
        defaults["answered_at"] = now
    call = Call.objects.create(
        project=project,
        agent=agent,
        direction=direction,
        remote_number=number,
        status=status,
        **{**defaults, **fields},
    )
    services.on_call_finished(call)
    return call


def missed(project, **kw) -> Call:
    return _call(project, CallDirection.INBOUND, CallStatus.MISSED, **kw)


def _open(project) -> Callback | None:
    return Callback.objects.filter(project=project, closed_at__isnull=True).first()


def test_a_missed_inbound_call_opens_a_callback_with_the_contact(project):
    contact = make_contact(project, "Ion Popescu", NUMBER)
    call = missed(project)
    callback = _open(project)
    assert callback.number == NUMBER
    assert callback.contact == contact
    assert callback.missed_call == call
    assert (callback.missed_count, callback.attempts) == (1, 0)


def test_a_second_missed_call_counts_two_on_the_same_callback(project):
    missed(project)
    missed(project)
    assert Callback.objects.count() == 1
    assert _open(project).missed_count == 2


def test_another_number_gets_its_own_callback(project):
    missed(project)
    missed(project, number="+40733000111")
    assert Callback.objects.filter(closed_at__isnull=True).count() == 2


def test_an_unanswered_call_back_counts_an_attempt(project, agent):
    missed(project)
    call = _call(project, CallDirection.OUTBOUND, CallStatus.NO_ANSWER, agent=agent)
    callback = _open(project)
    assert callback.attempts == 1
    assert callback.last_attempt_at == call.ended_at


def test_a_call_that_never_reached_the_pbx_is_not_an_attempt(project, agent):
    missed(project)
    _call(project, CallDirection.OUTBOUND, CallStatus.FAILED, agent=agent)
    _call(project, CallDirection.OUTBOUND, CallStatus.CANCELED, agent=agent, vendor_call_id="")
    assert _open(project).attempts == 0


def test_an_answered_call_back_closes_it_as_reached(project, agent):
    missed(project)
    call = _call(project, CallDirection.OUTBOUND, CallStatus.ANSWERED, agent=agent)
    callback = Callback.objects.get()
    assert callback.closed_reason == "reached"
    assert callback.closed_by_call == call
    assert callback.closed_at is not None


def test_the_customer_calling_again_and_being_answered_closes_it_as_called_back(project):
    missed(project)
    call = _call(project, CallDirection.INBOUND, CallStatus.COMPLETED)
    callback = Callback.objects.get()
    assert (callback.closed_reason, callback.closed_by_call) == ("called_back", call)


def test_a_missed_call_after_closing_opens_a_new_callback(project, agent):
    missed(project)
    _call(project, CallDirection.OUTBOUND, CallStatus.COMPLETED, agent=agent)
    later = missed(project, ended_at=timezone.now() + timedelta(seconds=1))
    assert Callback.objects.count() == 2
    assert _open(project).missed_call == later
    assert _open(project).missed_count == 1


def test_applying_the_same_calls_twice_counts_them_once(project, agent):
    first = missed(project)
    second = missed(project)
    attempt = _call(project, CallDirection.OUTBOUND, CallStatus.BUSY, agent=agent)
    for call in (first, second, attempt, first, attempt):
        services.on_call_finished(call)
    callback = _open(project)
    assert (callback.missed_count, callback.attempts) == (2, 1)
    answer = _call(project, CallDirection.OUTBOUND, CallStatus.COMPLETED, agent=agent)
    services.on_call_finished(answer)
    services.on_call_finished(first)  # a late repeat of a call the closed callback covered
    assert Callback.objects.count() == 1
    assert Callback.objects.get().closed_reason == "reached"


def test_a_missed_call_later_proved_answered_closes_its_callback(project):
    call = missed(project)
    call.status, call.answered_at = CallStatus.COMPLETED, call.ended_at
    call.save()
    services.on_call_finished(call)
    callback = Callback.objects.get()
    assert (callback.closed_reason, callback.closed_by_call) == ("called_back", call)


def test_an_outbound_call_with_no_callback_open_does_nothing(project, agent):
    _call(project, CallDirection.OUTBOUND, CallStatus.COMPLETED, agent=agent)
    _call(project, CallDirection.OUTBOUND, CallStatus.NO_ANSWER, agent=agent)
    assert not Callback.objects.exists()


def test_dismissing_closes_it_and_records_who(project):
    missed(project)
    supervisor = make_user("supervisor", first_name="Dana", last_name="Sef")
    callback = services.dismiss(callback=_open(project), by=supervisor)
    assert callback.closed_reason == "dismissed"
    entry = AuditEntry.objects.get(action="callback.dismissed")
    assert entry.actor == supervisor
    assert "Dana Sef" in entry.summary
    with pytest.raises(services.CallbackRefused):
        services.dismiss(callback=callback, by=supervisor)
