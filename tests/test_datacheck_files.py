"""Reading real-world files: each is profiled correctly or refused with a clear message."""

import json

import pytest

from diagnosis.datacheck import errors
from diagnosis.datacheck.errors import UnreadableFile
from diagnosis.datacheck.profile import profile_file
from diagnosis.datacheck.readers import ArchiveLimits
from tests import datacheck_files as files


def profiled(path, tmp_path, **kwargs):
    profile = profile_file(path, tmp_path / "work", **kwargs)
    json.dumps(profile)  # stored as JSON: every value must serialise
    return profile, {c["name"]: c for c in profile["columns"]}


def refused(path, tmp_path, **kwargs):
    with pytest.raises(UnreadableFile) as caught:
        profile_file(path, tmp_path / "work", **kwargs)
    return str(caught.value)


def test_ai4i_is_read_as_the_user_exported_it(tmp_path):
    profile, columns = profiled(files.AI4I, tmp_path)
    assert profile["format"]["encoding"] == "utf-8"
    assert profile["format"]["bom"] is True
    assert profile["rows"] == 10_000
    assert next(iter(columns)) == "UDI"  # the byte-order mark is not part of the first name
    assert len(columns) == 14
    assert columns["UDI"]["kind"] == columns["Product ID"]["kind"] == "identifier"
    assert columns["Type"]["kind"] == "category"
    assert {t["value"]: t["count"] for t in columns["Type"]["top"]} == {
        "L": 6000,
        "M": 2997,
        "H": 1003,
    }
    assert columns["Machine_failure"]["kind"] == "boolean"
    assert {t["value"]: t["count"] for t in columns["Machine_failure"]["top"]} == {
        False: 9661,
        True: 339,
    }
    torque = columns["Torque [Nm]"]
    assert torque["kind"] == "number"
    assert (torque["min"], torque["max"]) == (3.8, 76.6)
    assert torque["mean"] == pytest.approx(39.99, abs=0.005)
    assert torque["std"] == pytest.approx(9.97, abs=0.005)
    assert sum(b["count"] for b in torque["histogram"]) == 10_000
    assert columns["Rotational speed [rpm]"]["outliers"] > 0
    assert columns["Tool wear [min]"]["max"] == 253
    assert profile["duplicate_rows"] == 0


def test_cp949_with_korean_headers(tmp_path):
    profile, columns = profiled(files.korean_cp949_csv(tmp_path / "korean.csv"), tmp_path)
    assert profile["format"]["encoding"] == "cp949"
    assert list(columns) == ["일시", "라인", "온도(℃)", "압력", "불량여부"]
    assert columns["일시"]["kind"] == "datetime"
    assert columns["라인"]["kind"] == "category"
    assert {t["value"] for t in columns["라인"]["top"]} == {"가라인", "나라인"}
    assert columns["온도(℃)"]["kind"] == "number"
    assert columns["온도(℃)"]["max"] == 23.0
    assert {t["value"]: t["count"] for t in columns["불량여부"]["top"]} == {"양품": 180, "불량": 20}


def test_semicolons_with_decimal_commas(tmp_path):
    profile, columns = profiled(files.semicolon_decimal_comma_csv(tmp_path / "eu.csv"), tmp_path)
    assert profile["format"]["delimiter"] == ";"
    assert profile["format"]["decimal"] == ","
    assert columns["Temperatur"]["kind"] == "number"
    assert columns["Temperatur"]["min"] == 20.0
    assert columns["Temperatur"]["max"] == 44.75
    assert columns["Charge"]["kind"] == "category"


def test_quoted_line_breaks_stay_inside_their_row(tmp_path):
    profile, columns = profiled(files.quoted_line_breaks_csv(tmp_path / "notes.csv"), tmp_path)
    assert profile["rows"] == 40
    assert columns["value"]["kind"] == "number"
    assert columns["value"]["max"] == 58.5
    assert any("\n" in str(t["value"]) for t in columns["remark"]["top"])


