"""Files as people write them (issue 18): every CSV through one reader that never guesses, YAML read as
YAML defines it (merge keys, UTF-16 and UTF-32), text that a file system and a terminal can take, and one
set of limits that ``validate`` and ``run`` apply alike, before anything is allocated."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.data.tables import Column, ReadOptions, numbers_from_text, read_table, read_text_table
from simulator.errors import InputError
from simulator.scenario import load_scenario
from tests.conftest import SCENARIOS
from tests.test_bad_input import VALID, check

FORECAST = VALID.replace("arrivals: {per_hour: [60, 90, 80, 50]}", "arrivals: {csv: forecast.csv}")


def scenario_with_forecast(tmp_path: Path, forecast: bytes | str) -> Path:
    (tmp_path / "forecast.csv").write_bytes(forecast.encode() if isinstance(forecast, str) else forecast)
    path = tmp_path / "scenario.yaml"
    path.write_text(FORECAST)
    return path


def rates(tmp_path: Path, forecast: bytes | str) -> tuple[float, ...]:
    return load_scenario(scenario_with_forecast(tmp_path, forecast)).demand[0].arrivals.per_hour


def validate_and_run(path: Path, *options: str) -> tuple:
    runner = CliRunner()
    checked = runner.invoke(main, ["validate", str(path), *options])
    ran = runner.invoke(main, ["run", str(path), "-r", "1", "--no-charts", "-q", "--out", str(path.parent / "out"),
                               *options])
    return checked, ran


# -- CSV: one reader, no guesses ----------------------------------------------------------------------

@pytest.mark.parametrize("row, expected", [
    ("09:00,1,234", "forecast.csv, row 3: has 3 fields, the header 2 (start, volume); a number written with a "
                    "thousands separator (1,234)? Write it without one"),
    ('09:00,"1,234"', "forecast.csv, row 3, column 'volume': expected a number >= 0, got '1,234'; it has a "
                      "thousands separator, which could be misread"),
    ("09:00", "forecast.csv, row 3: has 1 field, the header 2 (start, volume); every row needs one value per column"),
    ("09:00,1 234", "got '1 234'; it has a thousands separator"),
    ("09:00,inf", "row 3, column 'volume': expected a number >= 0, got 'inf'"),
    ("09:00,nan", "got 'nan'"),
    ("09:00,-5", "got '-5'"),
    ("09:00,1000000000000", "a period's volume makes 1,000,000,000,000 arrivals an hour; at most 100,000"),
])
def test_a_forecast_row_that_could_be_misread_is_refused_with_its_file_row_and_column(tmp_path, row, expected):
    """``09:00,1,234`` was read as 1 contact: the extra field was dropped. Now every such row is an error."""
    path = scenario_with_forecast(tmp_path, f"start,volume\n08:00,10\n{row}\n10:00,60\n11:00,50\n")
    for command in ("validate", "run"):
        check(tmp_path, FORECAST, expected, command=command)
    assert path.exists()


def test_forecasts_written_as_spreadsheets_write_them_are_read_exactly(tmp_path):
    assert rates(tmp_path, "start,volume\n08:00,10\n\n09:00,20\n10:00,30\n11:00,40\n\n") == (10, 20, 30, 40)
    assert rates(tmp_path, b"\xef\xbb\xbfstart,volume\r\n08:00,10\r\n09:00,20\r\n10:00,30\r\n11:00,40\r\n") \
        == (10, 20, 30, 40)
    # European Excel: ';' and decimal commas; a point then only groups thousands, where it is unambiguous
    assert rates(tmp_path, "start;volume\n08:00;10,5\n09:00;1.234,5\n10:00;30\n11:00;40\n") == (10.5, 1234.5, 30, 40)
    scenario_with_forecast(tmp_path, "start;volume\n08:00;10\n09:00;1.234\n10:00;30\n11:00;40\n")
    check(tmp_path, FORECAST, "row 3, column 'volume': expected a number >= 0, got '1.234'; it has a thousands "
                              "separator")


def test_the_number_rule_is_one_rule_for_every_file():
    values, invalid = numbers_from_text(pd.Series(["4.5", "1,234", "", "1e3", "inf", "12,5"], dtype=object))
    assert invalid.tolist() == [False, True, False, False, True, True]
    assert values[0] == 4.5 and np.isnan(values[2]) and values[3] == 1000
    values, invalid = numbers_from_text(pd.Series(["4,5", "1.234,5", "1.234", "4.5", "1.234.567,0"], dtype=object), ",")
    assert invalid.tolist() == [False, False, True, False, False]
    assert values.tolist()[:2] == [4.5, 1234.5] and values[3] == 4.5 and values[4] == 1234567.0


def test_history_files_go_through_the_same_reader(tmp_path):
    columns = [Column("arrival", "datetime"), Column("handle_minutes", "number", required=False)]
    path = tmp_path / "log.csv"
    path.write_text("arrival,handle_minutes\n2026-01-05 08:00,4.5\n2026-01-05 08:01,1,234\n")
    with pytest.raises(InputError, match=r"log.csv, row 3: has 3 fields, the header 2"):
        read_table(path, columns)
    path.write_text("arrival,handle_minutes\n2026-01-05 08:00,4.5\n2026-01-05 08:01\n")
    with pytest.raises(InputError, match=r"log.csv, row 3: has 1 field, the header 2"):
        read_table(path, columns)
    path.write_text('arrival,handle_minutes\n2026-01-05 08:00,4.5\n2026-01-05 08:01,"1,234"\n')
    with pytest.raises(InputError, match=r"row 3, column 'handle_minutes': expected a number >= 0, got '1,234'; "
                                         r"it has a thousands separator"):
        read_table(path, columns)
    # skipping bad rows counts a wrong field count as a bad row, and keeps the others' line numbers
    path.write_text("arrival,handle_minutes\n2026-01-05 08:00,4.5\n2026-01-05 08:01\n\n2026-01-05 08:02,3\n")
    frame, report = read_table(path, columns, ReadOptions(skip_bad_rows=True))
    assert frame["handle_minutes"].tolist() == [4.5, 3.0] and frame["_line"].tolist() == [2, 5]
    assert report.skipped == {"fields": 1}


def test_the_text_reader_keeps_line_numbers_and_names_empty_files(tmp_path):
    (tmp_path / "a.csv").write_text("start,count\n08:00,1\n\n09:00,2\n")
    table = read_text_table(tmp_path / "a.csv")
    assert table.lines == (2, 4) and table.number(1, "count", whole=True) == 2
    (tmp_path / "b.csv").write_text("")
    with pytest.raises(InputError, match="b.csv: the file is empty"):
        read_text_table(tmp_path / "b.csv")


def test_staffing_curves_and_duration_samples_from_csv_obey_the_same_rules(tmp_path):
    (tmp_path / "staffed.csv").write_text("start,count\n08:00,5\n10:00,1,000\n")
    text = VALID.replace("agents: {headcount: 6, skills: {general: 3}}",
                         "agents: {staffed: {csv: staffed.csv}, skills: {general: 3}}")
    check(tmp_path, text, "staffed.csv, row 3: has 3 fields, the header 2")
    (tmp_path / "staffed.csv").write_text("start,count\n08:00,5\n10:00,20000\n")
    check(tmp_path, text, "staffed.csv, row 3, column 'count': must be at most 10,000")
    (tmp_path / "staffed.csv").write_text("start,count\n08:00,5\n10:00,2.5\n")
    check(tmp_path, text, "row 3, column 'count': expected a whole number >= 0, got '2.5'")
    (tmp_path / "talk.csv").write_text("minutes\n4.5\n3,5\n")
    text = VALID.replace("duration: {exponential: {mean: 4}}", "duration: {empirical: {csv: talk.csv, column: minutes}}")
    check(tmp_path, text, "talk.csv, row 3: has 2 fields, the header 1")


# -- limits: one set, applied by validate and run alike ---------------------------------------------------

@pytest.mark.parametrize("old, new, expected", [
    ("interval: 30min", "interval: 1.0e+12", "clock.interval: must be at most the day's opening"),
    ("interval: 30min", "interval: 1s", "clock.interval: makes 63,114,540 reporting intervals over 731 day(s)"),
    ("per_hour: [60, 90, 80, 50]", "per_hour: 1.0e+12", "per_hour: must be at most 100,000"),
    ("per_hour: [60, 90, 80, 50]", "per_hour: 1e12", "must be a number >= 0, got '1e12' (text: YAML reads 1e12 "
                                                     "as text; write 1.0e+12)"),
    ("headcount: 6", "headcount: 1000000000000", "headcount: must be at most 10,000"),
    ("headcount: 6", "headcount: 1.0e+12", "headcount: must be a whole number >= 0, got 1000000000000.0"),
])
def test_huge_numbers_are_refused_by_validate_as_by_run(tmp_path, old, new, expected):
    assert old in VALID
    text = VALID.replace(old, new)
    if "1s" in new:
        text = text.replace('clock: {open: "08:00", close: "12:00"', 'clock: {open: "00:00", close: "23:59", days: 731')
    for command in ("validate", "run"):
        check(tmp_path, text, expected, command=command)


def test_a_run_beyond_the_contacts_agents_or_intervals_it_can_hold_is_refused_before_it_starts(tmp_path):
    many_days = VALID.replace('close: "12:00"', 'close: "12:00", days: 700')
    check(tmp_path, many_days.replace("per_hour: [60, 90, 80, 50]", "per_hour: 2000"),
          "demand: expects 5,600,000 contacts in one replication over 700 day(s); at most 5,000,000")
    pools = "".join(f"  pool{i}: {{headcount: 9000, skills: {{general: 3}}}}\n" for i in range(3))
    check(tmp_path, VALID.replace("  agents: {headcount: 6, skills: {general: 3}}\n", pools),
          "staff: has 27,000 agents over its pools and shifts; at most 20,000")
    check(tmp_path, many_days.replace("interval: 30min", "interval: 1min"),
          "clock.interval: makes 168,000 reporting intervals over 700 day(s); at most 100,000")


def test_a_huge_capacity_is_refused_once_and_invents_no_second_problem(tmp_path):
    text = (SCENARIOS / "contact_centre.yaml").read_text().replace("capacity: 30", "capacity: 1000000000000")
    (tmp_path / "contact_centre_chat_forecast.csv").write_bytes((SCENARIOS / "contact_centre_chat_forecast.csv").read_bytes())
    for command in ("validate", "run"):
        said = check(tmp_path, text, "automation.chatbot.capacity: must be at most 10,000", command=command)
        assert "1 problem in the scenario" in said and "names no automation" not in said


def test_replications_on_the_command_line_obey_the_same_limit(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text(VALID)
    result = CliRunner().invoke(main, ["run", str(path), "-r", "100000", "--out", str(tmp_path / "out")])
    assert result.exit_code == 2 and "100000 is not in the range 1<=x<=10000" in result.output


def test_validate_checks_what_run_checks_and_run_checks_the_variants(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text(VALID + "variants:\n  more: {staff.agents.headcount: 7, nonsense: 1}\n")
    checked, ran = validate_and_run(path)
    assert checked.exit_code == ran.exit_code == 2
    assert "nonsense: unknown key" in ran.output and "valid." not in checked.output
    path.write_text(VALID + 'variants:\n  "../../../../tmp/escape": {staff.agents.headcount: 7}\n')
    checked, ran = validate_and_run(path)
    assert checked.exit_code == ran.exit_code == 2 and "a variant's name becomes a folder name" in ran.output


# -- text a file system and a terminal can take ---------------------------------------------------------

@pytest.mark.parametrize("written, expected", [
    ('"bad \\ud800 name"', "text may not contain a lone surrogate (\\ud800, after 'bad ')"),
    ('"bad \\e[31m name"', "text may not contain a control character (\\x1b, after 'bad ')"),
    ('"a\\x07b"', "text may not contain a control character (\\x07"),
])
def test_names_that_cannot_be_written_are_refused_with_their_line(tmp_path, written, expected):
    check(tmp_path, VALID.replace("name: Small centre", f"name: {written}"), "scenario.yaml:1:", expected)
    check(tmp_path, VALID.replace("  agents:", f"  {written}:"), "scenario.yaml:16:", expected, command="run")


def test_set_values_are_read_by_the_same_reader(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_text(VALID)
    result = CliRunner().invoke(main, ["validate", str(path), "--set", 'name="bad \\ud800"'])
    assert result.exit_code == 2 and "lone surrogate" in result.output
    laughs = "[" + ",".join(["&a [1,1,1,1,1,1,1,1,1,1]"] + ["*a"] * 9) + "]"
    result = CliRunner().invoke(main, ["validate", str(path), "--set", f"description={laughs}"])
    assert result.exit_code in (0, 2) and "Traceback" not in result.output


# -- YAML as YAML defines it ---------------------------------------------------------------------------

def test_a_merge_key_is_overridden_by_the_mapping_s_own_entries(tmp_path):
    text = VALID.replace("  phone: {patience: {exponential: {mean: 3}}}",
                         "  phone: &phone {patience: {exponential: {mean: 3}}}\n"
                         "  chat: {<<: *phone, patience: {exponential: {mean: 7}}, concurrency: 2}")
    path = tmp_path / "scenario.yaml"
    path.write_text(text)
    scenario = load_scenario(path)
    channels = {c.name: c for c in scenario.channels}
    assert channels["chat"].patience.mean == 7 and channels["chat"].concurrency == 2
    assert channels["phone"].patience.mean == 3
    path.write_text(text.replace("concurrency: 2}", "concurrency: 2, concurrency: 3}"))
    check(tmp_path, path.read_text(), "scenario.yaml:6: concurrency: this key is given twice")


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-16-le", "utf-16-be", "utf-32-le", "utf-32-be",
                                      "utf-8-sig"])
def test_utf16_and_utf32_files_are_read_by_their_byte_order_mark_or_zero_bytes(tmp_path, encoding):
    path = tmp_path / "scenario.yaml"
    path.write_bytes(VALID.replace("Small centre", "Centre à Genève").encode(encoding))
    assert load_scenario(path).name == "Centre à Genève"
    checked, ran = validate_and_run(path)
    assert checked.exit_code == ran.exit_code == 0, checked.output + ran.output


def test_a_file_in_another_encoding_names_what_to_do(tmp_path):
    path = tmp_path / "scenario.yaml"
    path.write_bytes(VALID.replace("Small centre", "Centre à Genève").encode("latin-1"))
    result = CliRunner().invoke(main, ["validate", str(path)])
    assert result.exit_code == 2 and re.search(r"cannot be read as UTF-8, UTF-16 or UTF-32 text .*save it as UTF-8",
                                               result.output)
