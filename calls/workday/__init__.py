"""The agent's working day: availability (Ready / Paused), wrap-up after a call."""