def test_mixed_date_formats_are_all_read_and_reported(tmp_path):
    profile, columns = profiled(files.mixed_dates_csv(tmp_path / "dates.csv"), tmp_path)
    date = columns["date"]
    assert date["kind"] == "datetime"
    assert date["missing"] == 0
    assert len(date["formats"]) == 4
    assert date["start"].startswith("2024-01-01")
    assert date["end"].startswith("2024-01-28")
    assert "'date' 열에 날짜 형식 4가지가 섞여 있으며, 모두 읽었습니다." in profile["warnings"]


def test_sampling_interval_and_gaps(tmp_path):
    _profile, columns = profiled(files.regular_series_csv(tmp_path / "series.csv"), tmp_path)
    stamp = columns["timestamp"]
    assert stamp["median_interval_seconds"] == 60
    assert stamp["gap_count"] == 1
    assert stamp["gaps"][0]["seconds"] == 121 * 60
    assert columns["vibration"]["kind"] == "number"


def test_utf16_tab_export(tmp_path):
    profile, columns = profiled(files.utf16_tab_csv(tmp_path / "unicode.txt"), tmp_path)
    assert profile["format"]["encoding"] == "utf-16"
    assert profile["format"]["delimiter"] == "\t"
    assert list(columns) == ["이름", "값"]
    assert columns["값"]["kind"] == "number"


def test_xlsx_merged_headers_are_combined_and_the_title_row_skipped(tmp_path):
    profile, columns = profiled(files.merged_header_xlsx(tmp_path / "실적.xlsx"), tmp_path)
    assert profile["format"]["kind"] == "xlsx"
    assert profile["format"]["sheet"] == "생산실적"
    assert list(columns) == ["품번", "온도 상단", "온도 하단", "압력 입구", "압력 출구"]
    assert profile["rows"] == 30
    assert columns["온도 상단"]["kind"] == "number"
    assert len(profile["format"]["notes"]) == 2  # the title row and the merged header, explained


def test_xlsx_sheet_choice(tmp_path):
    from diagnosis.datacheck.sniff import FileFormat

    path = files.merged_header_xlsx(tmp_path / "book.xlsx")
    profile, columns = profiled(path, tmp_path, fmt=FileFormat(kind="", sheet="메모"))
    assert list(columns) == ["note"]
    assert profile["rows"] == 1
    message = refused(path, tmp_path, fmt=FileFormat(kind="", sheet="없는시트"))
    assert "없는시트" in message
    assert "생산실적" in message


def test_xlsx_zip_bomb_is_refused_before_unpacking(tmp_path):
    path = files.zip_bomb_xlsx(tmp_path / "bomb.xlsx")
    assert path.stat().st_size < 1024 * 1024  # 50 MB of zeros squeezed small
    message = refused(
        path, tmp_path, archive_limits=ArchiveLimits(max_unpacked_bytes=10 * 1024 * 1024)
    )
    assert "50.0 MB" in message
    assert "10.0 MB" in message
    assert not (tmp_path / "work" / "sheet.csv").exists()


def test_xlsx_with_too_many_parts_is_refused(tmp_path):
    path = files.many_entries_xlsx(tmp_path / "parts.xlsx", entries=60)
    message = refused(path, tmp_path, archive_limits=ArchiveLimits(max_entries=50))
    assert message == str(errors.ARCHIVE_TOO_MANY) % {"count": "61", "limit": "50"}


@pytest.mark.parametrize(
    ("make", "expected"),
    [
        (lambda p: files.write(p, b""), errors.EMPTY),
        (lambda p: files.write(p, b"\xef\xbb\xbf\r\n  \r\n"), errors.EMPTY),
        (lambda p: files.random_bytes(p), errors.BINARY),
        (lambda p: files.pickle_as_csv(p), errors.PICKLE),
        (lambda p: files.pickle_as_csv(p, protocol=0), errors.PICKLE),
        (lambda p: files.pickled_model_archive(p), errors.PICKLE_ARCHIVE),
        (
            lambda p: files.write(p, b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600),
            errors.OLD_EXCEL,
        ),
        (lambda p: files.write(p, b"a,b,c\n"), errors.NO_ROWS),
        (lambda p: files.write(p, b"PAR1" + b"\0" * 100), errors.BAD_PARQUET),
    ],
    ids=[
        "empty",
        "bom-only",
        "random-bytes",
        "pickle",
        "pickle-protocol-0",
        "pickled-model-zip",
        "xls",
        "header-only",
        "truncated-parquet",
    ],
)
def test_unreadable_files_are_refused_with_a_clear_message(tmp_path, make, expected):
    path = make(tmp_path / "upload.csv")  # the name says CSV; the content decides
    message = refused(path, tmp_path)
    assert str(expected).split("%(")[0] in message


