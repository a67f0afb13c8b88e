"""Sweeps over one or more parameters, on the same customers."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.errors import InputError
from simulator.sweep import parse_vary, run_sweep
from tests.conftest import SCENARIOS

TEXTBOOK = SCENARIOS / "mmc_textbook.yaml"


@pytest.mark.parametrize("text, expected", [
    ("staff.agents.headcount=10:13", ("staff.agents.headcount", [10, 11, 12, 13])),
    ("staff.agents.headcount=10:20:5", ("staff.agents.headcount", [10, 15, 20])),
    ("training.c.share=0.25:0.75:0.25", ("training.c.share", [0.25, 0.5, 0.75])),
    ("routing=longest_idle,most_skilled", ("routing", ["longest_idle", "most_skilled"])),
])
def test_ranges_and_lists(text, expected):
    assert parse_vary(text) == expected


@pytest.mark.parametrize("bad", ["staff.agents.headcount", "x=10:5", "x=1:5:0", "x=a:b"])
def test_bad_ranges_are_refused_clearly(bad):
    with pytest.raises(InputError, match="--vary"):
        parse_vary(bad)


def test_a_grid_runs_every_combination_and_more_staff_means_shorter_waits():
    sweep = run_sweep(TEXTBOOK, [parse_vary("staff.agents.headcount=20:22"), parse_vary("routing=longest_idle,cheapest")],
                      {"replications": 3})
    table = sweep.table()
    assert len(table) == 6
    assert list(table.columns[:2]) == ["staff.agents.headcount", "routing"]
    waits = table[table.routing == "longest_idle"]["wait_mean"].to_numpy()
    assert waits[0] > waits[1] > waits[2]
    assert {"service_level_ci_low", "service_level_ci_high", "cost_total"} <= set(table.columns)


def test_sweep_command_writes_sweep_csv_with_a_row_per_point(tmp_path):
    result = CliRunner().invoke(main, ["sweep", str(TEXTBOOK), "--vary", "staff.agents.headcount=19:21", "-r", "2",
                                       "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    assert "staff.agents.headcount" in result.stdout and "\n20 " in result.stdout
    (folder,) = [p for p in tmp_path.glob("*/*") if p.is_dir()]
    table = pd.read_csv(folder / "sweep.csv")
    assert table["staff.agents.headcount"].tolist() == [19, 20, 21]
    assert (folder / "comparison.csv").exists() and (folder / "points" / "002" / "scenario.yaml").exists()


def test_a_sweep_value_that_the_scenario_refuses_is_a_clear_error(tmp_path):
    result = CliRunner().invoke(main, ["sweep", str(TEXTBOOK), "--vary", "staff.agents.headcount=-2:1",
                                       "--out", str(tmp_path)])
    assert result.exit_code == 2 and "staff.agents.headcount: must be a whole number >= 0, got -2" in result.stderr
