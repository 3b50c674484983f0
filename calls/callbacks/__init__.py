"""Missed inbound calls become callback tasks until someone reaches the customer."""