def test_a_plain_zip_is_not_a_workbook(tmp_path):
    import zipfile

    path = tmp_path / "data.xlsx"
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("data.csv", "a,b\n1,2\n")
    assert str(errors.NOT_A_WORKBOOK) in refused(path, tmp_path)


def test_parquet_keeps_its_types(tmp_path):
    profile, columns = profiled(files.parquet_file(tmp_path / "sample.bin"), tmp_path)
    assert profile["format"]["kind"] == "parquet"
    assert profile["rows"] == 500
    assert columns["sensor"]["kind"] == "number"
    assert columns["sensor"]["max"] == 16
    assert columns["ok"]["kind"] == "boolean"
    assert columns["line"]["kind"] == "category"


def test_duplicates_missing_values_and_stray_text(tmp_path):
    lines = ["a,b,c"] + ["1,2,x"] * 5 + [f"{i},{'n/a' if i % 4 == 0 else i},y" for i in range(40)]
    lines += ["7,oops,z"]
    profile, columns = profiled(files.write(tmp_path / "dups.csv", "\n".join(lines)), tmp_path)
    assert profile["duplicate_rows"] == 4
    assert columns["b"]["kind"] == "number"
    assert columns["b"]["missing"] == 11  # ten "n/a" and one "oops"
    assert any("oops" not in w and "'b'" in w for w in profile["warnings"])


def test_nan_and_infinite_values_count_as_missing(tmp_path):
    lines = ["x,y"] + [f"{v},{i}" for i, v in enumerate(["1", "inf", "2", "NaN", "3", "-inf"] * 10)]
    _profile, columns = profiled(files.write(tmp_path / "odd.csv", "\n".join(lines)), tmp_path)
    x = columns["x"]
    assert x["kind"] == "number"
    assert x["missing"] == 30
    assert (x["min"], x["max"]) == (1.0, 3.0)
    assert sum(b["count"] for b in x["histogram"]) == 30


def test_parquet_with_unusual_types_is_profiled(tmp_path):
    import datetime as dt
    from decimal import Decimal

    import polars as pl

    rows = 40
    frame = pl.DataFrame(
        {
            "cycle": [dt.timedelta(seconds=30 + i) for i in range(rows)],
            "shift_start": [dt.time(8, i % 60) for i in range(rows)],
            "price": pl.Series(
                [Decimal("12.50") + i for i in range(rows)], dtype=pl.Decimal(10, 2)
            ),
            "blob": [bytes([i % 7]) for i in range(rows)],
            "ratio": [float("nan") if i % 5 == 0 else i / 3 for i in range(rows)],
        }
    )
    frame.write_parquet(tmp_path / "odd.parquet")
    _profile, columns = profiled(tmp_path / "odd.parquet", tmp_path)
    assert columns["cycle"]["kind"] == "number"
    assert columns["cycle"]["min"] == 30.0
    assert columns["shift_start"]["kind"] == "text"  # times of day, read as written
    assert columns["price"]["kind"] == "number"
    assert columns["price"]["max"] == 51.5
    assert columns["ratio"]["missing"] == 8


def test_repeated_header_names_stay_unique(tmp_path):
    _profile, columns = profiled(
        files.write(tmp_path / "dup.csv", "a,a,a (2)\n" + "1,2,3\n" * 5), tmp_path
    )
    assert list(columns) == ["a", "a (3)", "a (2)"]


def test_a_one_column_sheet_keeps_its_header_and_an_empty_cover_sheet_is_skipped(tmp_path):
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.title = "표지"
    data = workbook.create_sheet("data")
    data.append(["temp"])
    for value in (20, 21, 22, 23):
        data.append([value])
    data["D5"] = "note"
    workbook.save(tmp_path / "one.xlsx")
    profile, columns = profiled(tmp_path / "one.xlsx", tmp_path)
    assert profile["format"]["sheet"] == "data"
    assert "temp" in columns
    assert profile["rows"] == 4
