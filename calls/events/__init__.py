"""A PBX event becomes a screen update, in the order it happens:

1. received   webhooks.py     ``/hooks/<vendor>/<token>/``: the project found by its token
              (VoipCenter has no webhook: calls/pbx/voipcenter/listener.py keeps its stream)
2. stored     intake.py       the vendor's adapter authenticates, the request is kept raw, queued
3. read       applier.py      the ``events`` process takes queued requests in batches
                              (wakeups.py: LISTEN/NOTIFY on PostgreSQL, polling elsewhere);
              reading.py      the stored request bounded, parsed by its adapter, cleaned
4. moved      call_moves.py   ``apply_event``: the event stored once, its call moved on
5. published  calls/live/     the changed call reaches the agent's and the board's pages

Beside the flow: history_sync.py settles what a stream missed from a vendor's call history
(adapter ``sync_calls``); caller_lookup.py answers the PBX asking who calls; projects.py keeps
the projects these requests arrive for a few seconds.
"""
