"""Overrides by dotted path, variants, and comparisons by paired differences on the same customers."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from simulator.cli import main
from simulator.errors import InputError, ScenarioError
from simulator.experiment import compare_scenarios, run_scenario
from simulator.scenario import load_scenario, load_variants
from simulator.scenario.overrides import apply_overrides, parse_assignment
from tests.conftest import SCENARIOS

TEXTBOOK = SCENARIOS / "mmc_textbook.yaml"


def test_overrides_set_keys_and_list_elements_by_name():
    data = {"staff": {"agents": {"headcount": 5}},
            "processes": {"p": {"steps": [{"name": "a", "error_rate": 0.1}, {"name": "b"}]}}}
    changed = apply_overrides(data, {"staff.agents.headcount": 7, "processes.p.steps.a.error_rate": 0.2})
    assert changed["staff"]["agents"]["headcount"] == 7
    assert changed["processes"]["p"]["steps"][0]["error_rate"] == 0.2
    assert data["staff"]["agents"]["headcount"] == 5          # the original is untouched
    with pytest.raises(InputError, match="no element named 'c'"):
        apply_overrides(data, {"processes.p.steps.c.error_rate": 0.2})


def test_assignments_are_read_as_yaml():
    assert parse_assignment("staff.agents.headcount=16") == ("staff.agents.headcount", 16)
    assert parse_assignment("channels.phone.patience={exponential: {mean: 3}}")[1] == {"exponential": {"mean": 3}}
    with pytest.raises(InputError, match="expected PATH=VALUE"):
        parse_assignment("staff.agents.headcount")


def test_a_bad_override_is_reported_like_a_bad_line_and_says_where_it_came_from():
    with pytest.raises(ScenarioError) as error:
        load_scenario(TEXTBOOK, {"staff.agents.headcount": -3})
    message = str(error.value)
    assert "staff.agents.headcount: must be a whole number >= 0, got -3" in message
    assert "(set by --set staff.agents.headcount=-3)" in message


def test_variants_are_whole_scenarios_with_their_changes_on_top_of_the_overrides():
    variants = load_variants(SCENARIOS / "contact_centre.yaml", {"seed": 9})
    assert list(variants) == ["baseline", "plus_two_agents", "everyone_trained", "better_chatbot"]
    assert all(s.seed == 9 for s in variants.values())
    assert variants["plus_two_agents"].staff[0].headcount == 27
    assert variants["baseline"].staff[0].headcount == 25


def test_paired_differences_are_exact_when_nothing_random_differs():
    scenarios = {"baseline": load_scenario(TEXTBOOK, {"replications": 4}),
                 "same": load_scenario(TEXTBOOK, {"replications": 4})}
    comparison = compare_scenarios(scenarios)
    row = comparison.difference("same", "wait_mean")
    assert row["diff_mean"] == 0 and row["diff_ci_low"] == 0 and row["diff_ci_high"] == 0
    assert not row["significant"]


def test_the_paired_difference_is_the_difference_of_the_per_contact_estimates():
    base = load_scenario(TEXTBOOK, {"replications": 6})
    more = load_scenario(TEXTBOOK, {"replications": 6, "staff.agents.headcount": 22})
    comparison = compare_scenarios({"baseline": base, "more": more})
    a = run_scenario(base).replications
    b = run_scenario(more).replications
    pick = lambda t: t[(t.metric == "wait_mean") & (t.scope == "all")]
    # the mean wait per contact: waits summed over every replication / contacts answered in every one
    estimate = lambda t: pick(t)["numerator"].sum() / pick(t)["denominator"].sum()
    row = comparison.difference("more", "wait_mean")
    assert row["diff_mean"] == pytest.approx(estimate(b) - estimate(a))
    assert row["significant"] and row["diff_ci_high"] < 0     # more agents: shorter waits, clearly
    # and plain KPIs (counts) are differenced replication by replication
    counts = lambda t: t[(t.metric == "abandoned") & (t.scope == "all")]["value"].to_numpy()
    assert comparison.difference("more", "abandoned")["diff_mean"] == pytest.approx((counts(b) - counts(a)).mean())


def test_common_random_numbers_make_the_difference_sharper_than_the_runs():
    comparison = compare_scenarios({"baseline": load_scenario(TEXTBOOK, {"replications": 10}),
                                    "more": load_scenario(TEXTBOOK, {"replications": 10,
                                                                     "staff.agents.headcount": 21})})
    row = comparison.difference("more", "service_level")
    base = comparison.difference("baseline", "service_level")
    # two independent runs would give a difference with a CI about sqrt(w1^2 + w2^2) wide
    independent = ((row["ci_high"] - row["ci_low"]) ** 2 + (base["ci_high"] - base["ci_low"]) ** 2) ** 0.5
    assert row["diff_ci_high"] - row["diff_ci_low"] < 0.6 * independent


def test_compare_command_prints_differences_for_every_variant_and_writes_comparison_csv(tmp_path):
    result = CliRunner().invoke(main, ["compare", str(SCENARIOS / "contact_centre.yaml"), "-r", "3",
                                       "--out", str(tmp_path), "--no-charts"])
    assert result.exit_code == 0, result.output
    for variant in ("plus_two_agents", "everyone_trained", "better_chatbot"):
        assert variant in result.stdout
    assert "difference from baseline [95% CI]" in result.stdout
    (folder,) = [p for p in tmp_path.glob("*/*") if p.is_dir()]
    assert folder.name.endswith("-compare")
    table = pd.read_csv(folder / "comparison.csv")
    assert {"scenario", "metric", "scope", "mean", "ci_low", "ci_high", "diff_mean", "diff_ci_low",
            "diff_ci_high", "significant"} <= set(table.columns)
    assert set(table.scenario) == {"baseline", "plus_two_agents", "everyone_trained", "better_chatbot"}
    assert (folder / "scenarios" / "better_chatbot" / "scenario.yaml").exists()


def test_compare_with_another_file_and_json(tmp_path):
    other = tmp_path / "bigger.yaml"
    other.write_text(TEXTBOOK.read_text().replace("headcount: 20", "headcount: 22"))
    result = CliRunner().invoke(main, ["compare", str(TEXTBOOK), str(other), "-r", "2", "--json",
                                       "--out", str(tmp_path / "out"), "--no-charts"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert {row["scenario"] for row in data["comparison"]} == {"baseline", "bigger"}


def test_compare_needs_something_to_compare_and_set_works_on_run(tmp_path):
    result = CliRunner().invoke(main, ["compare", str(TEXTBOOK), "--out", str(tmp_path)])
    assert result.exit_code == 2 and "nothing to compare" in result.stderr
    result = CliRunner().invoke(main, ["run", str(TEXTBOOK), "-r", "2", "--set", "staff.agents.headcount=25",
                                       "--out", str(tmp_path), "--quiet", "--no-charts"])
    assert result.exit_code == 0
    (folder,) = [p for p in tmp_path.glob("*/*") if p.is_dir()]
    assert "headcount: 25" in (folder / "scenario.yaml").read_text()
    result = CliRunner().invoke(main, ["run", str(TEXTBOOK), "--set", "staff.agents.headcount=-1"])
    assert result.exit_code == 2 and "set by --set" in result.stderr
