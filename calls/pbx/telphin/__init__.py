"""Telphin (apiproxy.telphin.ru): adapter, OAuth tokens, events, replies, resources.

The adapter lives in ``calls.pbx.telphin.adapter`` (registry.py names it there);
docs/vendors/telphin.md has every field, resource and assumption with its source.
"""
