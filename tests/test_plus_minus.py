"""The +-N table: a sweep over a range relative to the scenario's own value (``-2:+2``) leads with each
level's chance of meeting each target, the target KPIs, the cost and the cost of each extra point of
service level; it matches separate runs at each level on the same seed."""

from __future__ import annotations

import pandas as pd
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.errors import InputError
from simulator.experiment import run_scenario
from simulator.scenario import load_scenario
from simulator.sweep import Relative, parse_vary, resolve_relative, risk_table, run_sweep
from tests.conftest import SCENARIOS

TEXTBOOK = SCENARIOS / "mmc_textbook.yaml"


def test_a_signed_range_is_relative_to_the_files_value():
    assert parse_vary("staff.agents.headcount=-2:+2") == ("staff.agents.headcount",
                                                          [Relative(-2), Relative(-1), Relative(0), Relative(1),
                                                           Relative(2)])
    [(path, values)] = resolve_relative(TEXTBOOK, [parse_vary("staff.agents.headcount=-2:+2")])
    assert values == [18, 19, 20, 21, 22]
    [(_, values)] = resolve_relative(TEXTBOOK, [parse_vary("staff.agents.headcount=-1:+1")],
                                     {"staff.agents.headcount": 30})
    assert values == [29, 30, 31]
    with pytest.raises(InputError, match="is below zero"):
        resolve_relative(TEXTBOOK, [parse_vary("staff.agents.headcount=-30:+1")])


def test_the_table_matches_separate_runs_at_each_headcount_on_the_same_seed():
    sweep = run_sweep(TEXTBOOK, [parse_vary("staff.agents.headcount=-2:+2")], replications=6)
    table = risk_table(sweep)
    assert table["staff.agents.headcount"].tolist() == [18, 19, 20, 21, 22]
    for _, row in table.iterrows():
        alone = run_scenario(load_scenario(TEXTBOOK, {"staff.agents.headcount": int(row["staff.agents.headcount"])}),
                             replications=6)
        target = alone.targets.iloc[0]
        assert row["service_level"] == pytest.approx(target["mean"])
        assert (row["service_level days_met"], row["service_level days"]) == (target["days_met"], target["days"])
        assert row["cost_total"] == pytest.approx(alone.value("cost_total"))
    gained = (table["service_level"].iloc[-1] - table["service_level"].iloc[-2]) * 100
    assert table["cost_per_point"].iloc[-1] == pytest.approx(
        (table["cost_total"].iloc[-1] - table["cost_total"].iloc[-2]) / gained)


def test_the_sweep_leads_with_the_table_and_the_report_shows_it_first(tmp_path):
    shown = CliRunner().invoke(main, ["sweep", str(TEXTBOOK), "--vary", "staff.agents.headcount=-1:+1", "-r", "3",
                                      "--no-charts", "--report", "--out", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    first_table = next(k for k, line in enumerate(lines) if line.startswith("staff.agents.headcount"))
    assert "service_level met" in lines[first_table] and "cost per extra SL point" in lines[first_table]
    folder = next(tmp_path.glob("*/*-sweep"))
    assert set(pd.read_csv(folder / "risk.csv").columns) >= {"service_level chance", "cost_total"}
    report = (folder / "report.html").read_text()
    assert report.index("The chance of meeting each target") < report.index("<h2>Points</h2>")


def test_staff_around_leads_with_the_table_around_its_answer(tmp_path):
    shown = CliRunner().invoke(main, ["staff", str(TEXTBOOK), "--around", "1", "-r", "4", "--no-charts",
                                      "--out", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    folder = next(tmp_path.glob("*/*-staff"))
    required = int(pd.read_csv(folder / "staffing.csv")["required"].iloc[0])
    table = pd.read_csv(folder / "risk.csv")
    assert table["agents"].tolist() == [required - 1, required, required + 1]
    assert shown.output.index("The chance of meeting each target") < shown.output.index("The answer, run")


def test_the_staffing_report_leads_with_the_table(tmp_path):
    shown = CliRunner().invoke(main, ["staff", str(TEXTBOOK), "--around", "1", "-r", "3", "--no-charts", "--report",
                                      "--out", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    report = (next(tmp_path.glob("*/*-staff")) / "report.html").read_text()
    assert report.index("The chance of meeting each target") < report.index("The answer, run")


@pytest.mark.slow   # five contact-centre runs: pytest -m slow (.ci/run runs it)
def test_the_contact_centres_plus_two_report_leads_with_the_table_and_the_wellbeing_view(tmp_path):
    shown = CliRunner().invoke(main, ["sweep", str(SCENARIOS / "contact_centre.yaml"), "--vary",
                                      "staff.agents.headcount=-2:+2", "-r", "2", "--no-charts", "--report",
                                      "--out", str(tmp_path)])
    assert shown.exit_code == 0, shown.output
    folder = next(tmp_path.glob("*/*-sweep"))
    table = pd.read_csv(folder / "risk.csv")
    assert table["staff.agents.headcount"].tolist() == [23, 24, 25, 26, 27]
    report = (folder / "report.html").read_text()
    first = report.index("The chance of meeting each target")
    assert first < report.index("<h2>Points</h2>") and "staff wellbeing" in report[first:report.index("</table>", first)]
    point = (folder / "points" / "000" / "report.html")
    run_report = CliRunner().invoke(main, ["report", str(folder / "points" / "000")])
    assert run_report.exit_code == 0 and "Staff wellbeing" in point.read_text()
