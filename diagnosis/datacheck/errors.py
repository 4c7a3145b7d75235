from django.utils.translation import gettext_lazy as _


class UnreadableFile(Exception):
    """A file OneStop refuses, with a message written for the person who uploaded it."""

    def __init__(self, message, **params):
        self.message = message
        self.params = params
        super().__init__(str(self))

    def __str__(self):
        return str(self.message) % self.params if self.params else str(self.message)


class StudyError(UnreadableFile):
    """The data cannot support the requested study (too few rows, one class only, …)."""


EMPTY = _("The file is empty. Export the table again and check that it has rows.")
PICKLE = _(
    "This is a Python pickle (a program's saved memory), not a table. OneStop never opens "
    "pickles because opening one can run code. Export the data as CSV, Excel or Parquet."
)
PICKLE_ARCHIVE = _(
    "This archive holds Python pickles (a saved model or program state), not a table. "
    "Export the data as CSV, Excel or Parquet."
)
BINARY = _(
    "OneStop can't read this file as a table. Upload a CSV or text export, an Excel workbook "
    "(.xlsx) or a Parquet file."
)
OLD_EXCEL = _(
    "This is an old Excel file (.xls). Open it in Excel and save it as .xlsx or CSV, then "
    "upload it again."
)
NOT_A_WORKBOOK = _(
    "This is a zip archive, not an Excel workbook. Upload the table itself (CSV, .xlsx or "
    "Parquet), not a compressed folder."
)
TOO_BIG = _("The file is larger than the %(limit)s limit. Upload a sample of the rows instead.")
ARCHIVE_TOO_BIG = _(
    "This workbook would unpack to %(size)s, more than the %(limit)s allowed. It may be "
    "damaged or built to overload the server; save the sheet as CSV and upload that instead."
)
ARCHIVE_TOO_MANY = _(
    "This workbook holds %(count)s parts, more than the %(limit)s allowed. Save the sheet you "
    "need as CSV and upload that instead."
)
ARCHIVE_ESCAPE = _(
    "This workbook holds a part named '%(name)s' that points outside the workbook. Excel never "
    "writes such names; the file may be built to attack the server. Save the sheet as CSV and "
    "upload that instead."
)
ARCHIVE_LINK = _(
    "This workbook holds a link to another file ('%(name)s'). Excel never writes links inside "
    "a workbook; the file may be built to attack the server. Save the sheet as CSV and upload "
    "that instead."
)
ENCODING = _(
    "The text could not be read as UTF-8 or as Korean (CP949/EUC-KR) near byte %(offset)s. "
    "Save the file again as 'CSV UTF-8' and upload it."
)
NO_HEADER = _("The file has no header row with column names.")
NO_ROWS = _("The file has column names but no data rows.")
BROKEN_TABLE = _(
    "The table could not be read: %(detail)s. Check that every row has the same number of "
    "columns and that quotes are closed."
)
BAD_SHEET = _("The workbook has no sheet called '%(sheet)s'. Its sheets are: %(sheets)s.")
EMPTY_SHEET = _("The sheet '%(sheet)s' is empty.")
BAD_PARQUET = _("The Parquet file is damaged or incomplete: %(detail)s.")


def human_size(n):
    for unit in ("bytes", "KB", "MB", "GB"):
        if n < 1024 or unit == "GB":
            return f"{n:,.0f} {unit}" if unit == "bytes" else f"{n:,.1f} {unit}"
        n /= 1024
    return f"{n} bytes"
