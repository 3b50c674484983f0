"""The four catalogues hold the same strings: the makemessages check reads only ro's, and
en once lacked 171 of them (English pages fell back to the msgid, the test said nothing)."""

from __future__ import annotations

import pytest
from django.conf import settings

from tests.calls.test_i18n import _msgids

LOCALE = settings.BASE_DIR / "locale"


@pytest.mark.parametrize("language", ["en", "nl", "ru"])
def test_each_catalogue_holds_the_strings_the_romanian_one_does(language):
    romanian = _msgids(LOCALE / "ro" / "LC_MESSAGES" / "django.po")
    other = _msgids(LOCALE / language / "LC_MESSAGES" / "django.po")
    assert romanian - other == set(), "run makemessages -l " + language
    assert other - romanian == set(), "run makemessages -l ro"
