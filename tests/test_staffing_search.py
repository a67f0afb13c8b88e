"""Staffing search: the fewest agents meeting every target, beside Erlang C."""

from __future__ import annotations

import dataclasses

import pandas as pd
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.planning.staffing import _smallest, find_staffing
from simulator.scenario import load_scenario
from tests.conftest import SCENARIOS

TEXTBOOK = SCENARIOS / "mmc_textbook.yaml"


@pytest.mark.parametrize("start", [0, 3, 7, 8, 40])
def test_the_search_finds_the_threshold_from_any_start(start):
    calls = []
    def meets(h):
        calls.append(h)
        return h >= 7
    assert _smallest(meets, start) == 7
    assert len(calls) <= 12


def test_the_textbook_queue_needs_what_erlang_c_says_within_one_agent():
    staffing = find_staffing(TEXTBOOK)
    row = staffing.pools.iloc[0]
    assert abs(row["required"] - row["erlang_c"]) <= 1


@pytest.mark.slow   # a whole end-to-end check: pytest -m slow (.ci/run runs it)
def test_a_pool_no_target_mentions_is_still_staffed_to_do_its_work():
    staffing = find_staffing(SCENARIOS / "contact_centre.yaml", {"replications": 3, "clock.days": 1})
    back_office = staffing.pools.set_index("pool").loc["back_office"]
    assert back_office["required"] >= 4      # about 4 Erlangs of follow-ups and email: not zero, not one


@pytest.mark.slow   # a long end-to-end or statistical check: pytest -m slow (.ci/run runs it)
def test_on_a_stationary_queue_the_requirement_per_interval_is_erlang_cs_after_the_first():
    """An M/M/5-like day (4 calls a minute, 1 minute each) over three days, pooled: Erlang C's 6 agents
    for 80% in 20 s in every hour, give or take one, and plan.yaml runs with the curve."""
    path = SCENARIOS / "validation" / "mmc_three_days.yaml"
    staffing = find_staffing(path, {"targets": [{"kpi": "service_level", "at_least": 0.8}], "replications": 20},
                             per_interval=True, jobs=2)
    table = staffing.per_interval
    assert len(table) == 10 and set(table.erlang_c) == {6}
    assert (abs(table.required - table.erlang_c)[1:] <= 1).all()
    assert table.meets_targets.all()
    assert staffing.plan.staff[0].staffed == ((None, tuple(table.required)),)
    assert set(table.days) == {"every day"}
    assert table.start.tolist()[:2] == ["00:00", "01:00"]      # the time of day, every day alike
    headcount = load_scenario(path).staff[0].headcount
    assert set(table.on_duty_in_file) == {float(headcount)}    # today's staffing, beside the need


@pytest.mark.slow   # a long statistical or end-to-end check: pytest -m slow (.ci/run runs it)
def test_a_sinusoidal_days_requirement_holds_on_fresh_seeds_within_five_percent_of_erlang_cs_hours():
    """M_t/M/s: the curve found with the whole day staffed by it, run on other seeds, meets the service
    level in at least 90% of the half hours, with agent-hours within 5% of Erlang C's curve."""
    from simulator.experiment import run_scenario

    staffing = find_staffing(SCENARIOS / "validation" / "sinusoidal_day.yaml", jobs=2, per_interval=True)
    table = staffing.per_interval
    hours, erlang = table.required.sum() / 2, table.erlang_c.sum() / 2
    assert abs(hours / erlang - 1) <= 0.05
    for seed in (1031, 2031, 3031):
        fresh = run_scenario(dataclasses.replace(staffing.plan, seed=seed), jobs=2)
        level = fresh.interval_summary[(fresh.interval_summary.metric == "service_level")
                                       & (fresh.interval_summary.scope == "all")]["mean"]
        assert (level >= 0.8).mean() >= 0.9, (seed, level.round(3).tolist())
    # the number of calls in progress lags the arrival rate: while it climbs (09:00-11:00) fewer agents
    # than Erlang C's steady states are needed, while it falls after the peak (14:30-16:00) more
    rising, falling = table.iloc[2:6], table.iloc[13:16]
    assert (rising.required <= rising.erlang_c).all() and rising.required.sum() < rising.erlang_c.sum()
    assert (falling.required > falling.erlang_c).all()


def test_staff_command_writes_staffing_csv(tmp_path):
    result = CliRunner().invoke(main, ["staff", str(TEXTBOOK), "-r", "5", "--out", str(tmp_path)])
    assert result.exit_code == 0, result.output
    (folder,) = [p for p in tmp_path.glob("*/*") if p.is_dir()]
    table = pd.read_csv(folder / "staffing.csv")
    assert list(table.columns) == ["pool", "varied", "in_file", "required", "erlang_c", "evaluations"]


