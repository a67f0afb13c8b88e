"""The documentation tells the truth: KPI definitions match the code, and the snippets run."""

from __future__ import annotations

import re

import pytest

from simulator.kpis import KPIS, markdown_table
from simulator.scenario import build_scenario
from simulator.scenario.yaml_source import parse_yaml_text
from simulator.experiment import run_scenario
from tests.conftest import ROOT


def test_every_kpi_is_documented_with_the_catalogue_definition():
    text = (ROOT / "docs" / "kpis.md").read_text()
    assert markdown_table() in text
    for kpi in KPIS:
        assert f"| `{kpi.name}` | {kpi.kind} | " in text, kpi.name


def blocks(path, language):
    return re.findall(rf"```{language}\n(.*?)```", (ROOT / path).read_text(), flags=re.S)


def test_the_readme_scenario_is_valid_and_runs():
    (snippet,) = blocks("README.md", "yaml")
    scenario = build_scenario(parse_yaml_text(snippet, "README.md"), "README.md", base_dir=ROOT)
    result = run_scenario(scenario, replications=2)
    assert result.kpi("offered")["mean"] > 0


def test_python_snippets_in_the_docs_run(capsys, monkeypatch):
    monkeypatch.chdir(ROOT)
    for path in ("docs/outputs.md", "docs/validation.md", "docs/experiments.md", "docs/api.md"):
        for snippet in blocks(path, "python"):
            exec(compile(snippet, path, "exec"), {})
    assert "wait_mean" in capsys.readouterr().out


@pytest.mark.slow   # a whole end-to-end check: pytest -m slow (.ci/run runs it)
def test_the_python_example_runs(capsys):
    import runpy
    import sys
    argv = sys.argv
    sys.argv = ["planning_in_python.py"]
    try:
        namespace = runpy.run_path(str(ROOT / "docs" / "examples" / "planning_in_python.py"))
        namespace["main"](2)
    finally:
        sys.argv = argv
    out = capsys.readouterr().out
    assert "plus_two_agents" in out and "erlang_c" in out


def test_every_kpi_has_a_practitioners_label():
    from simulator.kpis import LABELS, kpi_label

    assert set(LABELS) == {kpi.name for kpi in KPIS}
    assert kpi_label("wait_mean") == "Average speed of answer"
    assert kpi_label("service_level", with_unit=True) == "Service level (%)"


def test_the_api_takes_a_path_and_gives_floats_and_tidy_tables():
    from simulator import run_scenario

    result = run_scenario(ROOT / "scenarios" / "contact_centre.yaml", replications=2, keep_tables=True)
    estimate = result.kpi("wait_mean", "channel:phone")
    assert isinstance(estimate.mean, float) and isinstance(estimate.replications, int)
    assert estimate["mean"] == estimate.mean == float(estimate) == result.value("wait_mean", "channel:phone")
    assert estimate.ci_low <= estimate.mean <= estimate.ci_high
    agents = result.agents()
    assert len(agents) == sum(p.headcount for p in result.scenario.staff) + sum(
        t.capacity for t in result.scenario.automation)
    assert agents["agent"].is_unique and set(agents[~agents.person]["pool"]) == {"chatbot"}
    steps = result.steps()
    assert set(steps["replication"]) == {0, 1} and set(steps["pool"]) <= set(agents["pool"])
    assert (steps["end"] >= steps["start"]).all() and (steps["start"] >= steps["queued_at"]).all()
    bots = steps[steps["pool"] == "chatbot"]
    assert set(bots["step"]) == {"chat_support.chatbot"}         # the bot does the chat process's first step
    contacts = result.contacts()
    assert len(contacts) == contacts.groupby("replication").size().sum()
    # the records agree with the KPIs: the first replication's answered contacts
    first = result.replications[(result.replications.replication == 0) & (result.replications.metric == "offered")
                                & (result.replications.scope == "all")]["value"].iloc[0]
    counted = contacts[(contacts.replication == 0) & (contacts.arrived_at >= result.scenario.clock.warmup)]
    assert len(counted) == first
