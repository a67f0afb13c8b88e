"""The narrated trace: an exact hand-checked timeline, --step with piped input, the event log."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
from click.testing import CliRunner

from simulator.cli import main
from simulator.model.customers import Customers
from simulator.trace import LOG_COLUMNS, agent_label, trace_scenario
from tests.conftest import SCENARIOS, build


def tiny() -> dict:
    return {
        "name": "tiny", "clock": {"open": "09:00", "close": "10:00"},
        "channels": {"phone": {}},
        "segments": {"premium": {"share": 0.5, "priority": 0}, "standard": {"share": 0.5, "priority": 1}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": 1}, "process": "serve"}},
        "processes": {"serve": {"steps": [{"name": "talk", "skill": "s", "duration": 2}]}},
        "staff": {"agents": {"headcount": 1, "skills": {"s": 3}}},
    }


def test_the_trace_of_a_tiny_scenario_equals_the_hand_checked_timeline():
    """One agent, 2-minute calls; #3 gives up after 30 s; premium #2 goes before standard #1.
    Satisfaction (default weights, tolerance 2 min, level 3 so assurance 0.5): no wait or 1 min wait:
    1 + 4 (0.4 + 0.4 + 0.2 x 0.5) = 4.6; #1 waited 3.5 min: responsiveness 1 - 1.5/4 = 0.625, so 4.0."""
    entry = (0, 2.0, 1.0, 1.0)
    people = Customers([0.0, 0.5, 1.0, 1.2], np.zeros(4, dtype=np.int64), np.array([1, 1, 0, 1]),
                       [math.inf, math.inf, math.inf, 0.5], [[entry]] * 4)
    lines = trace_scenario(build(tiny()), customers=people).lines()
    assert lines == [
        "09:00:00  #0 standard phone contact arrives (calls)",
        "09:00:00  #0 served by Ana (agents, level 3): talk",
        "09:00:30  #1 standard phone contact arrives (calls)",
        "09:00:30  #1 waits for s; 1 waiting",
        "09:01:00  #2 premium phone contact arrives (calls)",
        "09:01:00  #2 waits for s; 2 waiting",
        "09:01:12  #3 standard phone contact arrives (calls)",
        "09:01:12  #3 waits for s; 3 waiting",
        "09:01:42  #3 gives up after 30s waiting",
        "09:02:00  #0 leaves, satisfaction 4.6",
        "09:02:00  #2 served by Ana (agents, level 3): talk",
        "09:04:00  #2 leaves, satisfaction 4.6",
        "09:04:00  #1 served by Ana (agents, level 3): talk",
        "09:06:00  #1 leaves, satisfaction 4.0",
    ]


def test_agent_names_are_stable_and_distinct():
    names = [agent_label(n) for n in range(60)]
    assert names[0] == "Ana" and names[26] == "Ana 2" and len(set(names)) == 60


def test_step_waits_for_enter_and_runs_on_at_the_end_of_piped_input(tmp_path):
    args = ["trace", str(SCENARIOS / "bank_branch.yaml"), "-n", "3", "--step", "--log", str(tmp_path / "log.csv")]
    result = CliRunner().invoke(main, args, input="\n\n")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].endswith("#0 personal walk_in contact arrives (walk_ins)") or "#0" in lines[0]
    log = pd.read_csv(tmp_path / "log.csv")
    assert list(log.columns) == LOG_COLUMNS and len(log) == len(lines)
    assert set(log.contact) == {0, 1, 2}


def test_from_until_and_a_bad_variant(tmp_path):
    result = CliRunner().invoke(main, ["trace", str(SCENARIOS / "contact_centre.yaml"), "--from", "10:00",
                                       "--until", "10:05", "-n", "5", "--set", "clock.days=1"])
    assert result.exit_code == 0 and result.stdout
    assert all("10:00:00" <= line[:8] <= "10:05:00" for line in result.stdout.splitlines())
    result = CliRunner().invoke(main, ["trace", str(SCENARIOS / "contact_centre.yaml"), "--variant", "nope"])
    assert result.exit_code == 2 and "plus_two_agents" in result.stderr