def test_staff_needs_targets(tmp_path):
    plain = tmp_path / "plain.yaml"
    plain.write_text(TEXTBOOK.read_text().split("targets:")[0])
    result = CliRunner().invoke(main, ["staff", str(plain), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "no targets to meet" in result.stderr


@pytest.mark.slow   # a long statistical or end-to-end check: pytest -m slow (.ci/run runs it)
@pytest.mark.parametrize("path, changes", [("public_service_centre.yaml", {"staff.phone_team.headcount": 2}),
                                           ("contact_centre.yaml", {})])
def test_the_answer_of_the_staffing_search_meets_every_target_when_it_is_run(path, changes):
    from simulator.experiment import run_scenario
    from simulator.scenario import load_scenario
    from simulator.planning.staffing import REJECTING_FLAGS

    staffing = find_staffing(SCENARIOS / path, changes, jobs=2)
    assert staffing.answer is not None
    assert (staffing.answer.targets["status"] == "met").all()
    assert not {flag.kind for flag in staffing.answer.flags} & set(REJECTING_FLAGS)
    again = run_scenario(load_scenario(SCENARIOS / path, {**changes, **staffing.changes}), jobs=2)
    assert (again.targets["status"] == "met").all()          # run as a scenario of its own, it holds
    if path == "contact_centre.yaml":
        assert staffing.changes["staff.back_office.headcount"] >= 7   # not cut to 5 and its work left undone
    else:
        assert staffing.changes["staff.phone_team.headcount"] >= 4


def test_a_pool_in_shifts_is_searched_by_scaling_its_shifts_or_shift_by_shift():
    from simulator.scenario import build_scenario
    from simulator.planning.staffing import levers, scaled

    assert scaled([6, 3, 6], 14) == [6, 3, 5] and sum(scaled([6, 3, 6], 31)) == 31 and scaled([0, 0], 3) == [2, 1]
    scenario = build_scenario({
        "name": "shifts", "clock": {"open": "08:00", "close": "16:00"}, "replications": 3, "seed": 2,
        "channels": {"phone": {"patience": {"exponential": {"mean": 3}}}},
        "demand": {"calls": {"channel": "phone", "arrivals": {"per_hour": [40, 80, 80, 40]}, "process": "p"}},
        "processes": {"p": {"steps": [{"name": "t", "skill": "s", "duration": {"exponential": {"mean": 4}}}]}},
        "staff": {"team": {"shifts": {"early": {"start": "08:00", "end": "12:00", "count": 4},
                                      "late": {"start": "12:00", "end": "16:00", "count": 4}}, "skills": {"s": 3}}},
        "targets": {"service_level": {"within": "30s", "at_least": 0.8}}}, "x.yaml", SCENARIOS)
    (lever,) = levers(scenario)
    assert lever.varied == "shift counts, scaled together" and lever.changes(10) == {
        "staff.team.shifts.early.count": 5, "staff.team.shifts.late.count": 5}
    assert [l.label for l in levers(scenario, per_shift=True)] == ["team.early", "team.late"]


VARIANT_SETS_HEADCOUNT = """\
name: a line with a variant
clock: {open: "08:00", close: "10:00", interval: 1h}
replications: 2
channels: {phone: {}}
demand:
  calls: {channel: phone, arrivals: {per_hour: 30}, process: serve}
processes:
  serve: {steps: [{name: talk, skill: s, duration: {exponential: {mean: 4}}}]}
staff:
  agents: {headcount: 3, skills: {s: 3}}
variants:
  plus_one: {staff.agents.headcount: 4}
"""


def test_a_search_may_turn_a_pools_headcount_into_a_curve_that_a_variant_would_contradict(tmp_path):
    """The requirement search and the roster run the baseline with the pool staffed per interval (or in
    shifts); a variant that sets the pool's headcount would then be invalid (both at once), but no
    variant is run: the candidate is built alone. The file as given is still checked whole."""
    from simulator.errors import ScenarioError
    from simulator.planning.staffing import Runs

    path = tmp_path / "line.yaml"
    path.write_text(VARIANT_SETS_HEADCOUNT)
    staffed = {"staff.agents": {"skills": {"s": 3}, "staffed": [3, 4]}}
    result = Runs(path, {}, 2, 1, 1, None)(staffed)
    assert [pool.headcount for pool in result.scenario.staff] == [4]
    with pytest.raises(ScenarioError, match="variants.plus_one"):
        load_scenario(path, staffed)
