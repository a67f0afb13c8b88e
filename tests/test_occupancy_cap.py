"""An occupancy cap: max_occupancy per pool (or a scenario default) is honoured per interval by
staff --per-interval (and so roster), by the headcount search of staff, and flagged in a run."""

from __future__ import annotations

import math

import pytest

from simulator.errors import ScenarioError
from simulator.experiment import run_scenario
from simulator.planning.staffing import find_staffing
from simulator.scenario import load_scenario
from tests.conftest import build

DAY = """\
name: occupancy cap
clock: {open: "08:00", close: "16:00", interval: 1h}
replications: 6
seed: 9
channels: {phone: {patience: {exponential: {mean: 3}}}}
demand:
  calls: {channel: phone, arrivals: {per_hour: [60, 120, 180, 150, 100, 140, 90, 50]}, process: call}
processes:
  call: {steps: [{name: talk, skill: phone, duration: {exponential: {mean: 4}}}]}
staff:
  agents: {headcount: 12, skills: {phone: 3}%s}
targets:
  service_level: {within: 60s, at_least: 0.5}
"""


def write(tmp_path, cap: str = ", max_occupancy: 0.85"):
    path = tmp_path / "day.yaml"
    path.write_text(DAY % cap)
    return path


def test_staff_per_interval_never_plans_an_interval_above_the_cap(tmp_path):
    capped = find_staffing(write(tmp_path), per_interval=True).per_interval
    assert (capped["expected_occupancy"] <= 0.85 + 1e-9).all()
    loads = capped["offered_erlangs"].to_numpy()
    assert all(required >= math.ceil(load / 0.85 - 1e-6) for required, load in zip(capped["required"], loads))
    free = find_staffing(write(tmp_path, ""), per_interval=True).per_interval
    assert (free["expected_occupancy"] > 0.85).any()            # the cap binds here: the test can fail
    assert capped["required"].sum() > free["required"].sum()


def test_a_scenario_default_applies_to_every_pool_without_its_own(tmp_path):
    path = write(tmp_path, "")
    path.write_text(path.read_text() + "max_occupancy: 0.8\n")
    table = find_staffing(path, per_interval=True).per_interval
    assert (table["expected_occupancy"] <= 0.8 + 1e-9).all()


def test_a_run_above_the_cap_is_flagged_and_the_headcount_search_stays_below_it(tmp_path):
    path = write(tmp_path, ", max_occupancy: 0.7")
    result = run_scenario(load_scenario(path))
    flags = [flag for flag in result.flags if flag.kind == "occupancy"]
    assert flags and "max_occupancy of 70%" in flags[0].message
    answer = find_staffing(path).answer
    occupancy = answer.interval_summary.query("metric == 'occupancy' and scope == 'pool:agents'")["mean"]
    assert (occupancy <= 0.7 + 1e-9).all() and not [f for f in answer.flags if f.kind == "occupancy"]


def test_a_cap_must_be_a_share():
    with pytest.raises(ScenarioError, match="max_occupancy: must be a number"):
        build({"name": "x", "clock": {"horizon": 60}, "channels": {"phone": {}},
               "demand": {"c": {"channel": "phone", "arrivals": {"per_hour": 1}, "process": "p"}},
               "processes": {"p": {"steps": [{"name": "s", "skill": "k", "duration": 1}]}},
               "staff": {"a": {"headcount": 1, "skills": {"k": 3}, "max_occupancy": 1.5}}})
