"""How wide a table OneStop reads, and the rows it counts: a file too wide or with a runaway
line is refused before parsing with a message; repeated names stay unique however many; empty
records are not rows; hostile workbook archives are refused."""

import pytest

from diagnosis.datacheck import errors
from diagnosis.datacheck.errors import UnreadableFile
from diagnosis.datacheck.feasibility import run_study
from diagnosis.datacheck.limits import LINE_TOO_LONG, TOO_MANY_COLUMNS, TableLimits
from diagnosis.datacheck.profile import NORMALISED_NAME, profile_file
from diagnosis.datacheck.readers import column_names
from tests import datacheck_files as files


def refused(path, tmp_path, **kwargs):
    with pytest.raises(UnreadableFile) as caught:
        profile_file(path, tmp_path / "work", **kwargs)
    return str(caught.value)


def test_a_file_with_100000_columns_is_refused_before_parsing(tmp_path):
    message = refused(files.wide_csv(tmp_path / "wide.csv"), tmp_path)
    assert message == str(TOO_MANY_COLUMNS) % {"count": "100,000", "limit": "1,000"}
    # Refused from the header: nothing was typed or written.
    assert not (tmp_path / "work" / NORMALISED_NAME).exists()


def test_the_column_limit_is_a_setting_and_a_file_at_the_limit_is_read(tmp_path):
    path = files.wide_csv(tmp_path / "wide.csv", columns=40)
    message = refused(path, tmp_path, table_limits=TableLimits(max_columns=39))
    assert message == str(TOO_MANY_COLUMNS) % {"count": "40", "limit": "39"}
    profile = profile_file(path, tmp_path / "ok", table_limits=TableLimits(max_columns=40))
    assert len(profile["columns"]) == 40
    assert profile["rows"] == 3


@pytest.mark.parametrize(
    ("make", "kind"),
    [(files.wide_parquet, "parquet"), (files.wide_xlsx, "xlsx")],
)
def test_wide_parquet_files_and_workbooks_are_refused_too(tmp_path, make, kind):
    path = make(tmp_path / f"wide.{kind}", 30)
    message = refused(path, tmp_path, table_limits=TableLimits(max_columns=20))
    assert message == str(TOO_MANY_COLUMNS) % {"count": "30", "limit": "20"}


def test_a_runaway_line_is_refused_with_its_number(tmp_path):
    path = files.long_line_csv(tmp_path / "long.csv", line_bytes=5_000, at_line=4)
    message = refused(path, tmp_path, table_limits=TableLimits(max_line_bytes=4_096))
    assert message == str(LINE_TOO_LONG) % {"line": "4", "limit": "4.0 KB"}


def test_a_file_without_line_breaks_is_refused(tmp_path):
    path = files.write(tmp_path / "one-line.csv", "a," * 3_000)
    message = refused(path, tmp_path, table_limits=TableLimits(max_line_bytes=4_096))
    assert message == str(LINE_TOO_LONG) % {"line": "1", "limit": "4.0 KB"}


def test_100000_identical_header_names_become_unique():
    names = column_names(["온도"] * 100_000)
    assert len(set(names)) == 100_000
    assert names[:3] == ["온도", "온도 (2)", "온도 (3)"]
    assert names[-1] == "온도 (100000)"


def test_a_repeat_never_takes_a_name_a_later_column_has():
    assert column_names(["a", "a", "a (2)", "a"]) == ["a", "a (3)", "a (2)", "a (4)"]


def test_empty_records_below_the_table_are_not_rows(tmp_path):
    profile = profile_file(files.trailing_empty_records_csv(tmp_path / "t.csv"), tmp_path / "w")
    assert profile["rows"] == 5
    assert all(column["missing"] == 0 for column in profile["columns"])
    assert not any("missing" in warning for warning in profile["warnings"])


def test_a_blank_last_line_is_not_a_row(tmp_path):
    profile = profile_file(files.blank_last_line_csv(tmp_path / "b.csv"), tmp_path / "w")
    assert profile["rows"] == 4
    assert [column["missing"] for column in profile["columns"]] == [0, 0]


def test_columns_named_count_value_and_n_are_profiled_and_studied(tmp_path):
    profile = profile_file(files.count_column_csv(tmp_path / "c.csv"), tmp_path / "w")
    columns = {column["name"]: column for column in profile["columns"]}
    assert profile["rows"] == 60
    assert sum(b["count"] for b in columns["value"]["histogram"]) == 60
    assert sum(b["count"] for b in columns["count"]["histogram"]) == 60
    assert {t["value"]: t["count"] for t in columns["line"]["top"]} == {"A": 30, "B": 30}
    result, _onnx = run_study(tmp_path / "w" / NORMALISED_NAME, profile, target="line")
    assert result["task"] == "binary"


@pytest.mark.parametrize(
    "name", ["../../etc/cron.d/job", "xl/../../outside.xml", "/etc/passwd", "C:/evil.xml"]
)
def test_a_workbook_with_a_part_outside_it_is_refused(tmp_path, name):
    path = files.workbook_with_extra_part(tmp_path / "book.xlsx", name)
    message = refused(path, tmp_path)
    assert message == str(errors.ARCHIVE_ESCAPE) % {"name": name}


def test_a_workbook_with_a_symbolic_link_is_refused(tmp_path):
    path = files.workbook_with_extra_part(tmp_path / "book.xlsx", "xl/media/a.png", symlink=True)
    message = refused(path, tmp_path)
    assert message == str(errors.ARCHIVE_LINK) % {"name": "xl/media/a.png"}
