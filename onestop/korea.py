"""Korean reference data used by company profiles: regions, KSIC industries, the
business registration number (사업자등록번호) check digit."""

import re
import unicodedata

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

BRN_WEIGHTS = (1, 3, 7, 1, 3, 7, 1, 3, 5)


TEN_DIGITS = re.compile(r"[0-9]{10}")


def normalise_registration_number(value):
    """Drop dashes and spaces: people type 123-45-67890, 123 45 67890 or 1234567890. Full-width
    digits (１２３…, as some Korean input methods type them) become ASCII first."""
    text = unicodedata.normalize("NFKC", str(value))
    return "".join(ch for ch in text if ch != "-" and not ch.isspace())


def registration_number_is_valid(digits):
    """The National Tax Service check digit: weights 1,3,7,1,3,7,1,3,5 over the first nine
    digits, plus the tens of (ninth digit x 5); the tenth digit completes the sum to 10."""
    if not TEN_DIGITS.fullmatch(digits):
        return False
    numbers = [int(ch) for ch in digits]
    total = sum(d * w for d, w in zip(numbers, BRN_WEIGHTS, strict=False))
    total += numbers[8] * 5 // 10
    return (10 - total % 10) % 10 == numbers[9]


def registration_number_with_check_digit(first_nine):
    """Complete nine digits with their check digit (for demo data and tests)."""
    numbers = [int(ch) for ch in first_nine]
    total = sum(d * w for d, w in zip(numbers, BRN_WEIGHTS, strict=True)) + numbers[8] * 5 // 10
    return first_nine + str((10 - total % 10) % 10)


def validate_registration_number(value):
    digits = normalise_registration_number(value)
    if not TEN_DIGITS.fullmatch(digits):
        raise ValidationError(
            _("A business registration number has 10 digits, for example 123-45-67890."),
            code="length",
        )
    if not registration_number_is_valid(digits):
        raise ValidationError(
            _(
                "This business registration number is not valid: its last digit does not match. "
                "Check it against your registration certificate."
            ),
            code="check_digit",
        )


class Region(models.TextChoices):
    """The 17 first-level divisions: special, metropolitan and self-governing cities and
    provinces."""

    SEOUL = "seoul", _("Seoul")
    BUSAN = "busan", _("Busan")
    DAEGU = "daegu", _("Daegu")
    INCHEON = "incheon", _("Incheon")
    GWANGJU = "gwangju", _("Gwangju")
    DAEJEON = "daejeon", _("Daejeon")
    ULSAN = "ulsan", _("Ulsan")
    SEJONG = "sejong", _("Sejong")
    GYEONGGI = "gyeonggi", _("Gyeonggi")
    GANGWON = "gangwon", _("Gangwon")
    CHUNGBUK = "chungbuk", _("North Chungcheong")
    CHUNGNAM = "chungnam", _("South Chungcheong")
    JEONBUK = "jeonbuk", _("North Jeolla")
    JEONNAM = "jeonnam", _("South Jeolla")
    GYEONGBUK = "gyeongbuk", _("North Gyeongsang")
    GYEONGNAM = "gyeongnam", _("South Gyeongsang")
    JEJU = "jeju", _("Jeju")


class EmployeeBand(models.TextChoices):
    B1_9 = "1-9", _("1–9 employees")
    B10_49 = "10-49", _("10–49 employees")
    B50_99 = "50-99", _("50–99 employees")
    B100_299 = "100-299", _("100–299 employees")
    B300 = "300+", _("300 or more employees")


# KSIC (10th revision) sections and the division codes each one spans.
KSIC_SECTIONS = {
    "A": (_("Agriculture, forestry and fishing"), range(1, 4)),
    "B": (_("Mining and quarrying"), range(5, 9)),
    "C": (_("Manufacturing"), range(10, 35)),
    "D": (_("Electricity, gas, steam and air conditioning supply"), range(35, 36)),
    "E": (_("Water supply, sewage, waste management and remediation"), range(36, 40)),
    "F": (_("Construction"), range(41, 43)),
    "G": (_("Wholesale and retail trade"), range(45, 48)),
    "H": (_("Transportation and storage"), range(49, 53)),
    "J": (_("Information and communication"), range(58, 64)),
    "M": (_("Professional, scientific and technical activities"), range(70, 74)),
}

# Manufacturing (section C) is OneStop's audience, so its divisions carry names.
KSIC_MANUFACTURING_DIVISIONS = {
    "10": _("Food products"),
    "11": _("Beverages"),
    "12": _("Tobacco products"),
    "13": _("Textiles, except apparel"),
    "14": _("Wearing apparel and fur articles"),
    "15": _("Leather, luggage and footwear"),
    "16": _("Wood and wood products, except furniture"),
    "17": _("Pulp, paper and paper products"),
    "18": _("Printing and reproduction of recorded media"),
    "19": _("Coke, briquettes and refined petroleum products"),
    "20": _("Chemicals and chemical products, except pharmaceuticals"),
    "21": _("Pharmaceuticals and medicinal chemicals"),
    "22": _("Rubber and plastic products"),
    "23": _("Other non-metallic mineral products"),
    "24": _("Basic metals"),
    "25": _("Fabricated metal products, except machinery and furniture"),
    "26": _("Electronic components, computers, audio-visual and communication equipment"),
    "27": _("Medical, precision and optical instruments, watches"),
    "28": _("Electrical equipment"),
    "29": _("Other machinery and equipment"),
    "30": _("Motor vehicles, trailers and semitrailers"),
    "31": _("Other transport equipment"),
    "32": _("Furniture"),
    "33": _("Other manufacturing"),
    "34": _("Repair of industrial machinery and equipment"),
}


def ksic_section_of(division):
    """The section letter that contains a two-digit division code, or None."""
    if not (isinstance(division, str) and re.fullmatch(r"[0-9]{2}", division)):
        return None
    number = int(division)
    for letter, (_label, divisions) in KSIC_SECTIONS.items():
        if number in divisions:
            return letter
    return None


def validate_ksic_division(value):
    if ksic_section_of(value) is None:
        raise ValidationError(
            _("Choose an industry from the list (a two-digit KSIC division)."), code="ksic"
        )


def ksic_division_label(division):
    section = ksic_section_of(division)
    if section is None:
        return division
    if section == "C":
        return KSIC_MANUFACTURING_DIVISIONS[division]
    return KSIC_SECTIONS[section][0]


def ksic_division_choices():
    """Grouped choices for a select: manufacturing divisions by name, other sections by code."""
    groups = [
        (
            KSIC_SECTIONS["C"][0],
            [(code, f"C{code} · {name}") for code, name in KSIC_MANUFACTURING_DIVISIONS.items()],
        )
    ]
    for letter, (label, divisions) in KSIC_SECTIONS.items():
        if letter == "C":
            continue
        groups.append((label, [(f"{n:02d}", f"{letter}{n:02d}") for n in divisions]))
    return groups
