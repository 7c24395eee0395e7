"""CSV input as spreadsheets and accidents make it: a UTF-8 byte order mark, blank lines (an
error names the file's own line), bytes that are not UTF-8, rows with too few or too many
values, a huge field, a folder in place of the file - read, or one clear error naming the line,
for the smoker source and a stream's ``sources.csv``; never a traceback through the CLI."""

import random
from pathlib import Path

import pytest

from buzzline.clock import ManualClock
from buzzline.errors import SourceError
from buzzline.sources.smoker import read_smoker_csv
from buzzline.sources.text import not_utf8
from buzzline.streams import sources
from tests.conftest import run_buzzline

BOM = b"\xef\xbb\xbf"
HEADER = b"timestamp,temperature\r\n"
ROWS = [b"2025-01-01T00:00:00,70.5", b"2025-01-01T00:00:05,71", b"2025-01-01T00:00:10,71.5"]


def write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


def smoker_error(path: Path) -> str:
    with pytest.raises(SourceError) as info:
        list(read_smoker_csv(path))
    assert "\n" not in str(info.value)
    return str(info.value)


def stream_rows(path: Path) -> list[dict]:
    return list(sources.csv(path)(random.Random(1), ManualClock(), None))


def stream_error(path: Path) -> str:
    with pytest.raises(SourceError) as info:
        stream_rows(path)
    assert "\n" not in str(info.value)
    return str(info.value)


def test_a_bom_is_read_as_the_spreadsheet_meant(tmp_path: Path) -> None:
    path = write(tmp_path / "bom.csv", BOM + HEADER + b"\r\n".join(ROWS) + b"\r\n")
    readings = list(read_smoker_csv(path))
    assert [r.temperature for r in readings] == [70.5, 71.0, 71.5]
    assert readings[0].timestamp == "2025-01-01T00:00:00"
    assert [row["temperature"] for row in stream_rows(path)] == ["70.5", "71", "71.5"]


def test_blank_lines_count_in_the_line_number_of_an_error(tmp_path: Path) -> None:
    # line 1 header, 2 blank, 3 row, 4 and 5 blank, 6 the bad row
    path = write(tmp_path / "gaps.csv", HEADER + b"\n" + ROWS[0] + b"\n\n\n"
                 + b"2025-01-01T00:00:05,warm\n" + ROWS[2] + b"\n")
    assert "line 6: temperature 'warm' is not a number" in smoker_error(path)
    assert "gaps.csv" in smoker_error(path)


def test_a_quoted_line_break_counts_too(tmp_path: Path) -> None:
    path = write(tmp_path / "quoted.csv", b'timestamp,temperature,note\n'
                 b'2025-01-01T00:00:00,70,"two\nlines"\n2025-01-01T00:00:05,,x\n')
    assert "line 4: temperature '' is not a number" in smoker_error(path)


def test_bytes_that_are_not_utf8_name_their_line(tmp_path: Path) -> None:
    path = write(tmp_path / "latin1.csv", HEADER + ROWS[0] + b"\n" + ROWS[1] + b"\n"
                 + "2025-01-01T00:00:10,71 \u00b0F\n".encode("latin-1"))
    assert "latin1.csv, line 4: not UTF-8 text (byte 0xb0)" in smoker_error(path)
    assert "line 4: not UTF-8 text (byte 0xb0)" in stream_error(path)
    assert not_utf8(b"ok\n\xff") == "line 2: not UTF-8 text (byte 0xff)"


def test_rows_with_too_few_or_too_many_values(tmp_path: Path) -> None:
    short = write(tmp_path / "short.csv", HEADER + ROWS[0] + b"\n2025-01-01T00:00:05\n")
    assert "line 3: the row has too few values" in smoker_error(short)
    extra = write(tmp_path / "extra.csv", HEADER + ROWS[0] + b"\n" + ROWS[1] + b",x,y\n")
    assert [r.temperature for r in read_smoker_csv(extra)] == [70.5, 71.0]  # extras unused
    assert "extra.csv:3: more values than the header's 2 columns" in stream_error(extra)


def test_a_huge_field_is_an_error_naming_its_line(tmp_path: Path) -> None:
    path = write(tmp_path / "huge.csv", HEADER + ROWS[0] + b"\n\n2025,\"" + b"9" * 200_000
                 + b'"\n')
    assert "line 4" in smoker_error(path) and "field larger than field limit" in \
        smoker_error(path)
    assert "huge.csv:4" in stream_error(path)


def test_a_folder_in_place_of_the_file(tmp_path: Path) -> None:
    (tmp_path / "dir.csv").mkdir()
    assert "cannot be read" in smoker_error(tmp_path / "dir.csv")


def test_produce_csv_through_the_cli(workdir: Path) -> None:
    write(workdir / "bom.csv", BOM + HEADER + b"\r\n".join(ROWS) + b"\r\n")
    result = run_buzzline(["produce", "csv", "--input", "bom.csv", "--interval", "0"], workdir)
    assert result.returncode == 0, result.stderr
    assert "sent 3 messages" in result.stdout
    assert len((workdir / "data" / "smoker_csv.jsonl").read_bytes().splitlines()) == 3
    write(workdir / "bad.csv", HEADER + b"\n\n" + b"2025-01-01T00:00:00,7\xff0\n")
    bad = run_buzzline(["produce", "csv", "--input", "bad.csv", "--interval", "0"], workdir)
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    errors = [line for line in bad.stderr.splitlines() if "error" in line]
    assert errors == ["buzzline: error: CSV file bad.csv, line 4: not UTF-8 text (byte 0xff)"]
