"""VoipCenter's call list (get.php m=calls) read as our call history: what the history sync
settles from (calls/events/history_sync.py)."""

from datetime import UTC, date, datetime

import pytest

from calls.pbx.base import Direction, HangupOutcome, NotSupported, PbxConfig
from calls.pbx.telphin.adapter import TelphinAdapter
from calls.pbx.voipcenter.history import call_history

ROWS = [
    {
        "callid": "vc-1",
        "date": "20250301",
        "time": "09:15:00",
        "direction": "out",
        "sipacc": "201",
        "to": "3293456789",
        "duration": "42",
        "status": "ANSWERED",
    },
    {
        "callid": "vc-2",
        "date": "20250301",
        "time": "09:20:00",
        "direction": "in",
        "sipacc": "202",
        "from": "0470123456",
        "status": "busy",
    },
    {"callid": "vc-3", "date": "20250301", "time": "09:30:00", "direction": "out", "to": "201"},
    {"callid": "", "date": "20250301", "time": "09:31:00"},
    {"callid": "vc-5", "date": "yesterday", "time": "09:31:00"},
]


def test_each_listed_call_reads_in_our_words_and_unreadable_rows_are_counted():
    history = call_history(ROWS, "BE")
    assert history.unreadable == 2
    answered, busy, ringing = history.calls
    assert answered.started == datetime(2025, 3, 1, 9, 15, tzinfo=UTC)
    assert (answered.direction, answered.number, answered.talk_seconds) == (
        Direction.OUTBOUND,
        "+3293456789",
        42,
    )
    assert answered.hangup.outcome == HangupOutcome.COMPLETED
    assert answered.hangup.talk_seconds == 42
    assert answered.hangup.dedupe_key == "vchist:vc-1:hangup"
    assert (busy.direction, busy.number, busy.extension) == (
        Direction.INBOUND,
        "+32470123456",
        "202",
    )
    assert busy.hangup.outcome == HangupOutcome.BUSY and busy.hangup.talk_seconds is None
    assert ringing.hangup is None  # still in progress: the next run settles it
    assert ringing.number == "201"  # an extension stays as the PBX wrote it


def test_a_vendor_without_a_call_history_says_so():
    adapter = TelphinAdapter(PbxConfig(base_url="https://pbx.example", credentials={}))
    with pytest.raises(NotSupported, match="Telphin offers no call history"):
        adapter.sync_calls(date(2025, 3, 1), "RU")
