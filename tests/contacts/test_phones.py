import pytest

from contacts.phones import InvalidPhoneNumber, format_for_people, normalize_phone


@pytest.mark.parametrize(
    "typed",
    [
        "0722 123 456",
        "0722-123-456",
        "(0722) 123.456",
        "+40 722 123 456",
        "0040722123456",
        "+40722123456",
        "+40 (722) 12 34 56",
    ],
)
def test_romanian_numbers_in_any_format_become_one_e164(typed):
    assert normalize_phone(typed, "RO") == "+40722123456"


def test_the_project_region_decides_how_a_national_number_is_read():
    assert normalize_phone("020 123 4567", "NL") == "+31201234567"
    assert normalize_phone("09 345 67 89", "BE") == "+3293456789"
    assert normalize_phone("8 (981) 765-43-21", "RU") == "+79817654321"


def test_an_international_number_ignores_the_region():
    assert normalize_phone("+31 20 123 4567", "RO") == "+31201234567"


@pytest.mark.parametrize(
    ("typed", "words"),
    [
        ("", "Enter a phone number"),
        ("hello", "is not a phone number"),
        ("0722 1", "wrong number of digits for RO"),
        ("+40 722 123 456 789", "wrong number of digits for RO"),
        ("0722 12", "not a number in use in RO"),
        ("+40 100 000 000", "not a number in use in RO"),
    ],
)
def test_an_impossible_number_is_refused_with_a_sentence(typed, words):
    with pytest.raises(InvalidPhoneNumber, match=words):
        normalize_phone(typed, "RO")


def test_numbers_are_shown_nationally_at_home_and_internationally_abroad():
    assert format_for_people("+40722123456", "RO") == "0722 123 456"
    assert format_for_people("+31201234567", "RO") == "+31 20 123 4567"
