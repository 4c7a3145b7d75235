"""Every CSV download opens in a spreadsheet as data, never as a formula: whatever a user typed
(an answer, a column name in a file, a company name), with the spreadsheet's list separator set
to a comma or a semicolon. Numbers OneStop computed stay numbers."""

import csv
import io
import re
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse

from diagnosis.models import Assessment
from onestop.csvsafe import safe_cell
from tests import datacheck_factories as checks
from tests.diagnosis_factories import answer, open_assessment
from tests.test_officer_overview import busy  # noqa: F401 (a fixture)

PAYLOAD = 'Pump 3;=HYPERLINK("http://evil","open")'
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "＝", "＋", "－", "＠")


def is_number(text):
    return re.fullmatch(r"-?\d+(\.\d+)?(e[+-]?\d+)?", text) is not None


def cells_as_a_spreadsheet_splits_them(text, separator):
    """The cells a spreadsheet set to ``separator`` makes of the file. Quoting is honoured per
    field of that separator, which is where the formula escape used to be bypassed: the whole
    line is read again split on ``separator`` alone."""
    cells = []
    for row in csv.reader(io.StringIO(text, newline="")):
        for field in row:
            cells.append(field)
            cells.extend(part.lstrip(" ") for part in re.split(r"[;,\t\r\n]", field)[1:])
    for line in text.splitlines():
        cells.extend(part.strip('" ') for part in line.split(separator))
    return cells


def assert_opens_as_data(text):
    body = text.removeprefix("\ufeff")
    rows = list(csv.reader(io.StringIO(body, newline="")))
    quoted = io.StringIO()
    csv.writer(quoted, quoting=csv.QUOTE_ALL).writerows(rows)
    assert quoted.getvalue() == body  # every field quoted
    for separator in (",", ";", "\t"):
        for cell in cells_as_a_spreadsheet_splits_them(body, separator):
            assert not (cell.startswith(FORMULA_START) and not is_number(cell)), (
                separator,
                cell,
            )


def test_text_gets_a_quote_before_a_formula_start_and_after_every_separator():
    assert safe_cell("=1+1") == "'=1+1"
    assert safe_cell(PAYLOAD) == 'Pump 3;\'=HYPERLINK("http://evil","open")'
    assert safe_cell("a,+b\t-c\n@d\r\ne") == "a,'+b\t'-c\n'@d\r\ne"
    assert safe_cell("note; =cmd") == "note; '=cmd"
    assert safe_cell("＝SUM(A1)") == "'＝SUM(A1)"  # a full-width equals sign, as an IME types it
    assert safe_cell("Torque (Nm), rpm; 20 °C") == "Torque (Nm), rpm; 20 °C"  # untouched


def test_numbers_stay_numbers_and_text_that_looks_like_one_does_not():
    # Computed numbers cannot carry a formula: a profile's minimum of -3.5 stays sortable.
    assert safe_cell(-3.5) == "-3.5"
    assert safe_cell(-2) == "-2"
    assert safe_cell(Decimal("-0.25")) == "-0.25"
    assert safe_cell(None) == ""
    # The same characters typed by a user are text, escaped like any other text.
    assert safe_cell("-3.5") == "'-3.5"


@pytest.fixture
def answered(world):
    assessment = open_assessment(world.company_a, world.owner_a)
    answer(
        assessment,
        world.owner_a,
        answers={"main_pain_point": PAYLOAD, "data_collected_digitally": "partial"},
    )
    return Assessment.objects.get(pk=assessment.pk)


def test_the_answers_export(owner_client, answered):
    response = owner_client.get(reverse("diagnosis:answers_csv", args=[answered.pk]))
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert_opens_as_data(text)
    rows = list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))
    cells = {row[2]: row[4] for row in rows[1:]}
    assert cells["main_pain_point"] == 'Pump 3;\'=HYPERLINK("http://evil","open")'


def hostile_file():
    lines = ["a;=cmd|' /C calc'!A0,value,=SUM(A1)"]
    for i in range(30):
        lines.append(f"ok;@x{i % 2},{-1.5 * (i % 4)},=1+{i % 3}")
    return ("\n".join(lines) + "\n").encode()


@pytest.fixture
def profiled(world):
    return checks.uploaded_check(world.company_a, world.owner_a, content=hostile_file())


def profile_rows(text):
    return list(csv.reader(io.StringIO(text.removeprefix("\ufeff"), newline="")))


def test_the_profile_export(owner_client, profiled):
    response = owner_client.get(reverse("diagnosis:data_check_csv", args=[profiled.pk]))
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert_opens_as_data(text)
    rows = {row[0]: row for row in profile_rows(text)[1:]}
    assert "a;'=cmd|' /C calc'!A0" in rows
    assert "'=SUM(A1)" in rows
    assert "ok;'@x0 (15); ok;'@x1 (15)" in rows["a;'=cmd|' /C calc'!A0"][10]
    # The numeric column's minimum is a number the reader can still sort and sum.
    assert float(rows["value"][5]) == -4.5


def test_the_consultant_s_profile_export(world, profiled):
    client = Client()
    client.force_login(world.consultant_a)
    response = client.get(reverse("diagnosis:consultant_data_check_csv", args=[profiled.pk]))
    assert response.status_code == 200
    assert_opens_as_data(response.content.decode("utf-8"))


def test_the_utilisation_export(world, busy):  # noqa: F811 (the fixture)
    world.company_a.name = "ACME;=HYPERLINK(1)"
    world.company_a.save(update_fields=["name"])
    client = Client()
    client.force_login(world.officer)
    response = client.get(reverse("diagnosis:officer_overview_csv"))
    assert response.status_code == 200
    text = response.content.decode("utf-8")
    assert_opens_as_data(text)
    (row,) = profile_rows(text)[1:]
    assert row[0] == "ACME;'=HYPERLINK(1)"
    assert row[2] == "2"  # guaranteed units, a number
