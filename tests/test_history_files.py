"""History files read as organisations export them, and bad rows refused by file, row and column."""

from __future__ import annotations

import gzip

import pandas as pd
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.data.history import read_contact_log, read_surveys, read_volumes
from simulator.data.tables import ReadOptions
from simulator.errors import InputError

LOG = ("arrival,channel,wait_s,outcome,handle_s\n"
       "2026-11-02 08:00:05,phone,0,answered,300\n"
       "2026-11-02 08:01:00,phone,45.5,abandoned,\n"
       "2026-11-02 08:02:00,phone,12,answered,240\n")


def test_excel_export_with_bom_semicolons_and_decimal_commas(tmp_path):
    path = tmp_path / "volumes.csv"
    path.write_bytes("\ufeffStart;Calls\n2026-11-02 08:00;12,5\n2026-11-02 08:30;14\n2026-11-03 08:00;9\n".encode())
    volumes = read_volumes(path, ReadOptions.from_cli(("start=Start", "volume=Calls")))
    assert volumes.grain == 30
    assert volumes.frame["volume"].tolist() == [12.5, 14.0, 9.0]


def test_gzip_contact_log_aggregated_to_intervals(tmp_path):
    path = tmp_path / "log.csv.gz"
    with gzip.open(path, "wt") as out:
        out.write(LOG)
    volumes = read_volumes(path, interval=30)
    assert volumes.source == "contact log"
    assert volumes.frame["volume"].tolist() == [3.0]
    log = read_contact_log(path)
    assert log.frame["outcome"].tolist() == ["answered", "abandoned", "answered"]


def test_offsets_kept_as_wall_time_or_converted_across_daylight_saving(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("arrival,wait_s,outcome,handle_s\n2026-03-29T01:30:00+01:00,0,answered,60\n"
                    "2026-03-29T03:30:00+02:00,0,answered,60\n2026-03-29T06:00:00Z,0,answered,60\n")
    as_written = read_contact_log(path).frame["arrival"].dt.strftime("%H:%M").tolist()
    assert as_written == ["01:30", "03:30", "06:00"]
    paris = read_contact_log(path, ReadOptions.from_cli(timezone="Europe/Paris")).frame["arrival"]
    assert paris.dt.strftime("%H:%M").tolist() == ["01:30", "03:30", "08:00"]   # 06:00 UTC is 08:00 summer time


def test_a_bad_value_names_file_row_and_column(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(LOG + "2026-11-02 08:03:00,phone,soon,answered,100\n")
    with pytest.raises(InputError, match=r"log.csv, row 5, column 'wait_s': expected a number >= 0, got 'soon'"):
        read_contact_log(path)
    log = read_contact_log(path, ReadOptions(skip_bad_rows=True))
    assert len(log.frame) == 3 and log.report.skipped == {"wait_s": 1}


def test_outcomes_and_handling_checked(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text(LOG + "2026-11-02 08:04:00,phone,3,hung up,\n")
    with pytest.raises(InputError, match=r"row 5, column 'outcome': expected answered, abandoned or contained"):
        read_contact_log(path)
    path.write_text(LOG + "2026-11-02 08:04:00,phone,3,answered,\n")
    with pytest.raises(InputError, match=r"row 5, column 'handle_s'"):
        read_contact_log(path)


def test_missing_column_says_how_to_map_it(tmp_path):
    path = tmp_path / "log.csv"
    path.write_text("CallStart,wait_s,outcome,handle_s\n2026-11-02 08:00,0,answered,10\n")
    with pytest.raises(InputError, match="neither interval volumes"):
        read_volumes(path)
    log = read_contact_log(path, ReadOptions.from_cli(("arrival=callstart",)))
    assert len(log.frame) == 1


def test_surveys_rescaled_to_one_to_five(tmp_path):
    path = tmp_path / "surveys.csv"
    path.write_text("contact_id,score\n1,0\n2,10\n3,5\n")
    assert read_surveys(path)["score"].tolist() == [1.0, 5.0, 3.0]


def test_parquet_where_pyarrow_is_installed(tmp_path):
    pytest.importorskip("pyarrow", reason="pyarrow is not installed: Parquet is read only where it is")
    path = tmp_path / "log.parquet"
    pd.read_csv(__import__("io").StringIO(LOG)).to_parquet(path)
    assert len(read_contact_log(path).frame) == 3


def test_cli_bad_history_exits_2_and_writes_nothing(tmp_path):
    path = tmp_path / "volumes.csv"
    path.write_text("start,volume\n2026-11-02 08:00,4\nnot a date,5\n")
    out = tmp_path / "forecast.csv"
    result = CliRunner().invoke(main, ["forecast", str(path), "-o", str(out)])
    assert result.exit_code == 2
    assert "row 3, column 'start'" in result.output
    assert not out.exists() and not list(tmp_path.glob(".forecast*"))


def test_calibrate_says_what_the_log_lacks(tmp_path):
    from tests.conftest import SCENARIOS

    path = tmp_path / "log.csv"
    path.write_text(LOG)
    shared = CliRunner().invoke(main, ["calibrate", str(path), "--scenario", str(SCENARIOS / "contact_centre.yaml"),
                                       "-o", str(tmp_path / "fitted.yaml")])
    assert shared.exit_code == 2
    assert "share channel phone: the log needs a queue column" in shared.output
    missing = CliRunner().invoke(main, ["backtest", str(SCENARIOS / "history" / "base.yaml"), str(tmp_path / "no.csv")])
    assert missing.exit_code == 2 and "no such contact log" in missing.output
    assert not (tmp_path / "fitted.yaml").exists()
