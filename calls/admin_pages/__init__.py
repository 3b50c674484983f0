"""Pieces of the Django admin too big for calls/admin.py: forms, record admins, tool pages."""
