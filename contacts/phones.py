"""Phone numbers: every number we store or compare is E.164 ("+40212345678").

Agents type numbers any way they like ("021 234 5678", "0040-21-234-5678",
"+40 (21) 234 56 78"); the project's region says how to read a number written
without its country prefix.
"""

from __future__ import annotations

import phonenumbers
from django.utils.translation import gettext as _


class InvalidPhoneNumber(ValueError):
    """A number that cannot be dialled; the message says why, for a person."""


def normalize_phone(raw: str, region: str) -> str:
    """Return ``raw`` in E.164, read in ``region`` when it has no country prefix."""
    text = (raw or "").strip()
    if not text:
        raise InvalidPhoneNumber(_("Enter a phone number."))
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        parsed = phonenumbers.parse(text, (region or "").upper() or None)
    except phonenumbers.NumberParseException:
        raise InvalidPhoneNumber(
            _("“%(number)s” is not a phone number.") % {"number": raw}
        ) from None
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidPhoneNumber(
            _("“%(number)s” has the wrong number of digits for %(country)s.")
            % {"number": raw, "country": _country(parsed)}
        )
    if not phonenumbers.is_valid_number(parsed):
        raise InvalidPhoneNumber(
            _("“%(number)s” is not a number in use in %(country)s; check the digits.")
            % {"number": raw, "country": _country(parsed)}
        )
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def try_normalize(raw: str, region: str) -> str | None:
    """E.164 or None: for search boxes, where a partial number is not an error."""
    try:
        return normalize_phone(raw, region)
    except InvalidPhoneNumber:
        return None


def format_for_people(e164: str, region: str) -> str:
    """National format for numbers of the project's country, international otherwise."""
    try:
        parsed = phonenumbers.parse(e164, None)
    except phonenumbers.NumberParseException:
        return e164
    if phonenumbers.region_code_for_number(parsed) == (region or "").upper():
        return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.NATIONAL)
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.INTERNATIONAL)


def _country(parsed: phonenumbers.PhoneNumber) -> str:
    code = phonenumbers.region_code_for_country_code(parsed.country_code)
    return code if code and code != "ZZ" else f"+{parsed.country_code}"
