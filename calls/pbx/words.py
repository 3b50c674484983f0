"""gettext for the adapters, which import without Django.

In the product Django is set up, and a sentence comes out in the active language: the
agent's page, or in the worker the language the call was placed in. An adapter used
on its own speaks English. The names are gettext's, so makemessages finds the strings.
"""

from __future__ import annotations

import sys
from types import ModuleType


def gettext(message: str) -> str:
    translation = _django_translation()
    return message if translation is None else translation.gettext(message)


def ngettext(singular: str, plural: str, number: int) -> str:
    translation = _django_translation()
    if translation is None:
        return singular if number == 1 else plural
    return translation.ngettext(singular, plural, number)


def gettext_noop(message: str) -> str:
    """Marks a sentence to translate where it is used (tables built at import time)."""
    return message


def _django_translation() -> ModuleType | None:
    apps = sys.modules.get("django.apps")
    if apps is None or not apps.apps.ready:
        return None
    from django.utils import translation

    return translation
