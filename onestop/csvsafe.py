"""CSV that a spreadsheet opens as data, never as formulas (OWASP ASVS V1.2.10).

Every CSV OneStop writes goes through `csv_writer`: every field is quoted, and text that a
spreadsheet could read as a formula gets a single quote in front. A formula can start at the
beginning of a cell, and also after any character a spreadsheet may take as a separator: Excel
set to a `;` list separator splits ``"Pump 3;=HYPERLINK(…)"`` into two cells, the second one a
formula. So the escape applies after `;`, `,`, tab and line breaks inside a cell as well.

Numbers that OneStop computed (int, float, Decimal) are written as they are, so a profile's
minimum of -3.5 stays a number the reader can sort and sum: a number cannot hold a formula.
Text that merely looks like a number is still escaped, because its content came from a user.
"""

import csv
import re
from decimal import Decimal

# The characters a spreadsheet may read as the start of a formula: = + - @ (and their
# full-width forms, which a Korean or Japanese input method types), tab and carriage return.
FORMULA_START = "=+-@\t\r\uff1d\uff0b\uff0d\uff20"
# A formula start at the beginning of the cell or after a separator, spaces allowed between.
FORMULA = re.compile(rf"(^|[;,\t\r\n|])([ \u3000]*)(?=[{re.escape(FORMULA_START)}])")


def safe_cell(value):
    """The text of one CSV field: numbers as they are, any other text formula-escaped."""
    if value is None:
        return ""
    if isinstance(value, int | float | Decimal):  # bool is an int: True/False are safe too
        return str(value)
    text = str(value).replace("\0", "")
    return FORMULA.sub(r"\1\2'", text)


class SafeWriter:
    """``csv.writer`` with every field quoted and escaped; the only way OneStop writes CSV."""

    def __init__(self, out):
        self._writer = csv.writer(out, quoting=csv.QUOTE_ALL)

    def writerow(self, row):
        return self._writer.writerow([safe_cell(value) for value in row])

    def writerows(self, rows):
        for row in rows:
            self.writerow(row)


def csv_writer(out):
    return SafeWriter(out)
