"""The agent's dialer: its pages (views.py), the call card (card.py) and the page's live
stream (stream.py)."""
