import pytest
from django.core.exceptions import ValidationError

from onestop.korea import (
    ksic_section_of,
    normalise_registration_number,
    registration_number_is_valid,
    registration_number_with_check_digit,
    validate_registration_number,
)

# Worked by hand for 220-81-62517: weights 1,3,7,1,3,7,1,3,5 over 2,2,0,8,1,6,2,5,1 give
# 2+6+0+8+3+42+2+15+5 = 83; the tens of 1×5 add 0; (10 − 83 mod 10) mod 10 = 7, the last digit.
VALID = ["2208162517", "1248100998", "1018100340", "1208147521"]


@pytest.mark.parametrize("number", VALID)
def test_published_registration_numbers_are_valid(number):
    assert registration_number_is_valid(number)
    validate_registration_number(number)


@pytest.mark.parametrize("number", VALID)
def test_changing_the_check_digit_makes_a_number_invalid(number):
    for digit in "0123456789":
        if digit != number[-1]:
            assert not registration_number_is_valid(number[:-1] + digit)


def test_the_tens_of_the_ninth_digit_times_five_counts():
    # 9th digit 9 → 9·5 = 45: the weighted sum gets 45 and the extra tens digit 4.
    number = registration_number_with_check_digit("123456789")
    assert number == "1234567891"
    assert registration_number_is_valid(number)


@pytest.mark.parametrize(
    "typed", ["220-81-62517", " 220 81 62517 ", "2208162517", "２２０－８１－６２５１７"]
)
def test_dashes_and_spaces_are_accepted(typed):
    assert normalise_registration_number(typed) == "2208162517"
    validate_registration_number(typed)


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("220816251", "length"),
        ("22081625170", "length"),
        ("22O8162517", "length"),  # a letter O, not a zero
        ("٢٢٠٨١٦٢٥١٧", "length"),  # Arabic-Indic digits
        ("2208162518", "check_digit"),
        ("1234567890", "check_digit"),
    ],
)
def test_invalid_numbers_get_a_clear_error(value, code):
    with pytest.raises(ValidationError) as info:
        validate_registration_number(value)
    assert info.value.code == code


def test_check_digit_error_tells_the_user_what_to_do(settings):
    settings.LANGUAGE_CODE = "en"
    with pytest.raises(ValidationError) as info:
        validate_registration_number("2208162518")
    assert "registration certificate" in info.value.messages[0]


@pytest.mark.parametrize(
    ("division", "section"), [("10", "C"), ("29", "C"), ("34", "C"), ("62", "J"), ("01", "A")]
)
def test_ksic_divisions_map_to_their_section(division, section):
    assert ksic_section_of(division) == section


@pytest.mark.parametrize("division", ["00", "4", "99x", "", None, "44", "٣٣", "１０"])
def test_unknown_ksic_divisions_have_no_section(division):
    assert ksic_section_of(division) is None
