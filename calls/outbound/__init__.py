"""A click becomes a PBX request.

Read in this order: ``start.py`` (the agent's click or the CRM's POST becomes a queued
call, one INSERT), ``tasks.py`` (the Celery task the call's commit sends), ``originate.py``
(the task claims the call and asks the project's adapter to place it), ``progress.py``
(the call moves on or ends, and live pages hear of it), ``hangup.py`` (Hang up, and "I've
hung up" when the PBX cannot). ``call_language.py`` and ``reasons.py`` word the call's
sentences for the people who read them.
"""
